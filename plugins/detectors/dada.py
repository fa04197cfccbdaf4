"""``dada``: context-aware deepfake detection -- does what is said fit who says it?

Source: "Defence Against the Deepfake Arts: Improving Audio Deepfake Detection With
Context Awareness" (DADA), Interspeech 2025 submission. License of this implementation:
MIT. A fake of a public figure may fool an audio detector, but what it says may not fit
the person it claims to be; DADA adds a text branch that attributes the transcript to a
speaker.

Pipeline (details in ``fakebench/plugins/detectors/_dada/``):

1. transcripts: the dataset's own, or Whisper (:mod:`fakebench.transcripts`; parameters
   ``transcripts``, ``asr_backend``, ``asr_model``, ``asr_beam_size``, ``asr_language``,
   ``asr_compute_type``), cached by audio content;
2. text branch: encoder LM (``text_model``), mask-aware mean pooling of the last three
   hidden states, fully connected layers; triplet loss (``text_distance`` l2|cosine,
   ``text_margin``) for speaker attribution; optional ``author_texts`` (CSV/JSONL of
   speaker,text) as extra training text;
3. audio branch: wav2vec2 (``audio_model``; ``audio_init=random`` + ``audio_config`` for
   an untrained offline model), attentive pooling over time and layers, bottleneck;
   cosine triplet loss in three stages (fixed ``audio_margin0``; AdaTriplet from
   ``audio_margin_adaptive``; the final adaptive margin), groups ``audio_groups``;
4. fusion (both branches frozen): ``mid`` (concatenation -> MLP, BCE), ``late`` (audio
   head p(real), text head p(claimed speaker | text), both linear on the unit-norm
   branch vectors, trained at ``late_head_lr``; ``late_rule`` weighted by ``alpha`` or the
   marginalised form), or the baselines ``audio`` and ``text`` (MLP at ``head_lr``).

Inputs: ``X`` is a :class:`fakebench.inputs.Inputs` with ``audio`` (16 kHz, default
length ``repeat:4``), ``transcript`` and ``speaker`` (the purported speaker of a fake);
missing transcripts are made on the fly. Output: ``decision_function`` gives the logit of
p(fake), shape (n,), threshold 0. After ``fit``, ``abx_`` holds the ABX accuracy of the
text space (by speaker, real clips) and of the audio space (by label and by speaker) on
the train and validation data; they are also in ``history_`` (``"stage": "abx"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import logging
import os
import warnings

import numpy as np

from fakebench.api import ConfigError, DatasetError, Detector, Inputs, hookimpl
from fakebench.api import ASR_DEFAULTS as ASR
from fakebench.api import Bool, Float, Int, ListOf, Text

from fakebench.api import Choice, Device, FilePath, Seed, Settings
from ._params import DROPOUT, LR

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch

log = logging.getLogger("fakebench")

FUSIONS = ("mid", "late", "audio", "text")
SPEAKER_HINT = ("use a dataset that names speakers (itw, asvspoof, mlaad, or a manifest with a speaker "
                "column), or --set fusion=audio")


class DADA(Detector):
    name = "dada"
    description = "DADA: wav2vec2 audio branch + transcript speaker-attribution branch, mid/late fusion"
    citation = ("Defence Against the Deepfake Arts: Improving Audio Deepfake Detection With Context Awareness "
                "(Interspeech 2025 submission)")
    license = "MIT (implementation)"
    inputs = ("audio", "transcript", "speaker")
    sample_rate = 16000
    default_length = "repeat:4"
    scores_are_logits = True
    version = "1"

    param_specs = dict(
        fusion=Choice(*FUSIONS), alpha=Float(0, 1), late_rule=Choice("weighted", "marginal"),
        transcripts=Choice("auto", "dataset", "whisper"), asr_backend=Choice("faster-whisper", "transformers"),
        asr_model=Text(), asr_beam_size=Int(1, 100), asr_language=Text(nullable=True), asr_compute_type=Text(),
        text_model=Text(), text_layers=Int(1, 100), text_max_length=Int(1, 100_000), text_dim=Int(1, 65536),
        text_mlp_layers=Int(1, 100), text_dropout=DROPOUT, text_distance=Choice("l2", "cosine"),
        text_margin=Float(0, 10), text_epochs=Int(1, 100_000), text_lr=LR, text_finetune=Bool(),
        text_train_on=Choice("real", "all"), author_texts=FilePath(), audio_model=Text(),
        audio_init=Choice("pretrained", "random"), audio_config=Settings(),
        audio_layers=ListOf(Int(-1000, 1000), min_items=1, nullable=True), audio_bottleneck=Int(1, 65536),
        audio_dim=Int(1, 65536), audio_groups=Choice("label", "speaker", "label+speaker"),
        audio_stage_epochs=ListOf(Int(0, 100_000), min_items=3), audio_margin0=Float(0, 10),
        audio_margin_adaptive=Float(0, 10), adatriplet_k_delta=Float(0, 1000), adatriplet_k_an=Float(0, 1000),
        adatriplet_lambda=Float(0, 1000), audio_lr=LR, audio_finetune=Bool(), audio_cache_mb=Int(0, 100_000),
        head_epochs=Int(1, 100_000), head_lr=LR, late_head_lr=LR, fusion_hidden=Int(1, 65536),
        fusion_dropout=DROPOUT, batch_size=Int(1, 100_000), random_state=Seed(), device=Device())

    def __init__(self, fusion="mid", alpha=0.5, late_rule="weighted",
                 transcripts=ASR["transcripts"], asr_backend=ASR["asr_backend"], asr_model=ASR["asr_model"],
                 asr_beam_size=ASR["asr_beam_size"], asr_language=ASR["asr_language"],
                 asr_compute_type=ASR["asr_compute_type"],
                 text_model="answerdotai/ModernBERT-base", text_layers=3, text_max_length=64, text_dim=256,
                 text_mlp_layers=3, text_dropout=0.2, text_distance="cosine", text_margin=0.2, text_epochs=20,
                 text_lr=1e-3, text_finetune=False, text_train_on="real", author_texts=None,
                 audio_model="facebook/wav2vec2-base", audio_init="pretrained", audio_config=None, audio_layers=None,
                 audio_bottleneck=256, audio_dim=128, audio_groups="label", audio_stage_epochs=(10, 10, 10),
                 audio_margin0=0.2, audio_margin_adaptive=0.2, adatriplet_k_delta=2.0, adatriplet_k_an=2.0,
                 adatriplet_lambda=1.0, audio_lr=1e-3, audio_finetune=False, audio_cache_mb=4096,
                 head_epochs=50, head_lr=1e-3, late_head_lr=1e-2, fusion_hidden=128, fusion_dropout=0.3,
                 batch_size=32, random_state=0, device="cpu"):
        self.fusion = fusion
        self.alpha = alpha
        self.late_rule = late_rule
        self.transcripts = transcripts
        self.asr_backend = asr_backend
        self.asr_model = asr_model
        self.asr_beam_size = asr_beam_size
        self.asr_language = asr_language
        self.asr_compute_type = asr_compute_type
        self.text_model = text_model
        self.text_layers = text_layers
        self.text_max_length = text_max_length
        self.text_dim = text_dim
        self.text_mlp_layers = text_mlp_layers
        self.text_dropout = text_dropout
        self.text_distance = text_distance
        self.text_margin = text_margin
        self.text_epochs = text_epochs
        self.text_lr = text_lr
        self.text_finetune = text_finetune
        self.text_train_on = text_train_on
        self.author_texts = author_texts
        self.audio_model = audio_model
        self.audio_init = audio_init
        self.audio_config = audio_config
        self.audio_layers = audio_layers
        self.audio_bottleneck = audio_bottleneck
        self.audio_dim = audio_dim
        self.audio_groups = audio_groups
        self.audio_stage_epochs = audio_stage_epochs
        self.audio_margin0 = audio_margin0
        self.audio_margin_adaptive = audio_margin_adaptive
        self.adatriplet_k_delta = adatriplet_k_delta
        self.adatriplet_k_an = adatriplet_k_an
        self.adatriplet_lambda = adatriplet_lambda
        self.audio_lr = audio_lr
        self.audio_finetune = audio_finetune
        self.audio_cache_mb = audio_cache_mb
        self.head_epochs = head_epochs
        self.head_lr = head_lr
        self.late_head_lr = late_head_lr
        self.fusion_hidden = fusion_hidden
        self.fusion_dropout = fusion_dropout
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device

    # -- set-up ---------------------------------------------------------------------------

    def _check_params(self) -> None:
        from ._dada.losses import DISTANCES

        choices = {"fusion": FUSIONS, "late_rule": ("weighted", "marginal"), "text_distance": DISTANCES,
                   "text_train_on": ("real", "all"), "audio_groups": ("label", "speaker", "label+speaker"),
                   "audio_init": ("pretrained", "random")}
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                raise ConfigError(f"dada: {key}={getattr(self, key)!r} is not one of {', '.join(allowed)}")
        if not 0.0 <= float(self.alpha) <= 1.0:
            raise ConfigError(f"dada: alpha={self.alpha} must be in [0, 1]")

    @property
    def _uses(self) -> tuple[bool, bool]:
        """(text branch used, audio branch used)."""
        return self.fusion in ("mid", "late", "text"), self.fusion in ("mid", "late", "audio")

    def requirements(self, weights=None):
        """What ``fit`` reads, each per its parameters, found as ``fit`` finds it (never
        downloaded): the ASR model (unless ``transcripts=dataset``), the text encoder
        (``text_model``, when the fusion uses text) and the wav2vec2 backbone
        (``audio_model``, when it uses audio with ``audio_init=pretrained``)."""
        from fakebench.api import asr_requirement, package_requirement

        from ._dada.audio import resolve_audio_model
        from ._dada.text import resolve_text_model

        out = [package_requirement("transformers", "'fakebench[speech]'", what="the transformers package")]
        asr = asr_requirement(self.get_params())
        if asr is not None:
            out.append(asr)
        use_text, use_audio = self._uses
        if use_text:
            ref, local = resolve_text_model(str(self.text_model))
            out.append(_model_requirement("text", str(self.text_model), ref if local else None))
        if use_audio and self.audio_init == "pretrained":
            name = str(self.audio_model)
            ref = resolve_audio_model(name)
            out.append(_model_requirement("audio", name, ref if ref != name or os.path.isdir(name) else None))
        return out

    def _inputs(self, X) -> Inputs:
        """Check that ``X`` holds the fields this fusion needs (built by the harness with
        :func:`fakebench.inputs.build_inputs`; DADA never builds its own)."""
        if not isinstance(X, Inputs):
            raise ConfigError("dada needs fakebench.api.Inputs (audio, transcript, speaker), "
                              f"not {type(X).__name__}",
                              hint="run it through fakebench.run / `fakebench run`, or build Inputs(clips=...)")
        use_text, use_audio = self._uses
        missing = [f for f, needed in (("audio", use_audio), ("transcript", use_text))
                   if needed and getattr(X, f) is None]
        if missing:
            raise ConfigError(f"dada (fusion={self.fusion}) was given no {' and no '.join(missing)}",
                              hint="build its inputs with fakebench.inputs.build_inputs, as run/score/serve do")
        return X

    def _build_text(self):
        from ._dada.text import TextBranch, load_text_encoder

        enc = load_text_encoder(self.text_model, int(self.text_layers), int(self.text_max_length))
        return TextBranch(enc, int(self.text_dim), int(self.text_mlp_layers), float(self.text_dropout),
                          bool(self.text_finetune)).to(self.device)

    def _build_audio(self, config_json: str | None = None):
        from ._dada.audio import AudioBranch, backbone_from_config, build_backbone

        if config_json is not None:
            backbone = backbone_from_config(config_json)
        else:
            backbone = build_backbone(self.audio_model, self.audio_init, self.audio_config)
        return AudioBranch(backbone, self.audio_layers, int(self.audio_bottleneck), int(self.audio_dim),
                           bool(self.audio_finetune), float(self.audio_cache_mb)).to(self.device)

    # -- training -------------------------------------------------------------------------

    def fit(self, X, y, X_val=None, y_val=None):
        import torch

        from fakebench.api import train_binary

        from ._dada import fusion as FU
        from ._dada.triplets import Stage, check_groups, group_codes, train_triplets

        self._check_params()
        X = self._inputs(X)
        y = np.asarray(y, dtype=np.int64)
        use_text, use_audio = self._uses
        rs = int(self.random_state)
        torch.manual_seed(rs)
        gen = torch.Generator().manual_seed(rs)
        bs = int(self.batch_size)
        self.history_, self.abx_ = [], {}
        self.text_ = self.audio_ = self.fusion_ = self.audio_head_ = self.text_head_ = None
        self.spoof_prior_ = None
        self.audio_margins_ = {}
        self.best_epoch_ = None
        speakers = X.speaker if X.speaker is not None else [None] * len(X)
        feats: dict[str, torch.Tensor] = {}

        if use_text:
            texts, groups = self._text_training_data(X, y, speakers)
            codes, self.speakers_ = group_codes(groups)
            check_groups(codes, "dada text branch (speaker attribution)", SPEAKER_HINT)
            self.text_ = self._build_text()
            self.text_.memo = {} if not self.text_finetune else None  # encode each training text once
            from ._dada.losses import triplet_loss

            margin, dist = float(self.text_margin), self.text_distance
            stage = Stage("text-triplet", int(self.text_epochs),
                          lambda a, p, n: triplet_loss(a, p, n, margin=margin, distance=dist), margin)
            self.text_.train()
            self.history_ += train_triplets(self.text_.embed_fn(texts), self.text_.trainable(), codes, [stage],
                                            batch_size=bs, generator=gen, lr=float(self.text_lr))
            self.text_.eval()
            feats["text"] = self.text_.embed(X.transcript)
        else:
            self.speakers_ = sorted({s for s in speakers if s is not None}, key=str)
        if use_audio:
            self.audio_ = self._build_audio()
            frames = self.audio_.frames(X.audio, bs)
            acodes, _ = group_codes(self._audio_groups(y, speakers))
            check_groups(acodes, f"dada audio branch (groups: {self.audio_groups})", SPEAKER_HINT)
            hist, self.audio_margins_ = self.audio_.fit(
                frames, acodes, epochs=[int(e) for e in self.audio_stage_epochs],
                margin0=float(self.audio_margin0), margin_adaptive=float(self.audio_margin_adaptive),
                k_delta=float(self.adatriplet_k_delta), k_an=float(self.adatriplet_k_an),
                lambda_an=float(self.adatriplet_lambda), batch_size=bs, lr=float(self.audio_lr), generator=gen)
            self.history_ += hist
            feats["audio"] = self.audio_.embed_frames(frames, len(X), bs)

        has_val = X_val is not None and y_val is not None and len(X_val) > 0
        feats_val = self._features(self._inputs(X_val)) if has_val else {}
        yv = np.asarray(y_val, dtype=np.int64) if has_val else None
        epochs = int(self.head_epochs)
        if self.fusion == "late":
            # audio head: logit of p(real)
            self.audio_head_ = torch.nn.Linear(feats["audio"].shape[1], 1).to(self.device)
            y_real = torch.as_tensor(1 - y, device=self.device)
            xv, yv_real = (feats_val["audio"], torch.as_tensor(1 - yv, device=self.device)) if has_val else (None, None)
            res = train_binary(self.audio_head_, feats["audio"], y_real, xv, yv_real, epochs=epochs,
                               batch_size=bs, lr=float(self.late_head_lr), seed=rs,
                               checkpoint_every=max(1, epochs // 5))
            self.history_ += [{"stage": "audio-head", **row} for row in res.history]
            # text head: p(speaker | text)
            self.text_head_, hist = FU.train_speaker_head(
                self.text_.embed(texts), torch.as_tensor(codes), len(self.speakers_), epochs=epochs,
                lr=float(self.late_head_lr), batch_size=bs, generator=gen)
            self.history_ += hist
            claimed = self._speaker_codes(speakers)
            self.spoof_prior_ = FU.spoof_rate_by_speaker(claimed, torch.as_tensor(y), len(self.speakers_))
        else:
            x = self._stack(feats)
            self.fusion_ = FU.fusion_mlp(x.shape[1], int(self.fusion_hidden), float(self.fusion_dropout))
            self.fusion_.to(self.device)
            yt = torch.as_tensor(y, device=self.device)
            xv, yvt = (self._stack(feats_val), torch.as_tensor(yv, device=self.device)) if has_val else (None, None)
            res = train_binary(self.fusion_, x, yt, xv, yvt, epochs=epochs, batch_size=bs, lr=float(self.head_lr),
                               seed=rs, checkpoint_every=max(1, epochs // 5))
            self.history_ += [{"stage": f"fusion-{self.fusion}", **row} for row in res.history]
            self.best_epoch_ = res.best_epoch
        if self.text_ is not None:
            self.text_.memo = None
        self._record_abx("train", feats, y, speakers)
        if has_val:
            self._record_abx("val", feats_val, yv, X_val.speaker or [None] * len(X_val))
        self.threshold_ = 0.0
        return self

    def _text_training_data(self, X: Inputs, y: np.ndarray, speakers) -> tuple[list[str], list]:
        if all(s is None for s in speakers):
            raise DatasetError("dada: the text branch attributes transcripts to speakers, but no clip names its "
                               "speaker", hint=SPEAKER_HINT)
        keep = [i for i in range(len(X)) if speakers[i] is not None and (self.text_train_on == "all" or y[i] == 0)]
        texts = [X.transcript[i] for i in keep]
        groups = [speakers[i] for i in keep]
        if self.author_texts:
            from ._dada.text import read_author_texts

            extra = read_author_texts(self.author_texts)
            texts += [t for _, t in extra]
            groups += [s for s, _ in extra]
        return texts, groups

    def _audio_groups(self, y: np.ndarray, speakers) -> list:
        if self.audio_groups == "label":
            return [int(v) for v in y]
        if all(s is None for s in speakers):
            raise DatasetError(f"dada: audio_groups={self.audio_groups} needs speakers, and no clip names one",
                               hint="use audio_groups=label")
        if self.audio_groups == "speaker":
            return list(speakers)
        return [None if s is None else f"{int(v)}|{s}" for v, s in zip(y, speakers)]

    def _speaker_codes(self, speakers) -> torch.Tensor:
        import torch

        index = {s: i for i, s in enumerate(self.speakers_)}
        return torch.tensor([index.get(s, -1) if s is not None else -1 for s in speakers], dtype=torch.int64)

    # -- scoring --------------------------------------------------------------------------

    def _features(self, X: Inputs) -> dict[str, torch.Tensor]:
        out = {}
        if self.text_ is not None:
            out["text"] = self.text_.embed(X.transcript)
        if self.audio_ is not None:
            out["audio"] = self.audio_.embed(X.audio, int(self.batch_size))
        return out

    def _stack(self, feats: dict[str, torch.Tensor]) -> torch.Tensor:
        import torch

        return torch.cat([feats[k] for k in ("text", "audio") if k in feats], dim=1).float()

    def embed(self, X) -> dict[str, np.ndarray]:
        """The fitted branch spaces: ``{"text": (n, text_dim), "audio": (n, audio_dim)}``."""
        feats = self._features(self._inputs(X))
        return {k: v.detach().cpu().numpy() for k, v in feats.items()}

    def decision_function(self, X) -> np.ndarray:
        import torch

        from fakebench.api import predict_logits

        from ._dada import fusion as FU

        if not hasattr(self, "speakers_"):
            from fakebench.api import FakebenchError

            raise FakebenchError("dada: decision_function before fit", hint="call fit(X, y) first")
        X = self._inputs(X)
        feats = self._features(X)
        if self.fusion != "late":
            return predict_logits(self.fusion_, self._stack(feats)).double().cpu().numpy()
        with torch.no_grad():
            p_real = torch.sigmoid(self.audio_head_(feats["audio"]).reshape(-1)).double().cpu()
            p_spk = torch.softmax(self.text_head_(feats["text"]), dim=1).double().cpu()
        if self.late_rule == "marginal":
            p_fake = FU.late_marginal(p_real, p_spk, self.spoof_prior_, float(self.alpha))
        else:
            if X.speaker is None or all(s is None for s in X.speaker):
                raise DatasetError("dada: fusion=late (late_rule=weighted) needs the purported speaker of each clip, "
                                   "and these clips name none",
                                   hint="use a dataset with speakers, late_rule=marginal, or fusion=mid")
            claimed = self._speaker_codes(X.speaker)
            unknown = int((claimed < 0).sum())
            if unknown:
                warnings.warn(f"dada: {unknown} clip(s) claim a speaker the text head never saw; "
                              "their text probability is 1/K", stacklevel=2)
            p_fake = FU.late_weighted(p_real, FU.claimed_probability(p_spk, claimed), float(self.alpha))
        return FU.fake_logit(p_fake).numpy()

    # -- ABX ------------------------------------------------------------------------------

    def abx_report(self, X, y, speakers=None) -> dict[str, float | None]:
        """ABX of the branch spaces on ``X`` with labels ``y``: text by speaker (real clips
        only), audio by label and by speaker. None where undefined."""
        X = self._inputs(X)
        return self._abx(self._features(X), np.asarray(y), speakers if speakers is not None else X.speaker)

    def _abx(self, feats, y, speakers) -> dict[str, float | None]:
        from fakebench.api import MetricError
        from fakebench.api import abx

        speakers = speakers if speakers is not None else [None] * len(y)
        jobs = []
        if "text" in feats:
            jobs.append(("text_speaker", feats["text"], [s if v == 0 else None for s, v in zip(speakers, y)]))
        if "audio" in feats:
            jobs += [("audio_label", feats["audio"], [int(v) for v in y]), ("audio_speaker", feats["audio"], speakers)]
        out: dict[str, float | None] = {}
        for key, emb, groups in jobs:
            try:
                out[key] = abx(emb.detach().cpu().numpy(), groups, max_anchors=2000, seed=int(self.random_state))
            except MetricError:
                out[key] = None
        return out

    def _record_abx(self, split, feats, y, speakers) -> None:
        self.abx_[split] = self._abx(feats, y, speakers)
        self.history_.append({"stage": "abx", "split": split, **self.abx_[split]})

    # -- saving ---------------------------------------------------------------------------

    def get_state(self):
        def sd(m):
            return None if m is None else {k: v.detach().cpu() for k, v in m.state_dict().items()}

        return {
            "speakers": [str(s) for s in self.speakers_],
            "text": self.text_.state() if self.text_ is not None else None,
            "audio": (self.audio_.state(save_backbone=self.audio_init == "random" or bool(self.audio_finetune))
                      if self.audio_ is not None else None),
            "fusion": sd(self.fusion_), "audio_head": sd(self.audio_head_), "text_head": sd(self.text_head_),
            "spoof_prior": self.spoof_prior_, "audio_margins": dict(self.audio_margins_), "abx": self.abx_,
        }

    def set_state(self, state):
        import torch

        from ._dada import fusion as FU

        self.speakers_ = list(state["speakers"])
        self.text_ = self.audio_ = self.fusion_ = self.audio_head_ = self.text_head_ = None
        if state.get("text") is not None:
            self.text_ = self._build_text().load(state["text"])
            self.text_.to(self.device).eval()
        if state.get("audio") is not None:
            a = state["audio"]
            self.audio_ = self._build_audio(a["config_json"] if a.get("backbone") is not None else None).load(a)
            self.audio_.to(self.device).eval()
        if state.get("fusion") is not None:
            w = state["fusion"]
            self.fusion_ = FU.fusion_mlp(w["0.weight"].shape[1], w["0.weight"].shape[0], float(self.fusion_dropout))
            self.fusion_.load_state_dict(w)
            self.fusion_.to(self.device).eval()
        for key, attr in (("audio_head", "audio_head_"), ("text_head", "text_head_")):
            if state.get(key) is not None:
                w = state[key]
                head = torch.nn.Linear(w["weight"].shape[1], w["weight"].shape[0])
                head.load_state_dict(w)
                setattr(self, attr, head.to(self.device).eval())
        self.spoof_prior_ = state.get("spoof_prior")
        self.audio_margins_ = dict(state.get("audio_margins") or {})
        self.abx_ = state.get("abx") or {}
        return self


def _model_requirement(kind: str, name: str, found: str | None):
    """A requirement for DADA's ``text_model`` or ``audio_model``: ``found`` is the local
    folder its resolver found (None: the hub id ``name``, downloaded when online)."""
    from fakebench.api import Requirement, hf_requirement, offline, weights_root

    what = f"DADA {kind} model {name!r}"
    if found is not None:
        return Requirement(what, where=str(found), source="folder", present=True, kind="model")
    sub = "text" if kind == "text" else "wav2vec2"
    req = hf_requirement(name, what=what)
    req.fix = (f"download it (huggingface-cli download {name}) into the Hugging Face cache or "
               f"{weights_root() / sub / name.replace('/', '--')}, or pass {kind}_model=<local folder>"
               + ("; for an offline smoke test only, audio_init=random" if kind == "audio" else ""))
    if req.missing and offline():
        req.problem = f"{what} was not found: downloads are off (HF_HUB_OFFLINE or FAKEBENCH_OFFLINE is set)"
    return req


@hookimpl
def fakebench_register_detectors():
    return [DADA]
