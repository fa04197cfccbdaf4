"""The authors' own models, run from a temporary copy of their code, for the SSL tests.

Nothing here is shipped or committed from the authors: at test time the files are read from
local copies of the authors' repositories and written to ``tmp_path``. The copies are looked
for in ``$FAKEBENCH_REFERENCE_CODE`` (default: ``.mirror`` beside the checkout), one folder
per repository named ``owner+name``, holding either a checkout or a git directory (then the
files are read with ``git show``); tests that need one skip when it is absent.

Licences (checked in each repository): TakHemlata/SSL_Anti-spoofing MIT (with the fairseq
copy it vendors, MIT); nii-yamagishilab/AntiDeepfake BSD-3-Clause (its checkpoints are
CC BY-NC-SA 4.0, not used here); facebookresearch/fairseq MIT. QiShanZhang/SLSforASVspoof-2021-DF
has no licence, so its code is never run by the tests (they compare with recorded values).

**fairseq stand-in.** Both authors' models call fairseq, which fakebench must not depend on.
:func:`fairseq_standin` writes a ``fairseq`` package whose *computation* is fairseq's own
code at the authors' commit (``wav2vec2.py`` or ``hubert.py``, ``multihead_attention.py``,
``layer_norm.py``, ``gelu.py``, ``utils.py``... copied verbatim) and whose infrastructure is
replaced by stubs that compute nothing: the config dataclass base, the model registry
decorator, FSDP/activation-checkpoint wrappers (identity), ``init_bert_params`` (no-op: every
weight is then loaded), mask sampling (never called with ``mask=False``), the HuBERT label
dictionary (only sizes a pre-training head), and ``checkpoint_utils.load_model_ensemble_and_task``,
which builds ``Wav2Vec2Model`` from a JSON config at the checkpoint path instead of reading a
pickled fairseq checkpoint.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[3]
REFERENCE = Path(os.environ.get("FAKEBENCH_REFERENCE_CODE", REPO.parent / ".mirror")).expanduser()

SSL_AASIST_REPO = "TakHemlata+SSL_Anti-spoofing"
SSL_AASIST_FAIRSEQ = "fairseq-a54021305d6b3c4c5959ac9395135f63202db8f1/"  # vendored, MIT
ANTIDEEPFAKE_REPO = "nii-yamagishilab+AntiDeepfake"
FAIRSEQ_REPO = "facebookresearch+fairseq"
ANTIDEEPFAKE_FAIRSEQ_COMMIT = "862efab86f649c04ea31545ce28d13c59560113d"  # AntiDeepfake's README pins it


class Source:
    """Read files of one repository at one revision, from a checkout or a git directory."""

    def __init__(self, name: str, rev: str = "HEAD", prefix: str = ""):
        self.root = REFERENCE / name
        self.rev, self.prefix = rev, prefix
        git = None
        for cand in (self.root / "repo", self.root):
            if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
                git = cand
            elif (cand / ".git").exists():
                git = cand / ".git"
            if git:
                break
        self.git = git

    @property
    def available(self) -> bool:
        return self.git is not None and self.exists("") is not False

    def read(self, path: str) -> str | None:
        if self.git is None:
            return None
        r = subprocess.run(["git", "--git-dir", str(self.git), "show", f"{self.rev}:{self.prefix}{path}"],
                           capture_output=True, text=True, check=False)
        return r.stdout if r.returncode == 0 else None

    def exists(self, path: str) -> bool:
        if self.git is None:
            return False
        r = subprocess.run(["git", "--git-dir", str(self.git), "cat-file", "-e", f"{self.rev}:{self.prefix}{path}"],
                           capture_output=True, check=False)
        return r.returncode == 0

    def copy(self, paths, dest: Path, *, optional=()) -> None:
        for p in [*paths, *optional]:
            text = self.read(p)
            if text is None:
                if p in optional:
                    continue
                raise FileNotFoundError(f"{p} is not in {self.root} at {self.rev}")
            out = dest / p
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text)


FAIRSEQ_REAL = [
    "fairseq/utils.py", "fairseq/incremental_decoding_utils.py", "fairseq/modules/multihead_attention.py",
    "fairseq/modules/fairseq_dropout.py", "fairseq/modules/quant_noise.py", "fairseq/modules/layer_norm.py",
    "fairseq/modules/fp32_group_norm.py", "fairseq/modules/grad_multiply.py",
    "fairseq/modules/gumbel_vector_quantizer.py", "fairseq/modules/same_pad.py",
    "fairseq/modules/transpose_last.py", "fairseq/modules/gelu.py", "fairseq/models/wav2vec/wav2vec2.py",
]
FAIRSEQ_OPTIONAL = ["fairseq/models/wav2vec/utils.py", "fairseq/models/hubert/hubert.py"]

STUBS = {
    "fairseq/__init__.py": "from . import checkpoint_utils, utils  # noqa\n",
    "fairseq/checkpoint_utils.py": (
        "import json\n"
        "def load_model_ensemble_and_task(paths, *a, **k):\n"
        "    from fairseq.models.wav2vec.wav2vec2 import Wav2Vec2Config, Wav2Vec2Model\n"
        "    with open(paths[0]) as f:\n"
        "        cfg = Wav2Vec2Config(**json.load(f))\n"
        "    return [Wav2Vec2Model(cfg)], cfg, None\n"),
    "fairseq/dataclass/__init__.py": (
        "from dataclasses import dataclass\nfrom typing import Optional\n"
        "def ChoiceEnum(choices):\n    return str\n"
        "@dataclass\nclass FairseqDataclass:\n    _name: Optional[str] = None\n"),
    "fairseq/models/__init__.py": (
        "import torch.nn as nn\n"
        "class BaseFairseqModel(nn.Module):\n    pass\n"
        "def register_model(name, dataclass=None):\n    return lambda cls: cls\n"),
    "fairseq/models/wav2vec/__init__.py": "from .wav2vec2 import *  # noqa\n",
    "fairseq/models/hubert/__init__.py": "from .hubert import *  # noqa\n",
    "fairseq/data/__init__.py": "from .dictionary import Dictionary  # noqa\n",
    "fairseq/data/data_utils.py": (
        "def compute_mask_indices(*args, **kwargs):\n"
        "    raise RuntimeError('masking is not used by the countermeasures (mask=False)')\n"),
    "fairseq/data/dictionary.py": (
        "class Dictionary:\n"
        "    def __init__(self):\n        self.symbols = ['<s>', '<pad>', '</s>', '<unk>']\n"
        "    def add_symbol(self, word):\n        self.symbols.append(word)\n        return len(self.symbols) - 1\n"
        "    def __len__(self):\n        return len(self.symbols)\n"),
    "fairseq/modules/__init__.py": (
        "from .fp32_group_norm import Fp32GroupNorm\nfrom .grad_multiply import GradMultiply\n"
        "from .gumbel_vector_quantizer import GumbelVectorQuantizer\nfrom .layer_norm import Fp32LayerNorm, LayerNorm\n"
        "from .multihead_attention import MultiheadAttention\nfrom .same_pad import SamePad\n"
        "from .transpose_last import TransposeLast\nfrom .gelu import gelu, gelu_accurate\n"),
    "fairseq/modules/checkpoint_activations.py": "def checkpoint_wrapper(m, *a, **k):\n    return m\n",
    "fairseq/modules/transformer_sentence_encoder.py": "def init_bert_params(module):\n    pass\n",
    "fairseq/distributed/__init__.py": "def fsdp_wrap(m, *a, **k):\n    return m\n",
    "fairseq/tasks/__init__.py": "",
    "fairseq/tasks/hubert_pretraining.py": (
        "from dataclasses import dataclass, field\nfrom typing import List, Optional\n"
        "@dataclass\nclass HubertPretrainingConfig:\n"
        "    _name: Optional[str] = None\n    data: str = ''\n    labels: List[str] = field(default_factory=list)\n"
        "    label_dir: Optional[str] = None\n    label_rate: float = 50.0\n    sample_rate: int = 16000\n"
        "    normalize: bool = False\n    enable_padding: bool = False\n    max_sample_size: Optional[int] = None\n"
        "    min_sample_size: Optional[int] = None\n    single_target: bool = False\n    random_crop: bool = True\n"
        "    pad_audio: bool = False\n"
        "class HubertPretrainingTask:\n    pass\n"),
    "omegaconf/__init__.py": "def II(x):\n    return None\n",
}


def fairseq_standin(dest: Path, source: Source) -> Path:
    """Write the stand-in ``fairseq`` (real compute files from ``source``, stubs otherwise)
    into ``dest``; return ``dest`` (put it on ``sys.path``)."""
    source.copy(FAIRSEQ_REAL, dest, optional=FAIRSEQ_OPTIONAL)
    for path, text in STUBS.items():
        out = dest / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    return dest


def fairseq_config(hidden: int, layers: int, heads: int, ffn: int, conv_dim: int, conv_pos: int, pos_groups: int,
                   *, layer_norm_extractor: bool = True, layer_norm_first: bool = True, conv_bias: bool = True) -> dict:
    """A small fairseq ``Wav2Vec2Config`` (kwargs) with the structure of XLS-R (or of w2v-base)."""
    convs = f"[({conv_dim}, 10, 5)] + [({conv_dim}, 3, 2)] * 4 + [({conv_dim}, 2, 2)] * 2"
    return {"extractor_mode": "layer_norm" if layer_norm_extractor else "default", "encoder_layers": layers,
            "encoder_embed_dim": hidden, "encoder_ffn_embed_dim": ffn, "encoder_attention_heads": heads,
            "activation_fn": "gelu", "dropout": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0,
            "encoder_layerdrop": 0.0, "dropout_input": 0.0, "dropout_features": 0.0, "final_dim": 16,
            "layer_norm_first": layer_norm_first, "conv_feature_layers": convs, "conv_bias": conv_bias,
            "quantize_targets": True, "latent_vars": 8, "latent_groups": 2, "latent_dim": 0, "conv_pos": conv_pos,
            "conv_pos_groups": pos_groups}


def hf_overrides(cfg: dict) -> dict:
    """The transformers config fields of the same architecture as :func:`fairseq_config`."""
    import re

    dims = [int(d) for d in re.findall(r"\((\d+),", cfg["conv_feature_layers"])]
    conv_dim = dims[0]
    return {"model_type": "wav2vec2", "hidden_size": cfg["encoder_embed_dim"],
            "num_hidden_layers": cfg["encoder_layers"], "num_attention_heads": cfg["encoder_attention_heads"],
            "intermediate_size": cfg["encoder_ffn_embed_dim"], "conv_dim": [conv_dim] * 7,
            "conv_kernel": [10, 3, 3, 3, 3, 2, 2], "conv_stride": [5, 2, 2, 2, 2, 2, 2],
            "feat_extract_norm": "layer" if cfg["extractor_mode"] == "layer_norm" else "group",
            "do_stable_layer_norm": cfg["layer_norm_first"], "conv_bias": cfg["conv_bias"],
            "num_conv_pos_embeddings": cfg["conv_pos"], "num_conv_pos_embedding_groups": cfg["conv_pos_groups"],
            "feat_extract_activation": "gelu", "hidden_act": "gelu"}


class Imported:
    """Context manager: put ``path`` first on ``sys.path`` and forget the modules imported
    from it afterwards (so two stand-ins of different fairseq commits do not mix)."""

    def __init__(self, path: Path, cwd: Path | None = None):
        self.path, self.cwd = str(path), cwd

    def __enter__(self):
        self._before = set(sys.modules)
        self._old_cwd = os.getcwd()
        sys.path.insert(0, self.path)
        if self.cwd is not None:
            os.chdir(self.cwd)
        return self

    def __exit__(self, *exc):
        os.chdir(self._old_cwd)
        sys.path.remove(self.path)
        for name in set(sys.modules) - self._before:
            mod = sys.modules.get(name)
            if name.split(".")[0] in ("fairseq", "omegaconf", "model", "models") or \
                    str(getattr(mod, "__file__", "") or "").startswith(self.path):
                del sys.modules[name]
        return False


def ssl_aasist_model(tmp: Path, fairseq_cfg: dict):
    """The authors' SSL-AASIST ``Model`` (their ``model.py``, MIT) on the stand-in built from
    the fairseq they vendor; returns (model, Imported context already entered)."""
    src = Source(SSL_AASIST_REPO)
    code = tmp / "ssl_aasist"
    code.mkdir()
    src.copy(["model.py"], code)
    fairseq_standin(code, Source(SSL_AASIST_REPO, prefix=SSL_AASIST_FAIRSEQ))
    (code / "xlsr2_300m.pt").write_text(json.dumps(fairseq_cfg))
    ctx = Imported(code, cwd=code).__enter__()
    import model as authors  # the authors' model.py, from the temporary copy

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = authors.Model(None, "cpu")
    return net, ctx


def antideepfake_model(tmp: Path, model_name: str, fairseq_cfg: dict | None = None, hubert: bool = False):
    """AntiDeepfake's ``models.W2V.Model`` (or ``models.HBT.Model``; BSD-3) on a stand-in of
    fairseq at the commit its README pins; ``fairseq_cfg`` replaces the named model's config
    (a small one). Returns (model, context)."""
    code = tmp / "antideepfake"
    code.mkdir()
    ad = Source(ANTIDEEPFAKE_REPO)
    files = ["models/W2V.py", "models/W2V_configs.py", "models/oc_softmax.py"]
    if hubert:
        files += ["models/HBT.py", "models/HBT_configs.py"]
    ad.copy(files, code)
    (code / "models" / "__init__.py").write_text("")
    fairseq_standin(code, Source(FAIRSEQ_REPO, rev=ANTIDEEPFAKE_FAIRSEQ_COMMIT))
    ctx = Imported(code, cwd=code).__enter__()
    module = __import__("models.HBT" if hubert else "models.W2V", fromlist=["Model"])
    configs = __import__("models.HBT_configs" if hubert else "models.W2V_configs", fromlist=["global_configs"])
    if fairseq_cfg is not None:
        quantiser = ("quantize_targets", "latent_vars", "latent_groups", "latent_dim")  # not in HubertConfig
        small = {k: v for k, v in fairseq_cfg.items() if not (hubert and k in quantiser)}
        configs.global_configs[model_name] = {**configs.global_configs[model_name], **small}
        configs.global_input_dims[model_name] = fairseq_cfg["encoder_embed_dim"]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = module.Model(model_name)
    return net, ctx


def random_state(shapes: dict[str, tuple], seed: int = 0) -> dict[str, torch.Tensor]:
    """Seeded random values for a state_dict given its key -> shape, in sorted key order:
    matrices and kernels N(0, 1/fan_in), norms' gains 1 + N(0, 0.1^2), BatchNorm variances in
    [0.5, 1.5), ``num_batches_tracked`` 1, everything else N(0, 0.05^2). The same seed gives the same tensors on every machine."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key in sorted(shapes):
        shape = tuple(shapes[key])
        if key.endswith("num_batches_tracked"):
            out[key] = torch.tensor(1, dtype=torch.long)
        elif key.endswith("running_var"):
            out[key] = torch.rand(shape, generator=g) + 0.5
        elif key.endswith("running_mean"):
            out[key] = 0.1 * torch.randn(shape, generator=g)
        elif ("norm" in key or "bn" in key or key.endswith((".2.1.weight", "0.2.weight"))) and key.endswith("weight"):
            out[key] = 1.0 + 0.1 * torch.randn(shape, generator=g)
        elif key.endswith("weight_g"):
            out[key] = 1.0 + 0.1 * torch.rand(shape, generator=g)
        elif len(shape) >= 2 and key.endswith(("weight", "weight_v")):
            fan_in = max(1, int(torch.tensor(shape[1:]).prod()))
            out[key] = torch.randn(shape, generator=g) / fan_in ** 0.5
        else:
            out[key] = 0.05 * torch.randn(shape, generator=g)
    return out


def test_input(n: int = 2, samples: int = 64600, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return 0.1 * torch.randn(n, samples, generator=g)


def _convs(cfg: dict) -> list[tuple[int, int, int]]:
    import re

    return [(int(c), int(k), int(s)) for c, k, s in
            _expand(re.sub(r"\s", "", cfg["conv_feature_layers"]))]


def _expand(spec: str):
    """Parse fairseq's ``conv_feature_layers`` string ('[(512,10,5)]+[(512,3,2)]*4+...')
    without evaluating it."""
    import re

    out = []
    for part in spec.split("+"):
        m = re.fullmatch(r"\[\((\d+),(\d+),(\d+)\)\](?:\*(\d+))?", part)
        if not m:
            raise ValueError(f"cannot parse {part!r}")
        out += [m.groups()[:3]] * int(m.group(4) or 1)
    return out


def fairseq_keys(cfg: dict, *, hubert: bool = False, dictionary_size: int = 504) -> dict[str, tuple]:
    """Key -> shape of a fairseq ``Wav2Vec2Model`` (or ``HubertModel`` with one label
    dictionary and ``untie_final_proj``) built from ``cfg``, written from the structure of
    fairseq's ``models/wav2vec/wav2vec2.py`` / ``models/hubert/hubert.py`` (module names are
    facts of that code). The tests check it against the authors' models key for key."""
    d, f, n = cfg["encoder_embed_dim"], cfg["encoder_ffn_embed_dim"], cfg["encoder_layers"]
    keys: dict[str, tuple] = {}
    c_in = 1
    for i, (c, k, _s) in enumerate(_convs(cfg)):
        pre = f"feature_extractor.conv_layers.{i}."
        keys[pre + "0.weight"] = (c, c_in, k)
        if cfg["conv_bias"]:
            keys[pre + "0.bias"] = (c,)
        if cfg["extractor_mode"] == "layer_norm":
            keys[pre + "2.1.weight"], keys[pre + "2.1.bias"] = (c,), (c,)
        elif i == 0:
            keys[pre + "2.weight"], keys[pre + "2.bias"] = (c,), (c,)
        c_in = c
    keys["layer_norm.weight"], keys["layer_norm.bias"] = (c_in,), (c_in,)
    keys["post_extract_proj.weight"], keys["post_extract_proj.bias"] = (d, c_in), (d,)
    keys["mask_emb"] = (d,)
    kpos, groups = cfg["conv_pos"], cfg["conv_pos_groups"]
    keys["encoder.pos_conv.0.bias"] = (d,)
    keys["encoder.pos_conv.0.weight_g"] = (1, 1, kpos)
    keys["encoder.pos_conv.0.weight_v"] = (d, d // groups, kpos)
    keys["encoder.layer_norm.weight"], keys["encoder.layer_norm.bias"] = (d,), (d,)
    for i in range(n):
        pre = f"encoder.layers.{i}."
        for proj in ("k", "v", "q", "out"):
            keys[f"{pre}self_attn.{proj}_proj.weight"], keys[f"{pre}self_attn.{proj}_proj.bias"] = (d, d), (d,)
        for norm in ("self_attn_layer_norm", "final_layer_norm"):
            keys[f"{pre}{norm}.weight"], keys[f"{pre}{norm}.bias"] = (d,), (d,)
        keys[f"{pre}fc1.weight"], keys[f"{pre}fc1.bias"] = (f, d), (f,)
        keys[f"{pre}fc2.weight"], keys[f"{pre}fc2.bias"] = (d, f), (d,)
    final = cfg["final_dim"]
    keys["final_proj.weight"], keys["final_proj.bias"] = (final, d), (final,)
    if hubert:
        keys["label_embs_concat"] = (dictionary_size, final)
    else:
        g, v = cfg["latent_groups"], cfg["latent_vars"]
        keys["quantizer.vars"] = (1, g * v, final // g)
        keys["quantizer.weight_proj.weight"], keys["quantizer.weight_proj.bias"] = (g * v, c_in), (g * v,)
        keys["project_q.weight"], keys["project_q.bias"] = (final, final), (final,)
    return keys


def listing_digest(shapes: dict[str, tuple]) -> str:
    """sha256 of the sorted 'key [shape]' lines: a short fingerprint of a checkpoint layout."""
    import hashlib

    text = "\n".join(f"{k} {list(shapes[k])}" for k in sorted(shapes))
    return hashlib.sha256(text.encode()).hexdigest()


#: transformers overrides for the tiny random encoders of the conformance and CLI tests
TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
        "conv_dim": [16] * 7, "num_conv_pos_embeddings": 16, "num_conv_pos_embedding_groups": 4}


def detector_config(cfg: dict) -> dict:
    """``config=`` for a detector whose encoder has the architecture of ``cfg``."""
    return {k: v for k, v in hf_overrides(cfg).items() if k != "model_type"}


def released_layout(cfg: dict, backend, *, frontend_prefix: str, hubert: bool = False) -> dict[str, tuple]:
    """Key -> shape of a released checkpoint: the fairseq front-end under ``frontend_prefix``
    plus the back-end module's own keys."""
    shapes = {frontend_prefix + k: v for k, v in fairseq_keys(cfg, hubert=hubert).items()}
    shapes.update({k: tuple(v.shape) for k, v in backend.state_dict().items()})
    return shapes
