"""What the three SSL detectors (``ssl``, ``ssl-aasist``, ``ssl-sls``) share: building the
network, loading a released checkpoint, fine-tuning through :mod:`fakebench.finetune`,
scoring with the clip-length policy or averaged windows, the decision threshold, and the
saved state.

A subclass sets ``name``, its ``__init__`` (the parameters, scikit-learn style) and the hooks
``_arch()`` (the front-end's transformers config), ``_backend(config)``, ``_feature()``,
``_released()`` (the :class:`Released` checkpoint named by ``pretrained``, or None),
``_load_released(net, state)`` and ``to_score(outputs)``.

**Evaluation length.** The clip-length policy of the run (``--length``; recorded in every
result) decides what the network sees: ``repeat:4.0375`` (the default of SSL-AASIST and
SLS: the first 64,600 samples, shorter clips tiled, as the authors' ``pad()`` does) is
scored in batches; ``full`` clip by clip. With ``eval_windows=mean`` each clip (as the
policy leaves it) is cut into windows of ``crop_seconds`` every ``window_hop`` seconds (the
last one aligned to the clip's end, a short clip tiled to one window) and its score is the
mean of the window scores.

**Saved state** (``get_state``; what ``fakebench score`` and ``serve`` load): the front-end's
transformers config, then either the whole network's tensors, or, when the network is an
unmodified released checkpoint, only its name and sha256 (the file is found again as
``fit`` found it), or, for a frozen hub front-end, the hub id and weights fingerprint plus
the back-end's tensors.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from fakebench.api import ConfigError, WeightsError

from .._checkpoints import loaded, strict_load
from .._waveform import OFF, AudioDetector

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Released:
    """A published checkpoint: its file, where it is published, what it holds."""

    name: str
    filename: str
    url: str
    sha256: str | None
    what: str
    size: str
    license: str
    #: the prefix of the front-end's fairseq keys inside the checkpoint
    frontend_prefix: str

    @property
    def direct(self) -> bool:
        """Whether ``url`` is a direct link (Google Drive and Baidu folders are not)."""
        return not self.url.startswith(("https://drive.google.com", "https://pan.baidu"))

    def weights_file(self):
        from fakebench.api import WeightsFile

        return WeightsFile(self.filename, url=self.url if self.direct else None, sha256=self.sha256, what=self.what,
                           size=self.size, license=self.license)

    def how_to_get(self) -> str:
        from fakebench.api import weights_root

        return (f"download it from {self.url}" + (f" ({self.size})" if self.size else "")
                + f" and put it at {weights_root() / self.filename}, or pass --weights PATH")


def released_choice(pretrained, table: dict[str, Released], name: str, hint: str) -> Released | None:
    """The :class:`Released` checkpoint of ``table`` that ``pretrained`` names (in any case),
    None for none/false/no/empty; otherwise one ConfigError naming the choices."""
    p = pretrained
    if p is None or p is False or str(p).strip().lower() in OFF:
        return None
    if str(p).upper() not in table:
        raise ConfigError(f"{name}: pretrained must be {', '.join(table)} or none, not {p!r}", hint=hint)
    return table[str(p).upper()]


def resolve_released(rel: Released, weights=None):
    """Find a released checkpoint (``--weights`` file/folder, ``$FAKEBENCH_WEIGHTS``, the HF/torch
    caches, a download when ``rel.url`` is a direct link); one WeightsError otherwise."""
    from fakebench.api import resolve_weights

    try:
        return resolve_weights(rel.weights_file(), weights)
    except WeightsError as e:
        if weights:
            raise
        raise WeightsError(
            f"{rel.what} {rel.filename!r} was not found",
            hint=rel.how_to_get() + "; --weights random runs the architecture with random weights (tests only)"
            + (f" [{e.message}]" if rel.direct else ""),
        ) from None


def load_state_file(path) -> dict:
    """A checkpoint's state_dict from a torch file (``weights_only``) or a safetensors file."""
    from pathlib import Path

    from fakebench.api import load_checkpoint

    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except Exception as e:
            raise WeightsError(f"cannot read {str(path)!r}: {str(e).splitlines()[0] if str(e) else e}") from None
    state = load_checkpoint(path, what="checkpoint")
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]  # a fairseq-style {"model": state_dict, ...}
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise WeightsError(f"{str(path)!r} is not a state_dict", hint="pass the released .pth/.ckpt file itself")
    return dict(state)


def load_frontend_fairseq(net, front_state: dict, *, path, what: str) -> None:
    """Load fairseq-named front-end tensors through THE key map, strictly."""
    from .keymap import KeyMapError, fairseq_to_hf

    try:
        mapped = fairseq_to_hf(front_state, net.frontend.state_dict().keys())
    except KeyMapError as e:
        raise WeightsError(f"{what} {str(path)!r}: its front-end does not fit: {e}",
                           hint="check that pretrained= names this checkpoint and that config= overrides "
                                "(layers, sizes) match it") from None
    load_strict(net.frontend, mapped, path=path, what=f"{what} (front-end)")


def load_strict(module, state: dict, *, path, what: str) -> None:
    detail = strict_load(module, state, shapes_first=True)
    if detail is not None:
        raise WeightsError(f"{what} {str(path)!r} does not fit: {detail}",
                           hint="check that pretrained= names this checkpoint")


class SSLDetectorBase(AudioDetector):
    inputs = ("audio",)
    sample_rate = 16000
    default_length = "repeat:4.0375"
    #: the class order of all three code bases: index 1 = bona fide
    BONA_FIDE = 1

    # -- hooks -----------------------------------------------------------------------------

    def _arch(self):
        raise NotImplementedError

    def _backend(self, config):
        raise NotImplementedError

    def _feature(self) -> tuple[str, Any, bool]:
        """(feature, layer, normalize) for :class:`SSLNet`."""
        return "last", -1, False

    def _released(self) -> Released | None:
        return None

    def _load_released(self, net, state: dict, path) -> None:
        raise NotImplementedError

    def _load_fairseq_released(self, net, state: dict, path, *, hint: str, backend: str) -> None:
        """``_load_released`` for a checkpoint of the authors' ``Model`` (SSL-AASIST, SLS):
        ``module.`` removed, the fairseq front-end (``Released.frontend_prefix``) through THE
        key map, the ``backend`` part strictly; ``hint`` when it holds no front-end keys."""
        from .keymap import split_checkpoint, strip_data_parallel

        rel = self._released()
        front, back = split_checkpoint(strip_data_parallel(state), rel.frontend_prefix)
        if not front:
            raise ConfigError(f"{self.name}: {str(path)!r} holds no '{rel.frontend_prefix}*' front-end keys", hint=hint)
        load_frontend_fairseq(net, front, path=path, what=rel.what)
        load_strict(net.backend, back, path=path, what=f"{rel.what} ({backend})")

    @staticmethod
    def to_score(outputs: torch.Tensor) -> torch.Tensor:
        return -outputs[:, 1]

    def _fixed_samples(self) -> int | None:
        """The one input length the back-end accepts (SLS), else None."""
        return None

    # -- helpers ---------------------------------------------------------------------------

    @property
    def crop_samples(self) -> int:
        return round(float(self.crop_seconds) * self.sample_rate)

    def _net(self, config):
        from .frontend import SSLNet, new_encoder

        feature, layer, normalize = self._feature()
        return SSLNet(new_encoder(config), self._backend(config), feature=feature, layer=layer, normalize=normalize)

    def _build(self):
        """The network, with the weights ``pretrained``/``weights``/``frontend`` ask for."""
        rel = None if self._is_random() else self._released()
        self.weights_info_ = None
        self.frontend_ref_ = None
        if self._is_random() or rel is not None or not self._hub_frontend():
            found = resolve_released(rel, self.weights) if rel is not None else None  # before building
            config = self._arch()
            net = self._net(config)
            if rel is not None:
                state = load_state_file(found.path)
                self._load_released(net, state, found.path)
                loaded(self.name, found)
                self.weights_info_ = {"name": rel.name, "path": str(found.path), "sha256": found.sha256}
            return net, config
        from .frontend import SSLNet, pretrained_encoder

        encoder, found = pretrained_encoder(self._hub_frontend(), self._frontend_weights(), self.config,
                                            what=self.name)
        feature, layer, normalize = self._feature()
        net = SSLNet(encoder, self._backend(encoder.config), feature=feature, layer=layer, normalize=normalize)
        self.frontend_ref_ = {"model": str(self._hub_frontend()), "fingerprint": found.fingerprint}
        return net, encoder.config

    def _hub_frontend(self) -> str | None:
        """The hub id / folder of the pretrained front-end used when training without a
        released checkpoint (None: a built-in architecture, random)."""
        return None

    def requirements(self, weights=None):
        """What ``_build`` will read: transformers; the released checkpoint ``pretrained``
        names, or else the hub front-end's model folder; nothing more for random weights or a
        built-in architecture. Found as ``fit`` finds them, never downloaded."""
        from pathlib import Path

        from fakebench.api import hf_requirement, is_random, package_requirement, weights_requirement

        w = self.weights if weights is None else weights
        out = [package_requirement("transformers", "'transformers<5'", what="the transformers package")]
        if is_random(w):
            return out
        rel = self._released()
        if rel is not None:
            return out + [weights_requirement(rel.weights_file(), w, url=rel.url, fix=rel.how_to_get())]
        hub = self._hub_frontend()
        if not hub:
            return out
        local = Path(str(hub)).expanduser()
        given = self._frontend_weights() or (str(local) if local.is_dir() else None)
        return out + [hf_requirement(str(hub), given, what=f"{self.name} front-end {hub!r}")]

    def _frontend_weights(self):
        return None

    def _trains(self) -> bool:
        return self._released() is None or self._is_random() or bool(self.finetune)

    # -- the estimator ---------------------------------------------------------------------

    def fit(self, X, y, X_val=None, y_val=None):
        import torch

        torch.manual_seed(int(self.random_state))
        source = self._audio(X)
        self._check_length(source)
        net, config = self._build()
        self.config_ = config
        self.net_ = net.to(self.device)
        self.history_, self.best_epoch_, self.trained_ = [], None, False
        if self._trains():
            self._train(source, np.asarray(y), X_val, y_val)
            self.trained_ = True
        self.net_.eval()
        self.threshold_ = self._calibrate(X_val, y_val)
        return self

    def _frozen(self) -> bool:
        return bool(self.freeze_frontend)

    def _train(self, source, y, X_val, y_val):
        import torch
        from fakebench.api import FinetuneConfig, finetune

        net = self.net_
        frozen = self._frozen()
        for p in net.frontend.parameters():
            p.requires_grad_(not frozen)
        front = [p for p in net.frontend.parameters() if p.requires_grad]
        back = [p for n, p in net.named_parameters() if not n.startswith("frontend.")]
        lr = float(self.lr)
        lr_front = lr if self.lr_frontend is None else float(self.lr_frontend)
        groups = [{"params": back, "lr": lr, "name": "backend"}]
        if front and lr_front > 0:
            groups.insert(0, {"params": front, "lr": lr_front, "name": "frontend"})
        elif front:
            for p in front:
                p.requires_grad_(False)
            frozen = True
        weight = torch.tensor([float(w) for w in self.class_weights], device=self.device)
        ce = torch.nn.CrossEntropyLoss(weight=weight)

        def loss_fn(out, yb):  # the class order of the sources: 0 = spoof, 1 = bona fide
            return ce(out, 1 - yb)

        def keep_frozen(model):
            if frozen:
                model.frontend.eval()

        val = None
        if X_val is not None and len(X_val):
            val_source = self._audio(X_val)
            val = (np.asarray(y_val), lambda model: self._scores(val_source, model))
        cfg = FinetuneConfig(
            epochs=int(self.epochs), batch_size=int(self.batch_size), accumulate=int(self.accumulate),
            optimizer=str(self.optimizer), weight_decay=float(self.weight_decay), schedule=str(self.schedule),
            warmup_steps=int(self.warmup_steps), max_grad_norm=float(self.max_grad_norm),
            precision=str(self.precision), crop_samples=self.crop_samples, random_crop=bool(self.random_crop),
            augment=str(self.augment), select="eer", average=str(self.average), patience=int(self.patience),
            seed=int(self.random_state), checkpoint_dir=self.checkpoint_dir or None,
            num_workers=int(self.num_workers or 0))
        fingerprint = json.dumps({k: v for k, v in self.get_params().items()
                                  if k not in ("device", "checkpoint_dir", "num_workers", "eval_batch_size")},
                                 sort_keys=True, default=str)
        res = finetune(net, source, y, param_groups=groups, loss_fn=loss_fn, config=cfg, val=val,
                       score_fn=self.to_score, train_mode=keep_frozen,
                       fingerprint=fingerprint + "|" + "|".join(str(c.path) for c in source.clips))
        self.history_ = res.history
        self.best_epoch_ = res.best_epoch
        self.averaged_epochs_ = res.averaged
        if not frozen:
            self.frontend_ref_ = None  # the front-end changed: save its tensors

    def _check_length(self, source) -> None:
        need = self._fixed_samples()
        if need is None:
            return
        policy = source.length
        n = policy.target_samples(self.sample_rate)
        if str(self.eval_windows) == "mean":
            if self.crop_samples != need:
                raise ConfigError(f"{self.name}: the classifier takes exactly {need} samples; crop_seconds="
                                  f"{self.crop_seconds} gives {self.crop_samples}", hint="keep crop_seconds=4.0375")
            return
        if n != need or policy.mode not in ("repeat", "pad"):
            raise ConfigError(f"{self.name}: the classifier takes exactly {need} samples "
                              f"({need / self.sample_rate:g} s), but the clip length policy is {policy}",
                              hint=f"use --length repeat:{need / self.sample_rate:g} (the authors' evaluation), "
                                   "or --set eval_windows=mean to average windows over the clip")

    def _windows(self, wave: torch.Tensor) -> torch.Tensor:
        import torch

        w = self.crop_samples
        if wave.shape[-1] <= w:
            return wave.repeat(math.ceil(w / max(1, wave.shape[-1])))[:w].unsqueeze(0)
        hop = max(1, round(float(self.window_hop) * self.sample_rate))
        starts = list(range(0, wave.shape[-1] - w + 1, hop))
        if starts[-1] != wave.shape[-1] - w:
            starts.append(wave.shape[-1] - w)
        return torch.stack([wave[s:s + w] for s in starts])

    def _forward_scores(self, net, waves: torch.Tensor) -> torch.Tensor:
        import torch

        device = torch.device(self.device)
        amp = str(self.precision) in ("fp16", "bf16") and device.type == "cuda"
        dtype = torch.bfloat16 if str(self.precision) == "bf16" else torch.float16
        with torch.autocast(device_type=device.type, dtype=dtype, enabled=amp):
            out = net(waves.to(device))
        return self.to_score(out.float()).double().cpu()

    def _scores(self, source, net=None) -> np.ndarray:
        import torch

        net = net or self.net_
        was_training = net.training
        net.eval()
        out = np.zeros(len(source), dtype=np.float64)
        bs = max(1, int(self.eval_batch_size))
        windows = str(self.eval_windows) == "mean"
        if str(self.eval_windows) not in ("off", "mean"):
            raise ConfigError(f"{self.name}: eval_windows must be off or mean, not {self.eval_windows!r}")
        with torch.inference_mode():
            if source.length.mode != "full" and not windows:
                loader = torch.utils.data.DataLoader(source, batch_size=bs, num_workers=int(self.num_workers or 0))
                for waves, idx in loader:
                    out[idx.numpy()] = self._forward_scores(net, waves).numpy()
            else:
                for i in range(len(source)):
                    wave = source[i][0]
                    chunks = self._windows(wave) if windows else wave.unsqueeze(0)
                    s = torch.cat([self._forward_scores(net, chunks[j:j + bs]) for j in range(0, len(chunks), bs)])
                    out[i] = float(s.mean())
        net.train(was_training)
        return out

    def decision_function(self, X) -> np.ndarray:
        source = self._audio(X)
        self._check_length(source)
        return self._scores(source)

    # -- saving ----------------------------------------------------------------------------

    def get_state(self):
        state: dict[str, Any] = {"format": 1, "hf_config": json.dumps(self.config_.to_dict(), default=str),
                                 "best_epoch": self.best_epoch_, "trained": bool(self.trained_)}
        if self.weights_info_ and not self.trained_:
            state["released"] = {"name": self.weights_info_["name"], "sha256": self.weights_info_["sha256"]}
            return state
        if self.frontend_ref_:
            state["frontend_ref"] = dict(self.frontend_ref_)
            state["net"] = {k: v.detach().cpu() for k, v in self.net_.state_dict().items()
                            if not k.startswith("frontend.")}
            return state
        state["net"] = {k: v.detach().cpu() for k, v in self.net_.state_dict().items()}
        return state

    def set_state(self, state):
        from .frontend import SSLNet, config_from_dict, pretrained_encoder

        config = config_from_dict(json.loads(state["hf_config"]))
        self.best_epoch_ = state.get("best_epoch")
        self.trained_ = bool(state.get("trained"))
        self.history_ = []
        self.weights_info_ = None
        self.frontend_ref_ = None
        if state.get("released"):
            rel = self._released()
            if rel is None or rel.name != state["released"]["name"]:
                raise WeightsError(f"the saved {self.name} used the released checkpoint "
                                   f"{state['released']['name']!r}, but pretrained={self.pretrained!r}")
            found = resolve_released(rel, None if self._is_random() else self.weights)
            net = self._net(config)
            if found.sha256 != state["released"]["sha256"]:
                raise WeightsError(f"{str(found.path)!r} is not the checkpoint the detector was saved with "
                                   f"(sha256 {found.sha256[:12]}..., saved {state['released']['sha256'][:12]}...)",
                                   hint="install the same checkpoint, or retrain")
            self._load_released(net, load_state_file(found.path), found.path)
            self.weights_info_ = {"name": rel.name, "path": str(found.path), "sha256": found.sha256}
        elif state.get("frontend_ref"):
            ref = state["frontend_ref"]
            encoder, found = pretrained_encoder(ref["model"], self._frontend_weights(), self.config, what=self.name)
            if found.fingerprint != ref["fingerprint"]:
                raise WeightsError(f"the saved {self.name} was trained on {ref['model']} weights "
                                   f"{ref['fingerprint']}, but the weights found now are {found.fingerprint}",
                                   hint="install the same front-end weights, or retrain")
            feature, layer, normalize = self._feature()
            net = SSLNet(encoder, self._backend(config), feature=feature, layer=layer, normalize=normalize)
            missing = net.load_state_dict(state["net"], strict=False)
            bad = [k for k in missing.missing_keys if not k.startswith("frontend.")] + list(missing.unexpected_keys)
            if bad:
                raise WeightsError(f"the saved {self.name} does not fit its network: {bad[:3]}")
            self.frontend_ref_ = dict(ref)
        else:
            net = self._net(config)
            net.load_state_dict(state["net"], strict=True)
        self.config_ = config
        self.net_ = net.to(self.device).eval()
        return self
