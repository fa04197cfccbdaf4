"""``aasist``: AASIST and AASIST-L, graph-attention countermeasures on raw waveforms.

Source: J.-w. Jung, H.-S. Heo, H. Tak, H.-j. Shim, J. S. Chung, B.-J. Lee, H.-J. Yu and
N. Evans, "AASIST: Audio Anti-Spoofing using Integrated Spectro-Temporal Graph Attention
Networks", ICASSP 2022 (arXiv:2110.01200). Official code and checkpoints:
https://github.com/clovaai/aasist (MIT); the network is in ``_aasist_net.py``.

Input: raw mono waveform at 16 kHz, 64,600 samples (4.04 s): the clip-length policy
``repeat:4.0375`` takes the first 64,600 samples and tiles shorter clips, as the official
evaluation does. Output of the network: two logits, ``[spoof, bona fide]``.

**Score convention (the one place it is converted).** The official score is the bona
fide logit (output index 1), higher for real speech. fakebench wants higher = more
likely fake, so ``decision_function`` returns ``score = -logit[:, 1]``. Negating keeps
the ranking, so the EER is exactly the official one. It is not a log-odds, so no p(fake)
is shown for it.

**Decision threshold** (``predict``, accuracy, the ``fakebench score`` verdict): with
``threshold="val-eer"`` (the default) it is calibrated at the EER point of the
validation split passed to ``fit`` (when it holds both classes); otherwise 0 on the score
scale, i.e. "fake when the bona fide logit is negative". A number fixes it.

**Pretrained use** (``pretrained=AASIST``, the default, or ``pretrained=AASIST-L``) is
evaluation only: ``fit`` loads that official checkpoint (``AASIST``: 297k parameters,
0.83% EER on ASVspoof 2019 LA eval; ``AASIST-L``: 85k, 0.99%), checks it with strict key
matching, and only calibrates the threshold. ``pretrained=none`` trains from scratch the
architecture named by ``variant`` (default AASIST). The checkpoint comes from ``weights`` (``--weights``: the file,
or a folder holding ``AASIST.pth`` / ``AASIST-L.pth``), else ``$FAKEBENCH_WEIGHTS``
(``~/.fakebench/weights``), else a download from the official URL checked against its
sha256, else a ``WeightsError`` that says where to put the file.

**Training** (``pretrained=none``, or ``finetune=true`` to start from the checkpoint)
follows the official recipe (``config/AASIST.conf``, ``main.py``): weighted cross-entropy
with class weights 0.1 (spoof) and 0.9 (bona fide), Adam (lr 1e-4, betas 0.9/0.999,
weight decay 1e-4), cosine annealing per step down to 5e-6, batch 24 (last partial batch
dropped), 100 epochs, a random 64,600-sample window of each training clip (shorter clips
tiled), no class balancing, frequency masking of the sinc filters off, and the model with
the best validation EER kept (checked every epoch). Every value is a parameter.

**Stochastic weight averaging** (``swa=true``, the default, as in the official
``main.py``, which wraps Adam in ``torchcontrib``'s ``SWA``): after every epoch whose
validation EER is at most the best so far, starting from ``swa_max_eer`` = 1% (the
official ``best_dev_eer = 1.`` in percent), the network's parameters are added to a
running average (``update_swa``). After the last epoch, if at least one epoch qualified,
the parameters are replaced by that average (``swap_swa_sgd``) and the batch-norm
running statistics are recomputed with one pass over the training data drawn as for
training (a fresh shuffle, random windows, augmentation, the last partial batch
dropped), in training mode, each batch weighted by its size (``bn_update``); that model
is the result (the official script's ``swa.pth``). Only parameters are averaged, never
buffers. Without a validation split, or when no epoch reaches 1%, nothing is averaged
and the best checkpoint is kept. ``swa_epochs_`` lists the averaged epochs.

**Augmentation**: ``augment=rawboost:N`` (``fakebench.api.make_augment``) applies
RawBoost algorithm N to each training window (after cropping), drawn from a generator
seeded by ``random_state``; validation and scoring never see it. The official AASIST
recipe uses none (``none``, the default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import logging

import numpy as np

from fakebench.api import Bool, ConfigError, Float, OneOf, WeightsError, hookimpl

from ._params import waveform_specs
from ._waveform import WaveformDetector, checkpoint_choice

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch

log = logging.getLogger("fakebench")

URL = "https://github.com/clovaai/aasist/raw/main/models/weights/{name}.pth"
SHA256 = {
    "AASIST": "51d2d9cf0738172f61e2a384ec50a54a55363240f67c971ed55a92435bc1a1c0",
    "AASIST-L": "814331d088032bb4c3fa61cc014789eadeed464209dd094ab3a2dd6ffbdce27a",
}
SAMPLES = 64600


def weights_file(variant: str):
    from fakebench.api import WeightsFile

    return WeightsFile(f"{variant}.pth", url=URL.format(name=variant), sha256=SHA256[variant],
                       what=f"official {variant} checkpoint", size="1.2 MB" if variant == "AASIST" else "0.4 MB",
                       license="MIT")


def load_official(net: torch.nn.Module, variant: str, weights=None) -> dict:
    """Load the official checkpoint of ``variant`` into ``net`` with strict key matching;
    return where it came from."""
    from fakebench.api import resolve_weights

    from ._checkpoints import load_exactly, loaded, read_state_dict

    found = resolve_weights(weights_file(variant), weights)
    state = read_state_dict(found.path, what=f"{variant} checkpoint", hint="pass the official AASIST .pth file")
    load_exactly(net, state, path=found.path, network=f"the {variant} network",
                 hint="variant=AASIST takes AASIST.pth and variant=AASIST-L takes AASIST-L.pth")
    return loaded("aasist", found)


class AASIST(WaveformDetector):
    name = "aasist"
    description = "AASIST / AASIST-L graph-attention countermeasure on raw 16 kHz audio (official checkpoints)"
    inputs = ("audio",)
    sample_rate = 16000
    default_length = "repeat:4.0375"
    #: activation memory of an evaluation forward on a CPU, MiB per second of audio and
    #: clip (measured: 2.08 GB for a batch of 8 clips of 4.04 s, 0.23 GB for one); the
    #: runner picks ``eval_batch_size`` from it and ``--max-memory`` unless it is set
    eval_memory_mb_per_second = 64
    license = "MIT"
    citation = "Jung et al., AASIST: Audio Anti-Spoofing using Integrated Spectro-Temporal Graph Attention Networks, ICASSP 2022"
    param_specs = waveform_specs(
        pretrained=OneOf("AASIST", "AASIST-L", "none", True, False, nullable=True),
        variant=OneOf(None, "AASIST", "AASIST-L"), finetune=Bool(), lr_min=Float(0, 10), random_crop=Bool(),
        freq_aug=Bool(), drop_last=Bool(), select=OneOf("eer", "accuracy"), swa=Bool(), swa_max_eer=Float(0, 1))

    def __init__(self, variant=None, pretrained="AASIST", weights=None, finetune=False, threshold="val-eer",
                 epochs=100, batch_size=24, lr=1e-4, lr_min=5e-6, betas=(0.9, 0.999), weight_decay=1e-4,
                 class_weights=(0.1, 0.9), random_crop=True, freq_aug=False, balance="none", drop_last=True,
                 checkpoint_every=1, select="eer", swa=True, swa_max_eer=0.01, augment="none", eval_batch_size=16,
                 num_workers=None, random_state=0, device="cpu"):
        self.variant = variant
        self.pretrained = pretrained
        self.weights = weights
        self.finetune = finetune
        self.threshold = threshold
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_min = lr_min
        self.betas = betas
        self.weight_decay = weight_decay
        self.class_weights = class_weights
        self.random_crop = random_crop
        self.freq_aug = freq_aug
        self.balance = balance
        self.drop_last = drop_last
        self.checkpoint_every = checkpoint_every
        self.select = select
        self.swa = swa
        self.swa_max_eer = swa_max_eer
        self.augment = augment
        self.eval_batch_size = eval_batch_size
        self.num_workers = num_workers
        self.random_state = random_state
        self.device = device

    # -- helpers ------------------------------------------------------------------------

    def _pretrained_name(self) -> str | None:
        """The official checkpoint asked for by ``pretrained``, or None (train from scratch)."""
        from ._aasist_net import CONFIGS

        return checkpoint_choice(self.pretrained, default=self.variant or "AASIST", known=CONFIGS,
                                 message="aasist: pretrained must be AASIST, AASIST-L or none, not {p!r}",
                                 hint="--set pretrained=AASIST-L, or --set pretrained=none to train from scratch")

    _checkpoint = _pretrained_name  # the hook's name in WaveformDetector

    @property
    def variant_(self) -> str:
        """The architecture: the ``pretrained`` checkpoint's, else ``variant``, else AASIST."""
        from ._aasist_net import CONFIGS

        named = self._pretrained_name()
        if named and self.variant and named != self.variant:
            raise ConfigError(f"aasist: pretrained={named} contradicts variant={self.variant}",
                              hint=f"for the official {self.variant} use pretrained={self.variant}; to train "
                                   f"{self.variant} from scratch use pretrained=none")
        which = named or self.variant or "AASIST"
        if which not in CONFIGS:
            raise ConfigError(f"aasist: unknown variant {which!r}", hint="use AASIST or AASIST-L")
        return which

    def _new_net(self):
        from ._aasist_net import build

        return build(self.variant_)

    def _loads_checkpoint(self) -> bool:
        return bool(self._pretrained_name() or self.weights) and not self._is_random()

    def _load_checkpoint(self, net) -> dict:
        return load_official(net, self.variant_, self.weights)

    def requirements(self, weights=None):
        """The official checkpoint ``pretrained`` names (or ``weights``); none when training
        from scratch or with random weights."""
        from fakebench.api import is_random, weights_requirement

        w = self.weights if weights is None else weights
        if not (self._pretrained_name() or w) or is_random(w):
            return []
        return [weights_requirement(weights_file(self.variant_), w)]

    @staticmethod
    def to_score(logits: torch.Tensor) -> torch.Tensor:
        """THE score conversion: minus the official bona fide logit (higher = more fake)."""
        return -logits[:, 1]

    # -- the estimator (fit, scoring and saving: _waveform.WaveformDetector) ---------------

    def _start_fit(self) -> None:
        self.swa_epochs_ = []

    def _train(self, source, y, X_val, y_val):
        import torch

        from fakebench.api import train_batches

        from ._images import iter_audio
        from ._wave_training import SWA, bn_update, with_augment

        if self.select not in ("eer", "accuracy"):
            raise ConfigError(f"aasist: select must be eer or accuracy, not {self.select!r}")
        net, device = self.net_, self.device
        gen = torch.Generator().manual_seed(int(self.random_state) + 1)
        weight = torch.tensor([float(w) for w in self.class_weights], device=device)
        ce = torch.nn.CrossEntropyLoss(weight=weight)

        def loss_fn(out, yb):  # official class order: 0 = spoof, 1 = bona fide
            return ce(out, 1 - yb)

        n_filters = net.conv_time.out_channels
        val_outputs: list[torch.Tensor] = []  # what the validation pass of the current epoch scored

        class _Aug(torch.nn.Module):
            """Frequency masking of the sinc filters (training forward only); records the
            validation outputs (evaluation mode) for the SWA decision."""

            def __init__(self, inner, on):
                super().__init__()
                self.inner, self.on = inner, on

            def forward(self, wave):
                if self.on and self.training:
                    width = int(torch.randint(0, 20, (1,), generator=gen))
                    start = int(torch.randint(0, n_filters - width + 1, (1,), generator=gen))
                    return self.inner(wave, (start, width))
                out = self.inner(wave)
                if not self.training:
                    val_outputs.append(out.detach())
                return out

        model = _Aug(net, bool(self.freq_aug))

        def batches(order, train):
            crop = gen if (train and self.random_crop) else None
            yield from iter_audio(source, order, int(self.batch_size), device, num_workers=self.num_workers,
                                  random_window=crop)

        batches = with_augment(batches, self.augment, self.sample_rate, int(self.random_state))
        swa = SWA() if self.swa else None
        swa_best, epoch = [float(self.swa_max_eer)], [0]
        val = None
        if X_val is not None and len(X_val):
            val_source = self._audio(X_val)
            yv = torch.as_tensor(np.asarray(y_val), dtype=torch.int64)

            def val_batches():
                val_outputs.clear()
                epoch[0] += 1
                seen = []
                for xb, idx in iter_audio(val_source, range(len(val_source)), int(self.eval_batch_size), device,
                                          num_workers=self.num_workers):
                    seen.append(idx)
                    yield xb, idx
                # train_batches has scored the whole split with the end-of-epoch weights
                if swa is not None and val_outputs:
                    self._swa_snapshot(swa, swa_best, epoch[0], torch.cat(val_outputs), yv[torch.cat(seen)])

            val = (yv, val_batches)
        opt = torch.optim.Adam(net.parameters(), lr=float(self.lr), betas=tuple(float(b) for b in self.betas),
                               weight_decay=float(self.weight_decay))
        n = len(y)
        steps_per_epoch = (n // int(self.batch_size) if self.drop_last and n >= int(self.batch_size)
                           else -(-n // int(self.batch_size)))
        total = max(1, int(self.epochs) * max(1, steps_per_epoch))
        floor = float(self.lr_min) / float(self.lr)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: floor + (1 - floor) * 0.5 * (1 + np.cos(step / total * np.pi)))
        res = train_batches(model, torch.as_tensor(y, dtype=torch.int64), batches, epochs=int(self.epochs),
                            batch_size=int(self.batch_size), optimizer=opt, loss_fn=loss_fn, score_fn=self.to_score,
                            seed=int(self.random_state), balance=self.balance,
                            checkpoint_every=int(self.checkpoint_every), val=val, select=self.select,
                            scheduler=sched, drop_last=bool(self.drop_last))
        self.history_ = res.history
        self.best_epoch_ = res.best_epoch
        if swa is not None and swa.count:
            swa.apply(net)
            order = torch.randperm(n, generator=gen)
            if self.drop_last and n >= int(self.batch_size):
                order = order[: n - n % int(self.batch_size)]
            seen = bn_update(net, batches(order, True))
            self.swa_epochs_ = list(swa.epochs)
            log.info("aasist: SWA over the weights of epochs %s; batch norm recomputed on %d training clips",
                     ", ".join(map(str, swa.epochs)), seen)
        elif swa is not None:
            log.info("aasist: no epoch reached a validation EER of %.2f%% or less; no SWA, best checkpoint kept",
                     100 * float(self.swa_max_eer))

    def _swa_snapshot(self, swa, best: list, epoch: int, out: torch.Tensor, yv: torch.Tensor) -> None:
        """The official rule: average this epoch's weights when its validation EER is at
        most the best so far (which starts at ``swa_max_eer``)."""
        from fakebench.api import eer

        if not 0 < int(yv.sum()) < len(yv):
            return
        value = float(eer(self.to_score(out).double().cpu(), yv.cpu(), warn=False))
        if value <= best[0]:
            best[0] = value
            swa.update(self.net_, epoch)

    def _state_extra(self):
        return {"variant": self.variant_, "swa_epochs": list(getattr(self, "swa_epochs_", []))}

    def _saved_net(self, state):
        if state.get("variant", self.variant_) != self.variant_:
            raise WeightsError(f"the saved aasist is a {state['variant']}, not a {self.variant_}")
        return self._new_net()

    def set_state(self, state):
        super().set_state(state)
        self.swa_epochs_ = list(state.get("swa_epochs") or [])
        return self


@hookimpl
def fakebench_register_detectors():
    return [AASIST]
