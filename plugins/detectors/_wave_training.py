"""Training helpers of the raw-waveform detectors (``rawnet2``, ``lcnn``, ``aasist``).

* :func:`with_augment` wraps a ``batches(order, train)`` function of
  :func:`fakebench.training.train_batches` so that training batches (never validation or
  scoring ones) go through ``fakebench.api.make_augment(spec)`` (RawBoost...), one clip at
  a time, with a NumPy generator seeded from the run's ``random_state``: the draws follow
  the batch order, so a CPU run is reproducible.
* :func:`padded_batches` decodes clips (whole, or cropped by the source's ``crop:N``
  policy) and zero-pads each batch to its longest clip
  (PyTorch's ``pad_sequence``), also returning the lengths; with ``block_shuffle`` the
  order is first regrouped as the NII scripts' ``block_shuffle_by_length`` sampler does
  (sort by length, shuffle inside blocks of 4 batches, shuffle the blocks).
* :class:`SWA` and :func:`bn_update`: stochastic weight averaging as ``torchcontrib``'s
  ``SWA`` optimizer wrapper in manual mode (``update_swa``, ``swap_swa_sgd``,
  ``bn_update``), which AASIST's official ``main.py`` uses.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import torch

#: Added to ``random_state`` for the augmentation generator, so it never shares a stream
#: with the torch generators of the same run.
AUGMENT_STREAM = 0x5EED


def make_batch_augment(spec, sample_rate: int, seed: int):
    """``fn(waves, lengths=None) -> waves`` applying ``spec`` to each row (its first
    ``lengths[i]`` samples), or None for no augmentation."""
    from fakebench.api import make_augment

    augment = make_augment("none" if spec is None else spec, sample_rate)
    if getattr(augment, "spec", "none") == "none":
        return None
    rng = np.random.default_rng([int(seed), AUGMENT_STREAM])

    def apply(waves: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        host = waves.detach().to("cpu", torch.float32).numpy().copy()
        for i in range(host.shape[0]):
            n = host.shape[1] if lengths is None else int(lengths[i])
            host[i, :n] = augment(host[i, :n], rng)
        return torch.from_numpy(host).to(waves.device, waves.dtype)

    return apply


def with_augment(batches: Callable, spec, sample_rate: int, seed: int) -> Callable:
    """``batches(order, train)`` whose training batches are augmented (see the module
    docstring); ``batches`` itself when ``spec`` is none. Items are ``(waves, idx, ...)``;
    a third item, when present, holds the clips' lengths."""
    apply = make_batch_augment(spec, sample_rate, seed)
    if apply is None:
        return batches

    def augmented(order, train: bool):
        for item in batches(order, train):
            if train:
                lengths = item[2] if len(item) > 2 else None
                item = (apply(item[0], lengths), *item[1:])
            yield item

    return augmented


# -- whole clips in zero-padded batches ------------------------------------------------------


class _Whole(torch.utils.data.Dataset):
    def __init__(self, source):
        self.source = source

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, i: int):
        from fakebench.api import load_audio

        s = self.source  # its own length policy: full, or crop (variable lengths)
        return load_audio(s.clips[i].path, s.sample_rate, s.length, resampler=s.resampler), i


def _pad_collate(items):
    waves, idx = zip(*items)
    lengths = torch.tensor([w.shape[-1] for w in waves], dtype=torch.int64)
    out = torch.zeros(len(waves), int(lengths.max()))
    for i, w in enumerate(waves):
        out[i, : w.shape[-1]] = w
    return out, torch.tensor(idx, dtype=torch.int64), lengths


def clip_lengths(source) -> np.ndarray:
    """Samples of each clip at the source's rate after its length policy, from the file
    headers (decoding a clip only when its header cannot be read)."""
    import soundfile as sf

    from fakebench.api import load_audio

    out = np.zeros(len(source), dtype=np.int64)
    for i, clip in enumerate(source.clips):
        try:
            info = sf.info(str(clip.path))
            out[i] = int(math.ceil(info.frames * source.sample_rate / info.samplerate))
        except Exception:  # a format soundfile cannot describe: decode it
            out[i] = int(load_audio(clip.path, source.sample_rate, None, resampler=source.resampler).shape[-1])
    target = source.length.target_samples(source.sample_rate)
    if target is not None:
        out = np.full_like(out, target) if source.length.mode != "crop" else np.minimum(out, target)
    return out


def block_shuffle(order: Sequence[int], lengths: np.ndarray, batch_size: int, generator: torch.Generator) -> list[int]:
    """``order`` sorted by clip length, shuffled inside blocks of ``4 * batch_size``, then
    the blocks shuffled: batches of similar lengths in a random order."""
    order = [int(i) for i in order]
    ranked = [order[j] for j in np.argsort(lengths[order], kind="stable")]
    block = 4 * int(batch_size)
    blocks = []
    for s in range(0, len(ranked), block):
        chunk = ranked[s:s + block]
        perm = torch.randperm(len(chunk), generator=generator).tolist()
        blocks.append([chunk[p] for p in perm])
    return [i for b in (blocks[p] for p in torch.randperm(len(blocks), generator=generator).tolist()) for i in b]


def padded_batches(source, order: Sequence[int], batch_size: int, device, *,
                   num_workers: int | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Yield ``(waves, idx, lengths)`` over ``order``: whole clips, ``batch_size`` at a time,
    zero-padded at the end to the longest clip of the batch."""
    import os

    order = [int(i) for i in order]
    if not order:
        return
    chunks = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if num_workers is None:
        num_workers = 0 if len(order) <= 2 * batch_size else max(0, min(4, (os.cpu_count() or 1) - 1))
    loader = torch.utils.data.DataLoader(_Whole(source), batch_sampler=chunks, num_workers=int(num_workers),
                                         collate_fn=_pad_collate)
    for waves, idx, lengths in loader:
        yield waves.to(device, non_blocking=True), idx, lengths


# -- stochastic weight averaging -------------------------------------------------------------


class SWA:
    """Running average of a module's parameters over snapshots (``torchcontrib.optim.SWA``
    in manual mode): ``update(module)`` is ``update_swa()``, the ``n``-th snapshot moving
    the average by ``(p - avg) / n``; ``apply(module)`` is ``swap_swa_sgd()``, copying the
    average into the parameters. Only parameters are averaged, never buffers."""

    def __init__(self):
        self.average: list[torch.Tensor] | None = None
        self.count = 0
        self.epochs: list[int] = []

    @torch.no_grad()
    def update(self, module: torch.nn.Module, epoch: int | None = None) -> None:
        params = [p.detach() for p in module.parameters()]
        with torch.inference_mode(False):
            if self.average is None:
                self.average = [torch.zeros_like(p, device="cpu", dtype=torch.float64) for p in params]
            for avg, p in zip(self.average, params):
                avg.add_((p.to("cpu", torch.float64) - avg) / float(self.count + 1))
        self.count += 1
        if epoch is not None:
            self.epochs.append(int(epoch))

    @torch.no_grad()
    def apply(self, module: torch.nn.Module) -> None:
        if self.average is None:
            return
        for p, avg in zip(module.parameters(), self.average):
            p.copy_(avg.to(p.device, p.dtype))


def _batch_norms(module: torch.nn.Module) -> list[torch.nn.modules.batchnorm._BatchNorm]:
    return [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


@torch.no_grad()
def bn_update(module: torch.nn.Module, batches: Iterable, forward: Callable | None = None) -> int:
    """Recompute every batch norm's running statistics with one pass over ``batches``
    (items ``(x, ...)``) in training mode, as ``torchcontrib``'s ``SWA.bn_update``: the
    statistics are reset (mean 0, variance 1), then each batch of size ``b`` after ``n``
    samples moves them with momentum ``b / (n + b)``, which makes them the sample-weighted
    mean of the per-batch statistics. Returns the number of samples seen."""
    norms = _batch_norms(module)
    if not norms:
        return 0
    forward = forward or (lambda m, x: m(x))
    was_training = module.training
    momenta = {m: m.momentum for m in norms}
    for m in norms:
        m.running_mean = torch.zeros_like(m.running_mean)
        m.running_var = torch.ones_like(m.running_var)
    module.train()
    n = 0
    for item in batches:
        x = item[0]
        b = int(x.shape[0])
        for m in norms:
            m.momentum = b / float(n + b)
        forward(module, x)
        n += b
    for m, mom in momenta.items():
        m.momentum = mom
    module.train(was_training)
    return n
