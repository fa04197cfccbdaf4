"""``lcnn``: LFCC-LCNN countermeasures, the ASVspoof 2021 baseline B03 and its NII variants.

Source: X. Wang and J. Yamagishi, "A Comparative Study on Recent Neural Spoofing
Countermeasures for Synthetic Speech Detection", Interspeech 2021, pp. 4259-4263
(arXiv:2103.11326); the ASVspoof 2021 LA/DF baseline LFCC-LCNN (J. Yamagishi et al.,
ASVspoof 2021 Workshop); the LCNN of G. Lavrentyeva et al., Interspeech 2019. Reference
code, both BSD-3-Clause ((c) 2020-2022 Xin Wang, National Institute of Informatics):
https://github.com/asvspoof-challenge/2021 ``LA/Baseline-LFCC-LCNN`` and
``DF/Baseline-LFCC-LCNN`` (own ``LICENSE`` files), and
https://github.com/nii-yamagishilab/project-NN-Pytorch-scripts ``project/03-asvspoof-mega``.
(The NII repository has no ``project/01-asvspoof2021``; its ASVspoof 2021 material is the
toy recipe ``project/04-asvspoof2021-toy``, with the same network as the baseline.) The
front end is written for fakebench in ``_lfcc.py``, the networks in ``_lcnn_net.py``.

``variant`` (the network; see ``_lcnn_net.py``): ``lcnn-lstm-sum`` (the baseline: LCNN,
two BLSTM layers added to their input, mean over time), ``lcnn-attention`` (attentive
mean and standard deviation pooling) or ``lcnn-trim-pad`` (750 LFCC frames, 7.5 s, then
fully connected layers). All output one logit, the sigmoid output of the NII code.

``front_end``: ``asvspoof2021`` (the 2021 baselines: LFCC of 20 ms Hamming frames every
10 ms, a 1,024-point FFT, 20 linear filters over 0-4 kHz, energy as the first
coefficient, deltas and delta-deltas: 60 dimensions) or ``mega`` (the
``03-asvspoof-mega`` models: a 512-point FFT and 0-8 kHz, otherwise the same).

Input: mono waveform at 16 kHz, whole clips (``full``, the reference scores each trial
whole, one at a time); ``crop:N`` clips are handled the same way, and a fixed-length
policy (``--length repeat:4``) is batched.

**Score convention (the one place it is converted, ``to_score``).** The reference writes
the network output before its sigmoid, higher = bona fide (target 1 = bona fide).
fakebench returns its negative, which is the logit of p(fake): the EER is the
reference's and ``fakebench score`` shows p(fake).

**Released checkpoints** (``pretrained``; evaluation only unless ``finetune=true``), all
trained on ASVspoof 2019 LA train:

``LA`` (default), ``DF``   the ASVspoof 2021 LA and DF baselines (``lcnn-lstm-sum``,
                           ``asvspoof2021`` front end): ``la_trained_network.pt`` from
                           https://www.asvspoof.org/asvspoof2021/pre_trained_LA_LFCC-LCNN.zip,
                           ``df_trained_network.pt`` from
                           https://www.asvspoof.org/asvspoof2021/pre_trained_DF_LFCC-LCNN.zip
                           (``project/00_download.sh`` of the 2021 repository; it falls
                           back to the organisers' Dropbox copies of the ``.pt`` files);
``lfcc-lcnn-{lstmsum,attention,fixed}-sig/{01..06}``
                           the six training runs (seeds) of each ``03-asvspoof-mega``
                           model with the sigmoid loss (``mega`` front end), the files
                           ``<name>/__pretrained/trained_network.pt`` of
                           https://zenodo.org/record/6456692/files/project-03-asvspoof-mega-pretrained.tar.gz
                           (about 1 GB, md5 ``ff1ce800fb14b3ed0f5af170925dfbbc`` as
                           published in ``00_demo.sh``; extract it in the weights folder).

No checksum of the individual files is published and none could be obtained offline, so
they are not downloaded automatically and their sha256 is not checked: the loader
checks that every key and shape matches the network (strict loading) and that all values
are finite, and records the file's sha256. The file comes from ``weights``
(``--weights``: the file, or a folder holding it under its official name), else
``$FAKEBENCH_WEIGHTS`` (``~/.fakebench/weights``), else a ``WeightsError`` saying where
to get it and where to put it.

**Training** (``pretrained=none``, or ``finetune=true``: the 2021 ``00_train.sh``
fine-tunes the released model) follows the reference recipe (``00_train.sh``,
``core_scripts``): binary cross-entropy on the sigmoid output, Adam (lr 3e-4, betas
0.9/0.999, no weight decay), the learning rate halved every 10 epochs (StepLR), batch 64
of whole clips zero-padded to the longest of the batch, drawn by the
``block_shuffle_by_length`` sampler (sorted by length, shuffled inside blocks of four
batches, blocks shuffled), 100 epochs. Not reproduced: the reference keeps the epoch of
lowest validation loss (computed with dropout on) and stops after 50 epochs without
improvement; fakebench keeps the epoch of lowest validation EER (``select``) and runs
every epoch. ``augment=rawboost:N`` adds RawBoost to the training clips (on each clip's
own samples, before padding). Every value is a parameter.

**Decision threshold**: ``threshold="val-eer"`` (default) calibrates it at the EER point
of the validation split passed to ``fit``; without one it is 0 (p(fake) = 0.5).
"""

from __future__ import annotations

import numpy as np

from fakebench.api import Bool, ConfigError, Float, Int, OneOf, hookimpl

from ._params import waveform_specs
from ._waveform import WaveformDetector, checkpoint_choice

ASVSPOOF2021 = "https://www.asvspoof.org/asvspoof2021/pre_trained_{track}_LFCC-LCNN.zip"
DROPBOX = {
    "LA": "https://www.dropbox.com/sh/gf3zp00qvdp3row/AADWOs9cmLBzWuRPbh5m10YVa/temp/asvspoof2021/la_trained_network.pt",
    "DF": "https://www.dropbox.com/sh/gf3zp00qvdp3row/AABg4OUDKFvFonI-HmIzT5qIa/temp/asvspoof2021/df_trained_network.pt",
}
MEGA_URL = "https://zenodo.org/record/6456692/files/project-03-asvspoof-mega-pretrained.tar.gz"
MEGA_MD5 = "ff1ce800fb14b3ed0f5af170925dfbbc"
_MEGA_NETS = {"lstmsum": "lcnn-lstm-sum", "attention": "lcnn-attention", "fixed": "lcnn-trim-pad"}


def _checkpoints() -> dict[str, dict]:
    table = {
        track: {"file": f"{track.lower()}_trained_network.pt", "variant": "lcnn-lstm-sum",
                "front_end": "asvspoof2021", "url": ASVSPOOF2021.format(track=track), "mirror": DROPBOX[track],
                "what": f"ASVspoof 2021 {track} LFCC-LCNN baseline checkpoint", "size": "about 1.1 MB"}
        for track in ("LA", "DF")
    }
    for net, variant in _MEGA_NETS.items():
        for run in range(1, 7):
            name = f"lfcc-lcnn-{net}-sig/{run:02d}"
            table[name] = {"file": f"{name}/__pretrained/trained_network.pt", "variant": variant, "front_end": "mega",
                           "url": MEGA_URL, "mirror": None, "what": f"NII 03-asvspoof-mega {name} checkpoint",
                           "size": "in a 1 GB archive"}
    return table


CHECKPOINTS = _checkpoints()


def weights_file(name: str):
    from fakebench.api import WeightsFile

    c = CHECKPOINTS[name]
    return WeightsFile(c["file"], what=c["what"], size=c["size"], license="not stated (the code is BSD-3-Clause)")


def how_to_get(name: str) -> str:
    """Where to get checkpoint ``name`` and where to put it."""
    from fakebench.api import weights_root

    c = CHECKPOINTS[name]
    if c["front_end"] == "asvspoof2021":
        return (f"download {c['url']}, unzip it and put {c['file']} at {weights_root() / c['file']} "
                f"(the organisers' copy of the file itself: {c['mirror']})")
    return (f"download {c['url']} (about 1 GB, md5 {MEGA_MD5}) and extract it in {weights_root()}, so that "
            f"{weights_root() / c['file']} exists")


def find_checkpoint(name: str, weights=None):
    """The checkpoint file of ``name`` (a ``Resolved``), or one ``WeightsError`` naming the
    file, its official URL and where to put it."""
    from ._checkpoints import find_unpublished

    return find_unpublished(weights_file(name), weights,
                            how_to_get(name) + "; or pass --weights PATH (the file, or the folder it is in under that "
                                               "name); fakebench does not download it because no checksum of the "
                                               "file is published")


def load_official(net, name: str, weights=None) -> dict:
    """Load checkpoint ``name`` into ``net`` with strict key matching; check that all
    values are finite; return where it came from."""
    from ._checkpoints import check_finite, load_exactly, loaded, read_state_dict

    found = find_checkpoint(name, weights)
    state = read_state_dict(found.path, what=f"LFCC-LCNN checkpoint {name}", hint=f"pass {CHECKPOINTS[name]['file']}",
                            unwrap=True)  # unwrap: an NII epoch checkpoint
    load_exactly(net, state, path=found.path, network=f"the {net.variant} network of {name}",
                 hint="check --set pretrained (LA, DF or lfcc-lcnn-NET-sig/RUN) against the file")
    check_finite(net, found.path, hint="download it again")
    return loaded("lcnn", found, checked=False)


class LCNN(WaveformDetector):
    name = "lcnn"
    description = "LFCC-LCNN (ASVspoof 2021 baseline) and its NII variants (LSTM-sum, attention, trim-pad) on 16 kHz audio"
    inputs = ("audio",)
    sample_rate = 16000
    default_length = "full"
    scores_are_logits = True
    license = "BSD-3-Clause"
    citation = ("Wang and Yamagishi, A Comparative Study on Recent Neural Spoofing Countermeasures for Synthetic "
                "Speech Detection, Interspeech 2021")
    param_specs = waveform_specs(
        without=("class_weights",), pretrained=OneOf(*CHECKPOINTS, "none", True, False, nullable=True),
        variant=OneOf(None, "lcnn-lstm-sum", "lcnn-attention", "lcnn-trim-pad"),
        front_end=OneOf(None, "asvspoof2021", "mega"), sampler=OneOf("block_shuffle_by_length", "shuffle"),
        select=OneOf("eer", "accuracy"), finetune=Bool(), lr_decay=Float(0, 1, low_open=True),
        lr_step_epochs=Int(1, 100_000))

    def __init__(self, variant=None, pretrained="LA", weights=None, finetune=False, front_end=None,
                 threshold="val-eer", epochs=100, batch_size=64, lr=3e-4, lr_decay=0.5, lr_step_epochs=10,
                 weight_decay=0.0, betas=(0.9, 0.999), sampler="block_shuffle_by_length", balance="none",
                 select="eer", checkpoint_every=1, augment="none", eval_batch_size=16, num_workers=None,
                 random_state=0, device="cpu"):
        self.variant = variant
        self.pretrained = pretrained
        self.weights = weights
        self.finetune = finetune
        self.front_end = front_end
        self.threshold = threshold
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_decay = lr_decay
        self.lr_step_epochs = lr_step_epochs
        self.weight_decay = weight_decay
        self.betas = betas
        self.sampler = sampler
        self.balance = balance
        self.select = select
        self.checkpoint_every = checkpoint_every
        self.augment = augment
        self.eval_batch_size = eval_batch_size
        self.num_workers = num_workers
        self.random_state = random_state
        self.device = device

    # -- helpers ------------------------------------------------------------------------

    def _checkpoint(self) -> str | None:
        """The released checkpoint asked for by ``pretrained``, or None (train from scratch)."""
        return checkpoint_choice(self.pretrained, default="LA", known=CHECKPOINTS,
                                 message="lcnn: unknown pretrained checkpoint {p!r}",
                                 hint="use LA, DF, lfcc-lcnn-{lstmsum,attention,fixed}-sig/{01..06}, or none to "
                                      "train from scratch")

    @property
    def config_(self) -> tuple[str, str]:
        """(variant, front end): the checkpoint's, else the parameters', else the 2021 baseline's."""
        from ._lcnn_net import FRONT_ENDS, VARIANTS

        name = self._checkpoint()
        c = CHECKPOINTS[name] if name else {}
        for key, value in (("variant", self.variant), ("front_end", self.front_end)):
            if c and value and value != c[key]:
                raise ConfigError(f"lcnn: pretrained={name} is a {c[key]} {key.replace('_', ' ')}, not {value}",
                                  hint=f"drop --set {key}, or train from scratch with --set pretrained=none")
        variant = c.get("variant") or self.variant or "lcnn-lstm-sum"
        front_end = c.get("front_end") or self.front_end or "asvspoof2021"
        if variant not in VARIANTS:
            raise ConfigError(f"lcnn: unknown variant {variant!r}", hint=f"use one of {', '.join(VARIANTS)}")
        if front_end not in FRONT_ENDS:
            raise ConfigError(f"lcnn: unknown front_end {front_end!r}", hint="use asvspoof2021 or mega")
        return variant, front_end

    def _new_net(self):
        from ._lcnn_net import build

        return build(*self.config_)

    def requirements(self, weights=None):
        """The released checkpoint ``pretrained`` names (``--weights`` or $FAKEBENCH_WEIGHTS:
        never downloaded, no checksum being published); none for ``pretrained=none``."""
        from fakebench.api import is_random, weights_requirement

        w = self.weights if weights is None else weights
        name = self._checkpoint()
        if not name or is_random(w):
            return []
        fix = how_to_get(name) + "; or pass --weights PATH (the file, or the folder it is in)"
        return [weights_requirement(weights_file(name), w, url=CHECKPOINTS[name]["url"], fix=fix)]

    @staticmethod
    def to_score(out):
        """THE score conversion: minus the reference's output (a logit of bona fide), i.e.
        the logit of p(fake)."""
        return -out

    def _eval_batch_size(self, source) -> int:
        # clips of different lengths (full, crop:N) are scored one at a time, as the reference does
        return 1 if source.length.mode in ("full", "crop") else int(self.eval_batch_size)

    # -- the estimator (fit, scoring and saving: _waveform.WaveformDetector) ---------------

    def _load_checkpoint(self, net) -> dict:
        return load_official(net, self._checkpoint(), self.weights)

    def _train(self, source, y, X_val, y_val):
        import torch

        from fakebench.api import train_batches

        from ._images import iter_audio
        from ._wave_training import block_shuffle, clip_lengths, padded_batches, with_augment

        net, device, bs = self.net_, self.device, int(self.batch_size)
        gen = torch.Generator().manual_seed(int(self.random_state) + 1)
        bce = torch.nn.BCEWithLogitsLoss()

        def loss_fn(out, yb):  # the reference's target: 1 = bona fide
            return bce(out, (1 - yb).to(out.dtype))

        class _Lengths(torch.nn.Module):
            """Hands each training batch's clip lengths to the network (trim-pad needs them)."""

            def __init__(self, inner):
                super().__init__()
                self.inner, self.lengths = inner, None

            def forward(self, wave):
                lengths, self.lengths = self.lengths, None
                return self.inner(wave, lengths)

        model = _Lengths(net)
        whole = source.length.mode in ("full", "crop")  # clips of different lengths
        lengths = clip_lengths(source) if whole and self.sampler == "block_shuffle_by_length" else None

        def batches(order, train):
            if not whole:
                yield from iter_audio(source, order, bs, device, num_workers=self.num_workers)
                return
            if lengths is not None:
                order = block_shuffle(order, lengths, bs, gen)
            yield from padded_batches(source, order, bs, device, num_workers=self.num_workers)

        augmented = with_augment(batches, self.augment, self.sample_rate, int(self.random_state))

        def training_batches(order, train):
            for item in augmented(order, train):
                model.lengths = item[2] if len(item) > 2 else None
                yield item[0], item[1]

        val = None
        if X_val is not None and len(X_val):
            val_source = self._audio(X_val)
            yv = torch.as_tensor(np.asarray(y_val), dtype=torch.int64)
            val_bs = 1 if val_source.length.mode in ("full", "crop") else int(self.eval_batch_size)
            val = (yv, lambda: iter_audio(val_source, range(len(val_source)), val_bs, device,
                                          num_workers=self.num_workers))
        params = [p for p in net.parameters() if p.requires_grad]
        opt = torch.optim.Adam(params, lr=float(self.lr), betas=tuple(float(b) for b in self.betas),
                               weight_decay=float(self.weight_decay))
        steps = _steps_per_epoch(np.asarray(y), bs, self.balance)
        every, gamma = max(1, int(self.lr_step_epochs)) * steps, float(self.lr_decay)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: gamma ** (step // every))
        res = train_batches(model, torch.as_tensor(y, dtype=torch.int64), training_batches, epochs=int(self.epochs),
                            batch_size=bs, optimizer=opt, loss_fn=loss_fn, score_fn=self.to_score,
                            seed=int(self.random_state), balance=self.balance,
                            checkpoint_every=int(self.checkpoint_every), val=val, select=self.select,
                            scheduler=sched)
        self.history_ = res.history
        self.best_epoch_ = res.best_epoch

    def _state_extra(self):
        variant, front_end = self.config_
        return {"variant": variant, "front_end": front_end}

    def _saved_net(self, state):
        from ._lcnn_net import build

        return build(state["variant"], state["front_end"])


def _steps_per_epoch(y: np.ndarray, batch_size: int, balance: str) -> int:
    """Optimiser steps in one epoch of ``train_batches`` (no last-batch dropping)."""
    counts = np.bincount(y.astype(np.int64), minlength=2)
    n = {"oversample": 2 * int(counts.max()), "subsample": 2 * int(counts.min())}.get(balance, len(y))
    return max(1, -(-n // max(1, batch_size)))


@hookimpl
def fakebench_register_detectors():
    return [LCNN]
