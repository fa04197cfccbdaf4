"""The shared estimator behind ``spec-cnn`` and ``resnet50``: a CNN trained on images
made from the audio (see ``_images.py``), one logit of "fake" out.

Training: BCE with logits, Adam, mini-batches decoded from the audio source on the fly
(the image front end runs on the device), the training augmentations of ``augment``,
class balancing by ``balance`` (``sampler``, ``oversample``, ``subsample`` or ``none``)
and, every ``checkpoint_every`` epochs, the checkpoint with the best validation
accuracy kept (:func:`fakebench.training.train_batches`). Scores are logits of p(fake);
``predict`` thresholds them at 0 (p = 0.5).
"""

from __future__ import annotations

import numpy as np
import torch

from fakebench.api import ConfigError, Detector


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

    # -- helpers ------------------------------------------------------------------------

    def _check(self):
        from ._images import FRONT_ENDS, parse_augment

        if self.image not in FRONT_ENDS:
            raise ConfigError(f"{self.name}: image must be one of {', '.join(FRONT_ENDS)}, not {self.image!r}")
        return parse_augment(self.augment)

    def _source(self, X, name):
        source = getattr(X, "audio", None)
        if source is None:
            raise ConfigError(f"{name} reads audio: X must be a fakebench.inputs.Inputs with .audio",
                              hint=f"run it through `fakebench run --detector {name}`, which provides the audio")
        if source.sample_rate != self.sample_rate:
            raise ConfigError(f"{name} needs audio at {self.sample_rate} Hz, got an AudioSource at "
                              f"{source.sample_rate} Hz", hint=f"build the AudioSource with sample_rate={self.sample_rate}")
        return source

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

    # -- the estimator ------------------------------------------------------------------

    def fit(self, X, y, X_val=None, y_val=None):
        from fakebench.api import train_batches

        augment = self._check()
        torch.manual_seed(int(self.random_state))
        source = self._source(X, self.name)
        net = self._build()
        self._init_weights(net)
        self.net_ = net.to(self.device)
        gen = torch.Generator().manual_seed(int(self.random_state) + 1)
        bs = int(self.batch_size)

        def batches(order, train):
            return self._batches(source, order, bs, augment if train else (), gen)

        val = None
        if X_val is not None and len(X_val):
            vsource = self._source(X_val, self.name)
            val = (torch.as_tensor(np.asarray(y_val), dtype=torch.int64),
                   lambda: self._batches(vsource, range(len(vsource)), bs))
        bce = torch.nn.BCEWithLogitsLoss()
        opt = torch.optim.Adam(self.net_.parameters(), lr=float(self.lr), weight_decay=float(self.weight_decay))
        res = train_batches(self.net_, torch.as_tensor(np.asarray(y), dtype=torch.int64), batches,
                            epochs=int(self.epochs), batch_size=bs, optimizer=opt,
                            loss_fn=lambda out, yb: bce(out.reshape(-1), yb.float()),
                            score_fn=lambda out: out.reshape(-1), seed=int(self.random_state), balance=self.balance,
                            checkpoint_every=int(self.checkpoint_every), val=val)
        self.history_ = res.history
        self.best_epoch_ = res.best_epoch
        self.threshold_ = 0.0
        return self

    def decision_function(self, X) -> np.ndarray:
        source = self._source(X, self.name)
        out = np.zeros(len(source), dtype=np.float64)
        self.net_.eval()
        with torch.inference_mode():
            for img, idx in self._batches(source, range(len(source)), int(self.batch_size)):
                out[idx.numpy()] = self.net_(img).reshape(-1).double().cpu().numpy()
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
