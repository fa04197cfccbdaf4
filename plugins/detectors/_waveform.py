"""What the audio-input detectors share (private: not a plugin).

* :func:`audio_source`: the ``AudioSource`` of ``X``, checked (one ConfigError naming the
  detector otherwise); used by every detector that reads audio.
* :class:`AudioDetector`: that check as ``_audio``, the decision threshold (``_calibrate``:
  the validation EER point, or a number), ``decision_function`` and the ``--weights
  random`` test; the base of :class:`WaveformDetector` and of the SSL detectors.
* :class:`WaveformDetector`: the estimator of the raw-waveform detectors with a released
  checkpoint (``aasist``, ``rawnet2``, ``lcnn``): ``fit`` (load the checkpoint
  ``pretrained`` names, train unless that is evaluation only, place the threshold),
  batched scoring and the saved state. A subclass gives ``_checkpoint()``, ``_new_net()``,
  ``_load_checkpoint(net)``, ``_train(...)`` and ``to_score``.
* :func:`checkpoint_choice`: the released checkpoint a ``pretrained`` value names.

Importing this module does not import torch (the plugins import it at module level).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fakebench.api import ConfigError, Detector

#: ``pretrained`` texts that mean "no checkpoint" (compared in lower case).
OFF = ("", "none", "false", "no")


def audio_source(X, name: str, sample_rate: int):
    """``X.audio``, an ``AudioSource`` at ``sample_rate``; one ConfigError otherwise."""
    source = getattr(X, "audio", None)
    if source is None:
        raise ConfigError(f"{name} reads audio: X must be a fakebench.inputs.Inputs with .audio",
                          hint=f"run it through `fakebench run --detector {name}`, which provides the audio")
    if source.sample_rate != sample_rate:
        raise ConfigError(f"{name} needs audio at {sample_rate} Hz, got an AudioSource at {source.sample_rate} Hz",
                          hint=f"build the AudioSource with sample_rate={sample_rate}")
    return source


def checkpoint_choice(pretrained, *, default: str, known, message: str, hint: str) -> str | None:
    """The released checkpoint ``pretrained`` names: None for none/false/no/empty (train
    from scratch), ``default`` for True, itself when it is in ``known``; otherwise one
    ConfigError with ``message`` (formatted with ``p``, the value) and ``hint``."""
    p = pretrained
    if p is None or p is False or (isinstance(p, str) and p.strip().lower() in OFF):
        return None
    if p is True:
        return default
    if p not in known:
        raise ConfigError(message.format(p=p), hint=hint)
    return p


class AudioDetector(Detector):
    """A detector of 16 kHz audio (``X.audio``) with a ``threshold`` parameter and a
    ``_scores(source)`` method."""

    inputs = ("audio",)
    sample_rate = 16000

    def _audio(self, X):
        return audio_source(X, self.name, self.sample_rate)

    def _is_random(self) -> bool:
        from fakebench.api import is_random

        return is_random(self.weights)

    def _calibrate(self, X_val, y_val) -> float:
        from fakebench.api import threshold_at_val_eer

        thr, self.val_scores_ = threshold_at_val_eer(self.name, self.threshold, lambda x: self._scores(self._audio(x)),
                                                     X_val, y_val)
        return thr

    def decision_function(self, X) -> np.ndarray:
        return self._scores(self._audio(X))


class WaveformDetector(AudioDetector):
    """The estimator of a raw-waveform detector with released checkpoints (see the module
    docstring). ``weights_info_`` records the loaded checkpoint (path, source, sha256)."""

    # -- hooks ----------------------------------------------------------------------------

    def _checkpoint(self) -> str | None:
        """The released checkpoint ``pretrained`` names, or None (train from scratch)."""
        raise NotImplementedError

    def _new_net(self):
        raise NotImplementedError

    def _load_checkpoint(self, net) -> dict:
        """Load the released checkpoint into ``net``; return where it came from."""
        raise NotImplementedError

    def _loads_checkpoint(self) -> bool:
        return bool(self._checkpoint()) and not self._is_random()

    def _start_fit(self) -> None:
        """Reset learned attributes of the subclass at the start of ``fit``."""

    def _eval_batch_size(self, source) -> int:
        return int(self.eval_batch_size)

    def _batch_scores(self, net, wave):
        """Scores (float64) of one batch of waveforms."""
        return self.to_score(net(wave)).double()

    def _state_extra(self) -> dict[str, Any]:
        """What ``get_state`` saves besides the network, best epoch and checkpoint sha256."""
        return {}

    def _saved_net(self, state: dict[str, Any]):
        """A fresh network for ``set_state`` to load ``state["net"]`` into."""
        return self._new_net()

    # -- the estimator --------------------------------------------------------------------

    def fit(self, X, y, X_val=None, y_val=None):
        import torch

        from fakebench.api import make_augment

        make_augment(self.augment, self.sample_rate)  # a bad spec fails before any work
        torch.manual_seed(int(self.random_state))
        source = self._audio(X)
        self.net_ = self._new_net().to(self.device)
        self.weights_info_ = None
        if self._loads_checkpoint():
            self.weights_info_ = self._load_checkpoint(self.net_)
            self.net_.to(self.device)
        self.history_, self.best_epoch_ = [], None
        self._start_fit()
        if not self._checkpoint() or self.finetune:  # else evaluation only
            self._train(source, np.asarray(y), X_val, y_val)
        self.threshold_ = self._calibrate(X_val, y_val)
        return self

    def _scores(self, source, net=None) -> np.ndarray:
        import torch

        from ._images import iter_audio

        net = net or self.net_
        out = np.zeros(len(source), dtype=np.float64)
        bs = self._eval_batch_size(source)
        net.eval()
        with torch.inference_mode():
            for wave, idx in iter_audio(source, range(len(source)), bs, self.device, num_workers=self.num_workers):
                out[idx.numpy()] = self._batch_scores(net, wave).cpu().numpy()
        return out

    def get_state(self):
        return {**self._state_extra(), "net": {k: v.detach().cpu() for k, v in self.net_.state_dict().items()},
                "best_epoch": self.best_epoch_, "weights_sha256": (self.weights_info_ or {}).get("sha256")}

    def set_state(self, state):
        net = self._saved_net(state)
        net.load_state_dict(state["net"], strict=True)
        self.net_ = net.to(self.device).eval()
        self.best_epoch_ = state.get("best_epoch")
        self.weights_info_ = {"sha256": state["weights_sha256"]} if state.get("weights_sha256") else None
        self.history_ = []
        return self
