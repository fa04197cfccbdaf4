"""``ssl``: any transformers speech encoder + a countermeasure back-end, frozen or fine-tuned.

Source: the self-supervised front-end recipe shared by most current countermeasures
(e.g. Wang & Yamagishi, "Investigating self-supervised front ends for speech spoofing
countermeasures", Odyssey 2022; Tak et al., Odyssey 2022; Ge et al., "Post-training for
Deepfake Speech Detection", ASRU 2025, arXiv:2506.21090). Encoders come from
``transformers`` (Apache-2.0): wav2vec 2.0, XLS-R, MMS, HuBERT, WavLM, data2vec-audio, by
hub id or local folder; their licences are the models' own. Nothing is copied from other
code; the back-ends are in ``_ssl/backends.py``.

Parameters: ``model`` (hub id, e.g. ``facebook/wav2vec2-xls-r-300m`` (default),
``microsoft/wavlm-large``, ``facebook/hubert-large-ll60k``, ``facebook/mms-300m``; a local
model folder; or a built-in architecture ``xlsr-300m``, ``w2v-base``, ``w2v-large``,
``mms-300m``, ``mms-1b``, ``xlsr-1b``, ``xlsr-2b``, ``hubert-xl``, randomly initialised),
``layer`` (``last``: the encoder output; an integer k: hidden state k, 0 = the input of the
first transformer layer, later layers are not run; ``weighted``: a learnt softmax-weighted
sum of all hidden states), ``backend`` (``linear``: mean over time + Linear(D, 2);
``mlp``: + a hidden layer of ``hidden`` units; ``aasist``: the SSL-AASIST back-end;
``asp``: attentive statistics pooling), ``freeze_frontend`` (train the back-end only;
the front-end then stays in eval mode and a saved model stores only a reference to it),
``normalize`` (zero-mean unit-variance waveform, as the hub models and AntiDeepfake expect),
``config`` (transformers config fields to override, e.g. a tiny test model), and the
training settings of ``fakebench.finetune`` (separate ``lr`` for the back-end and
``lr_frontend`` for the encoder, ``accumulate``, ``precision``, ``average``, ``patience``,
``augment``, ``checkpoint_dir`` for resume...).

Input: 16 kHz mono. Length policy: default ``full`` (whole clips, one at a time, as
AntiDeepfake evaluates); ``repeat:4.0375`` and the like are scored in batches;
``eval_windows=mean`` averages windows of ``crop_seconds``. Training uses crops of
``crop_seconds`` (random start by default; shorter clips tiled).

**Score convention (the one place it is converted).** The back-ends output two logits in
the class order of the sources, ``[spoof, bona fide]``; the score is ``logit[0] - logit[1]``,
the log-odds of fake under the softmax (AntiDeepfake's p(real) = softmax(logits)[1] is a
decreasing function of it, so the EER is the authors'). It is a logit, so ``fakebench
score`` shows p(fake). Decision threshold: the validation EER point, else 0 (p = 0.5).

**AntiDeepfake post-trained checkpoints** (Ge et al. 2025; nii-yamagishilab/AntiDeepfake,
code BSD-3-Clause, checkpoints CC BY-NC-SA 4.0; Zenodo record 15580543 and the Hugging Face
collection ``nii-yamagishilab``), ``pretrained=<name>``:

=============  ======================  =================================================  ===========
name           Zenodo file             hub id                                             loads
=============  ======================  =================================================  ===========
``w2v-small``  ``w2v_small.ckpt``      ``nii-yamagishilab/wav2vec-small-anti-deepfake``    yes
``w2v-large``  ``w2v_large.ckpt``      ``nii-yamagishilab/wav2vec-large-anti-deepfake``    yes
``mms-300m``   ``mms_300m.ckpt``       ``nii-yamagishilab/mms-300m-anti-deepfake``         yes
``mms-1b``     ``mms_1b.ckpt``         ``nii-yamagishilab/mms-1b-anti-deepfake``           yes
``xlsr-1b``    ``xlsr_1b.ckpt``        ``nii-yamagishilab/xls-r-1b-anti-deepfake``         yes
``xlsr-2b``    ``xlsr_2b.ckpt``        ``nii-yamagishilab/xls-r-2b-anti-deepfake``         yes
``hubert-xl``  ``hubert_xtralarge.ckpt``  ``nii-yamagishilab/hubert-xlarge-anti-deepfake``  yes
=============  ======================  =================================================  ===========

URL: ``https://zenodo.org/records/15580543/files/<file>``. Only ``mms_300m.ckpt`` is named
in the repository (README); the other file names follow its ``hparams/<name>.yaml`` and are
an assumption — pass any of them with ``--weights FILE``. sha256: **not available offline**
(Zenodo publishes md5s, which could not be read here); keys and shapes are checked strictly.
The ``.ckpt`` files are SpeechBrain checkpoints of ``models/W2V.Model`` / ``models/HBT.Model``:
a plain state_dict with ``m_ssl.model.<fairseq wav2vec 2.0 or HuBERT keys>`` (mapped by THE
key map, ``_ssl/keymap.py``, onto ``Wav2Vec2Model`` / ``HubertModel``) and ``proj_fc.weight``
/ ``proj_fc.bias`` (the ``linear`` back-end, 2 x D). They load with ``layer=last``,
``backend=linear``, ``normalize=true`` (the defaults) and are then evaluation-only unless
``finetune=true``; with another back-end or layer only the front-end is taken and the new
back-end is trained. What does **not** load: a checkpoint trained with AntiDeepfake's
``loss=ocsoftmax`` (its ``proj_fc`` is a one-class angle layer, D x 1, not two logits —
none is released), and the Hugging Face ``model.safetensors`` copies when their key layout
is neither of the two above (it could not be inspected offline; the loader accepts the
``m_ssl.model.*`` layout and transformers-native ``wav2vec2.*`` / ``hubert.*`` front-end keys
with a ``proj_fc`` head, and says which keys it could not place otherwise). ``-nda``
variants (no data augmentation) are on the hub only: pass their file with ``--weights``.
"""

from __future__ import annotations

from fakebench.api import Bool, Choice, ConfigError, Int, Text, WeightsError, hookimpl

from ._params import LayerChoiceParam, ssl_specs
from ._ssl.detector import Released, SSLDetectorBase

ZENODO = "https://zenodo.org/records/15580543/files/{file}"
#: name -> (Zenodo file, built-in architecture, hub id)
ANTIDEEPFAKE = {
    "w2v-small": ("w2v_small.ckpt", "w2v-base", "nii-yamagishilab/wav2vec-small-anti-deepfake"),
    "w2v-large": ("w2v_large.ckpt", "w2v-large", "nii-yamagishilab/wav2vec-large-anti-deepfake"),
    "mms-300m": ("mms_300m.ckpt", "mms-300m", "nii-yamagishilab/mms-300m-anti-deepfake"),
    "mms-1b": ("mms_1b.ckpt", "mms-1b", "nii-yamagishilab/mms-1b-anti-deepfake"),
    "xlsr-1b": ("xlsr_1b.ckpt", "xlsr-1b", "nii-yamagishilab/xls-r-1b-anti-deepfake"),
    "xlsr-2b": ("xlsr_2b.ckpt", "xlsr-2b", "nii-yamagishilab/xls-r-2b-anti-deepfake"),
    "hubert-xl": ("hubert_xtralarge.ckpt", "hubert-xl", "nii-yamagishilab/hubert-xlarge-anti-deepfake"),
}
FAIRSEQ_PREFIX = "m_ssl.model."


class SSL(SSLDetectorBase):
    name = "ssl"
    description = "any transformers speech encoder (wav2vec2, XLS-R, WavLM, HuBERT, MMS) + linear/MLP/AASIST/ASP " \
                  "back-end; AntiDeepfake checkpoints"
    default_length = "full"
    scores_are_logits = True
    license = "Apache-2.0 (transformers); models and checkpoints: their own"
    citation = "Ge, Wang, Liu, Yamagishi, Post-training for Deepfake Speech Detection, ASRU 2025 (AntiDeepfake)"
    param_specs = ssl_specs(
        model=Text(), layer=LayerChoiceParam(), backend=Choice("linear", "mlp", "aasist", "asp"),
        hidden=Int(1, 65536), normalize=Bool(), pretrained=Choice("none", *ANTIDEEPFAKE, nullable=True),
        finetune=Bool(), freeze_frontend=Bool(), random_crop=Bool())

    def __init__(self, model="facebook/wav2vec2-xls-r-300m", layer="last", backend="linear", hidden=256,
                 normalize=True, pretrained="none", weights=None, config=None, finetune=False, freeze_frontend=False,
                 threshold="val-eer", epochs=10, batch_size=8, accumulate=1, lr=1e-4, lr_frontend=1e-6,
                 optimizer="adam", weight_decay=0.0, schedule="constant", warmup_steps=0, max_grad_norm=0.0,
                 class_weights=(1.0, 1.0), crop_seconds=4.0375, random_crop=True, augment="none", precision="fp32",
                 average="none", patience=0, eval_windows="off", window_hop=2.0, eval_batch_size=16,
                 checkpoint_dir="", num_workers=0, random_state=0, device="cpu"):
        self.model = model
        self.layer = layer
        self.backend = backend
        self.hidden = hidden
        self.normalize = normalize
        self.pretrained = pretrained
        self.weights = weights
        self.config = config
        self.finetune = finetune
        self.freeze_frontend = freeze_frontend
        self.threshold = threshold
        self.epochs = epochs
        self.batch_size = batch_size
        self.accumulate = accumulate
        self.lr = lr
        self.lr_frontend = lr_frontend
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.warmup_steps = warmup_steps
        self.max_grad_norm = max_grad_norm
        self.class_weights = class_weights
        self.crop_seconds = crop_seconds
        self.random_crop = random_crop
        self.augment = augment
        self.precision = precision
        self.average = average
        self.patience = patience
        self.eval_windows = eval_windows
        self.window_hop = window_hop
        self.eval_batch_size = eval_batch_size
        self.checkpoint_dir = checkpoint_dir
        self.num_workers = num_workers
        self.random_state = random_state
        self.device = device

    # -- what to build ---------------------------------------------------------------------

    def _antideepfake(self) -> str | None:
        p = self.pretrained
        if p is None or p is False or str(p).strip().lower() in ("", "none", "false", "no"):
            return None
        name = str(p).strip().lower()
        if name not in ANTIDEEPFAKE:
            raise ConfigError(f"ssl: pretrained must be none or an AntiDeepfake checkpoint, not {p!r}",
                              hint=f"use one of {', '.join(ANTIDEEPFAKE)}")
        return name

    def _released(self):
        name = self._antideepfake()
        if name is None:
            return None
        file, _arch, _hub = ANTIDEEPFAKE[name]
        return Released(name, file, ZENODO.format(file=file), None, f"AntiDeepfake {name} checkpoint",
                        "", "CC BY-NC-SA 4.0", FAIRSEQ_PREFIX)

    def _builtin(self) -> str | None:
        from ._ssl.frontend import ARCHS

        return str(self.model) if str(self.model) in ARCHS else None

    def _arch(self):
        from ._ssl.frontend import build_config, config_from_folder

        name = self._antideepfake()
        if name is not None:
            return build_config(ANTIDEEPFAKE[name][1], self.config, what=self.name)
        if self._builtin():
            return build_config(self._builtin(), self.config, what=self.name)
        from pathlib import Path

        from fakebench.api import hf_model_dir

        folder = Path(str(self.model)).expanduser()
        if not folder.is_dir():
            try:
                folder = hf_model_dir(str(self.model), download=False).path
            except WeightsError:
                mid = str(self.model).lower()
                guess = "w2v-base" if "base" in mid else "xlsr-300m" if ("wav2vec2" in mid or "xls" in mid) else None
                if guess is None:
                    raise ConfigError(f"ssl: the config of {self.model!r} is not in the Hugging Face cache",
                                      hint="download the model once, or use a built-in architecture "
                                           "(--set model=xlsr-300m)") from None
                return build_config(guess, self.config, what=self.name)
        return config_from_folder(folder, self.config, what=self.name)

    def _layer(self):
        layer = self.layer
        if isinstance(layer, str) and layer.strip().lower() in ("last", "weighted"):
            return layer.strip().lower()
        try:
            return int(layer)
        except (TypeError, ValueError):
            raise ConfigError(f"ssl: layer must be last, weighted or an integer, not {layer!r}",
                              hint="--set layer=last, --set layer=weighted or --set layer=8") from None

    def _feature(self):
        layer = self._layer()
        if layer == "last" or layer == -1:
            return "last", -1, bool(self.normalize)
        if layer == "weighted":
            return "weighted", -1, bool(self.normalize)
        return "hidden", layer, bool(self.normalize)

    def _backend(self, config):
        from ._ssl.backends import BACKENDS, make_backend

        if self.backend not in BACKENDS:
            raise ConfigError(f"ssl: backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}",
                              hint="--set backend=aasist")
        n_layers = config.num_hidden_layers
        layer = self._layer()
        if isinstance(layer, int) and not -(n_layers + 1) <= layer <= n_layers:
            raise ConfigError(f"ssl: layer={layer} is out of range for a model with {n_layers} layers",
                              hint=f"use 0..{n_layers}, -1 (last) or weighted")
        return make_backend(self.backend, config.hidden_size, int(self.hidden))

    def _hub_frontend(self):
        return None if self._builtin() else str(self.model)

    def _frontend_weights(self):
        return None if (self._antideepfake() or not self.weights) else self.weights

    def _head_loads(self) -> bool:
        return self.backend == "linear" and self._feature()[0] == "last"

    def _trains(self) -> bool:
        if self._antideepfake() and not self._is_random():
            return bool(self.finetune) or not self._head_loads()
        return True

    def _load_released(self, net, state, path):
        from ._ssl.detector import load_strict, load_frontend_fairseq
        from ._ssl.keymap import split_checkpoint, strip_data_parallel

        state = strip_data_parallel(state)
        what = f"AntiDeepfake {self._antideepfake()} checkpoint"
        front, head = split_checkpoint(state, FAIRSEQ_PREFIX)
        if front:
            load_frontend_fairseq(net, front, path=path, what=what)
        else:  # a transformers-native layout (wav2vec2.* / hubert.* or bare names) with a proj_fc head
            prefix = f"{net.frontend.config.model_type}."
            own = net.frontend.state_dict()
            front = {k.removeprefix(prefix): v for k, v in state.items()
                     if not k.startswith("proj_fc.")}
            from fakebench.api import rename_weight_norm

            front = rename_weight_norm(front, own)
            unknown = sorted(k for k in front if k not in own)
            if unknown or not front:
                raise WeightsError(f"{what} {str(path)!r}: neither the m_ssl.model.* (fairseq) layout nor "
                                   f"transformers names; e.g. {unknown[:3]}",
                                   hint="pass the Zenodo .ckpt file of models/W2V.Model or models/HBT.Model")
            if "masked_spec_embed" in own and "masked_spec_embed" not in front:
                front["masked_spec_embed"] = own["masked_spec_embed"]  # SpecAugment's mask vector: unused
            load_strict(net.frontend, front, path=path, what=f"{what} (front-end)")
            head = {k: v for k, v in state.items() if k.startswith("proj_fc.")}
        if self._head_loads():
            if "proj_fc.weight" in head and head["proj_fc.weight"].shape[0] != 2:
                raise WeightsError(f"{what} {str(path)!r} has a one-class (OC-softmax) head "
                                   f"{tuple(head['proj_fc.weight'].shape)}, not two logits",
                                   hint="only AntiDeepfake's softmax checkpoints (the released ones) load")
            load_strict(net.backend, head, path=path, what=f"{what} (head)")

    @staticmethod
    def to_score(outputs):
        """THE score conversion: logit(spoof) - logit(bona fide), the log-odds of fake."""
        return outputs[:, 0] - outputs[:, 1]


@hookimpl
def fakebench_register_detectors():
    return [SSL]
