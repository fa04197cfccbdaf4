"""The shared estimator behind ``spec-cnn`` and ``resnet50``: a CNN trained on images
made from the audio (see ``_images.py``), one logit of "fake" out.

Training: BCE with logits, Adam, mini-batches decoded from the audio source on the fly
(the image front end runs on the device), the training augmentations of ``augment``,
class balancing by ``balance`` and, every ``checkpoint_every`` epochs, the checkpoint with
the best validation accuracy kept (:func:`fakebench.training.train_batches`). Scores are
logits of p(fake); ``predict`` thresholds them at 0 (p = 0.5). A network with two outputs
(real, fake) is trained with softmax cross-entropy and scored by their difference, the
log-odds of fake.

``balance``, per epoch (:func:`fakebench.training.epoch_indices`): ``sampler`` (weighted
sampling with replacement), ``oversample`` (minority drawn up to the majority count),
``subsample`` (majority cut to the minority count) or ``none``; or fixed once, before
training, as in the ASVspoof 2019 student study:

``multiply[:K]``     the minority class repeated K times (default: majority // minority;
                     the study's 2,580 bona fide x 8 = 20,640), every epoch a shuffle of
                     that fixed set;
``subsample:N``      a random N of the majority class (drawn once with ``random_state``;
                     the study's 3,000 spoofs) and all of the minority.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fakebench.api import ConfigError, Detector

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch


class ImageCNN(Detector):
    """Subclasses implement ``_build()`` (a module mapping (n, c, s, s) to (n, 1) or (n,))
    and may override ``_prepare()`` (image normalisation) and ``_init_weights()``."""

    inputs = ("audio",)
    sample_rate = 16000
    default_length = "repeat:4"
    scores_are_logits = True
    in_channels = 1

    # -- to implement -------------------------------------------------------------------

    def _build(self) -> torch.nn.Module:
        raise NotImplementedError

    def _prepare(self, img: torch.Tensor) -> torch.Tensor:
        return (img - 0.5) / 0.5

    def _init_weights(self, net: torch.nn.Module) -> None:
        """Hook for pretrained initialisation (ResNet50's ImageNet weights)."""

    def _n_outputs(self) -> int:
        """1 (the logit of fake) or 2 (real and fake logits, softmax cross-entropy)."""
        return 1

    def _score(self, out: torch.Tensor) -> torch.Tensor:
        """Network output -> (n,) log-odds of fake."""
        if self._n_outputs() == 2:
            return out[:, 1] - out[:, 0]
        return out.reshape(-1)

    # -- helpers ------------------------------------------------------------------------

    def _check(self):
        from ._images import FRONT_ENDS, parse_augment

        if self.image not in FRONT_ENDS:
            raise ConfigError(f"{self.name}: image must be one of {', '.join(FRONT_ENDS)}, not {self.image!r}")
        return parse_augment(self.augment)

    def _source(self, X, name):
        from ._waveform import audio_source

        return audio_source(X, name, self.sample_rate)

    def _images(self, wave: torch.Tensor, augment=(), generator=None) -> torch.Tensor:
        from ._images import augment_images, to_image

        img = to_image(wave, self.image, int(self.image_size), int(self.n_fft), int(self.hop_length))
        if augment:
            img = augment_images(img, augment, generator, degrees=float(self.degrees),
                                 translate=float(self.translate), scale=tuple(self.scale), flip_p=float(self.flip_p))
        return self._prepare(img)

    def _batches(self, source, order, batch_size, augment=(), generator=None):
        from ._images import iter_audio

        for wave, idx in iter_audio(source, order, batch_size, self.device, num_workers=self.num_workers):
            yield self._images(wave, augment, generator), idx

    def _mapped_batches(self, source, positions, order, batch_size, augment=(), generator=None):
        """Batches over a fixed training set: ``order`` holds positions into
        ``positions`` (which holds clip indices, repeats allowed); yields positions."""
        import torch

        pos = [int(p) for p in order]
        done = 0
        for img, idx in self._batches(source, [int(positions[p]) for p in pos], batch_size, augment, generator):
            n = len(idx)
            yield img, torch.as_tensor(pos[done:done + n], dtype=torch.int64)
            done += n

    # -- the estimator ------------------------------------------------------------------

    def _balanced_set(self, y: np.ndarray) -> tuple[np.ndarray | None, str]:
        """``(positions, per-epoch balance)``: the fixed training set of ``multiply[:K]``
        or ``subsample:N`` (positions into the training clips, repeats allowed), or
        ``(None, balance)`` for the per-epoch modes."""
        text = str(self.balance).strip().lower()
        name, _, arg = text.partition(":")
        if name in ("sampler", "oversample", "subsample", "none") and not arg:
            return None, name
        y = np.asarray(y)
        counts = [int((y == c).sum()) for c in (0, 1)]
        if min(counts) == 0:
            raise ConfigError(f"{self.name}: balance={self.balance!r} needs both classes in the training data")
        minority, majority = (0, 1) if counts[0] <= counts[1] else (1, 0)
        idx = {c: np.flatnonzero(y == c) for c in (0, 1)}
        try:
            k = int(arg) if arg else None
        except ValueError:
            k = -1
        if name == "multiply" and (k is None or k >= 1):
            k = k or max(1, counts[majority] // counts[minority])
            return np.concatenate([idx[majority], np.tile(idx[minority], k)]), "none"
        if name == "subsample" and k is not None and k >= 1:
            rng = np.random.RandomState(int(self.random_state) % (2**32))
            take = rng.choice(idx[majority], size=min(k, counts[majority]), replace=False)
            return np.concatenate([np.sort(take), idx[minority]]), "none"
        raise ConfigError(f"{self.name}: unknown balance {self.balance!r}",
                          hint="use sampler, oversample, subsample, none, multiply[:K] or subsample:N")

    def fit(self, X, y, X_val=None, y_val=None):
        import torch

        from fakebench.api import train_batches

        augment = self._check()
        positions, balance = self._balanced_set(np.asarray(y))
        torch.manual_seed(int(self.random_state))
        source = self._source(X, self.name)
        net = self._build()
        self._init_weights(net)
        self.net_ = net.to(self.device)
        gen = torch.Generator().manual_seed(int(self.random_state) + 1)
        bs = int(self.batch_size)
        y_train = np.asarray(y)
        if positions is not None:
            self.train_counts_ = {"real": int((y_train[positions] == 0).sum()),
                                  "fake": int((y_train[positions] == 1).sum())}
            y_train = y_train[positions]

        def batches(order, train):
            if positions is None:
                return self._batches(source, order, bs, augment if train else (), gen)
            return self._mapped_batches(source, positions, order, bs, augment if train else (), gen)

        val = None
        if X_val is not None and len(X_val):
            vsource = self._source(X_val, self.name)
            val = (torch.as_tensor(np.asarray(y_val), dtype=torch.int64),
                   lambda: self._batches(vsource, range(len(vsource)), bs))
        bce = torch.nn.BCEWithLogitsLoss()
        ce = torch.nn.CrossEntropyLoss()
        two = self._n_outputs() == 2
        opt = torch.optim.Adam(self.net_.parameters(), lr=float(self.lr), weight_decay=float(self.weight_decay))
        res = train_batches(self.net_, torch.as_tensor(y_train, dtype=torch.int64), batches,
                            epochs=int(self.epochs), batch_size=bs, optimizer=opt,
                            loss_fn=(lambda out, yb: ce(out, yb.long())) if two
                            else (lambda out, yb: bce(out.reshape(-1), yb.float())),
                            score_fn=self._score, seed=int(self.random_state), balance=balance,
                            checkpoint_every=int(self.checkpoint_every), val=val)
        self.history_ = res.history
        self.best_epoch_ = res.best_epoch
        self.threshold_ = 0.0
        return self

    def decision_function(self, X) -> np.ndarray:
        import torch

        source = self._source(X, self.name)
        out = np.zeros(len(source), dtype=np.float64)
        self.net_.eval()
        with torch.inference_mode():
            for img, idx in self._batches(source, range(len(source)), int(self.batch_size)):
                out[idx.numpy()] = self._score(self.net_(img)).double().cpu().numpy()
        return out

    def get_state(self):
        return {"net": {k: v.detach().cpu() for k, v in self.net_.state_dict().items()},
                "best_epoch": self.best_epoch_}

    def set_state(self, state):
        net = self._build()
        net.load_state_dict(state["net"], strict=True)
        self.net_ = net.to(self.device).eval()
        self.best_epoch_ = state.get("best_epoch")
        self.history_ = []
        return self
