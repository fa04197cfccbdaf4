"""Train-time waveform augmentation: RawBoost (Tak et al., ICASSP 2022).

Paper: H. Tak, M. Kamble, J. Patino, M. Todisco and N. Evans, "RawBoost: A Raw Data
Boosting and Augmentation Method applied to Automatic Speaker Verification
Anti-Spoofing", ICASSP 2022 (arXiv:2111.04433). Reference code:
https://github.com/TakHemlata/RawBoost-antispoofing (MIT; ``RawBoost.py`` and the
``--algo`` options of ``main.py``). This module is written for fakebench with NumPy and
SciPy from the paper and the reference code's maths and defaults; nothing is copied.

The one entry point is :func:`make_augment` (re-exported as
``fakebench.api.make_augment``)::

    augment = make_augment("rawboost:3", sample_rate=16000)
    noisy = augment(wave, rng)   # wave: float32 (samples,), rng: np.random.Generator

The returned callable keeps the length and dtype, returns finite values for finite
input, and draws every random number from ``rng``: the same generator state gives the
same output. ``spec`` is ``"none"`` (the identity) or ``"rawboost:N"``, N the algorithm
number of the reference ``main.py``:

==  ===========================================================================
0   no augmentation (the same as ``"none"``)
1   linear and non-linear convolutive noise (LnL)
2   impulsive signal-dependent additive noise (ISD)
3   stationary signal-independent additive noise (SSI)
4   series 1 -> 2 -> 3
5   series 1 -> 2
6   series 1 -> 3
7   series 2 -> 3
8   parallel 1 || 2: LnL(x) + ISD(x), then scaled down to a peak of 1 if above it
==  ===========================================================================

The three noises (parameters in :class:`RawBoostParams`, defaults those of the reference
``main.py``):

* **LnL** sums ``N_f`` = 5 branches; branch ``i`` (1-based) filters ``x**i`` with a random
  cascade of ``nBands`` = 5 band-stop FIR filters (centre uniform in [``minF``, ``maxF``]
  = [20, 8000] Hz, width uniform in [``minBW``, ``maxBW``] = [100, 1000] Hz, an odd
  number of Hamming-windowed taps drawn in [``minCoeff``, ``maxCoeff``] = [10, 100])
  scaled to a peak magnitude response of ``G`` dB, ``G`` uniform in [``minG``, ``maxG``]
  = [0, 0]; from the second branch on the gain range is lowered by
  [``minBiasLinNonLin``, ``maxBiasLinNonLin``] = [5, 20] dB. The sum has its mean
  removed and is scaled down to a peak of 1 if above it.
* **ISD** picks a random ``beta`` in [0, ``P``] = [0, 10] %, and adds to that share of
  randomly chosen samples ``g_sd * x * u1 * u2`` (``g_sd`` = 2, ``u1``, ``u2`` uniform in
  [-1, 1]); then the peak rule above.
* **SSI** filters white Gaussian noise with a random band-stop cascade (as in LnL, gain
  ``G``), scales it to an SNR uniform in [``SNRmin``, ``SNRmax``] = [10, 40] dB with
  respect to the whole input and adds it.

FIR filtering delays nothing: the filter's output is read from half its length on
(``lfilter`` over the signal padded with ``len(b) + 1`` zeros), as the reference does.

Random draws come in the reference's order (per filter: centre, width, taps; then the
gain; ISD: ``beta``, the sample positions, the two uniforms; SSI: the noise first), with
``uniform``, ``permutation``, ``random`` and ``normal``. A legacy
``np.random.RandomState(seed)`` passed as ``rng`` therefore reproduces the reference code
run after ``np.random.seed(seed)`` (that is how the tests compare the two); a
``np.random.Generator`` gives a different, equally valid stream.

Two guards the reference does not need on its data but a harness does: a peak
normalisation of an all-zero signal leaves it at zero (instead of 0/0), and the SSI
noise of a silent input is zero. In fakebench's detectors the augmentation applies to
each training window after cropping (the reference applies it to the whole utterance
before cropping to 64,600 samples).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Callable

import numpy as np

from .errors import ConfigError

#: Algorithm numbers of the reference ``main.py`` (``--algo``) and what they run.
ALGORITHMS: dict[int, str] = {
    0: "none",
    1: "LnL convolutive noise",
    2: "ISD impulsive signal-dependent additive noise",
    3: "SSI stationary signal-independent additive noise",
    4: "series LnL -> ISD -> SSI",
    5: "series LnL -> ISD",
    6: "series LnL -> SSI",
    7: "series ISD -> SSI",
    8: "parallel LnL || ISD",
}

Augment = Callable[[np.ndarray, Any], np.ndarray]


@dataclass(frozen=True)
class RawBoostParams:
    """RawBoost's parameters; the defaults are those of the reference ``main.py``."""

    # LnL convolutive noise (the band-stop filters are shared with SSI)
    nBands: int = 5
    minF: float = 20.0
    maxF: float = 8000.0
    minBW: float = 100.0
    maxBW: float = 1000.0
    minCoeff: int = 10
    maxCoeff: int = 100
    minG: float = 0.0
    maxG: float = 0.0
    minBiasLinNonLin: float = 5.0
    maxBiasLinNonLin: float = 20.0
    N_f: int = 5
    # ISD impulsive noise
    P: float = 10.0
    g_sd: float = 2.0
    # SSI coloured additive noise
    SNRmin: float = 10.0
    SNRmax: float = 40.0


DEFAULTS = RawBoostParams()


# -- building blocks ---------------------------------------------------------------------


def _uniform(rng, low: float, high: float) -> float:
    """One draw ``low + (high - low) u``, ``u`` uniform in [0, 1): NumPy's ``uniform``
    formula, kept because the reference's gain range of the non-linear LnL branches
    has ``low > high`` (-5 and -20 dB), which ``Generator.uniform`` refuses."""
    return float(low + (high - low) * rng.random(1)[0])


def peak_normalise(x: np.ndarray, always: bool) -> np.ndarray:
    """Divide by the peak magnitude: always, or only when it exceeds 1. A zero signal is
    returned unchanged."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak > 0.0 and (always or peak > 1.0):
        return x / peak
    return x


def band_stop_cascade(rng, sample_rate: int, p: RawBoostParams, min_gain: float, max_gain: float) -> np.ndarray:
    """FIR coefficients of ``p.nBands`` random band-stop filters in cascade, scaled so the
    peak of the magnitude response is ``G`` dB, ``G`` uniform in [min_gain, max_gain]."""
    from scipy import signal

    nyquist = sample_rate / 2.0
    b = np.ones(1)
    for _ in range(int(p.nBands)):
        centre = _uniform(rng, p.minF, p.maxF)
        width = _uniform(rng, p.minBW, p.maxBW)
        taps = int(_uniform(rng, p.minCoeff, p.maxCoeff))
        if taps % 2 == 0:  # a band-stop FIR needs an odd number of taps
            taps += 1
        low, high = centre - width / 2.0, centre + width / 2.0
        if low <= 0:
            low = 1e-3
        if high >= nyquist:
            high = nyquist - 1e-3
        b = np.convolve(signal.firwin(taps, [low, high], window="hamming", fs=sample_rate), b)
    gain_db = _uniform(rng, min_gain, max_gain)
    _, h = signal.freqz(b, 1, fs=sample_rate)
    return 10.0 ** (gain_db / 20.0) * b / np.max(np.abs(h))


def fir_filter(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x`` filtered by ``b`` without delay: the output of ``lfilter`` on ``x`` padded with
    ``len(b) + 1`` zeros, read from half that padding on; same length as ``x``."""
    from scipy import signal

    n = b.shape[0] + 1
    y = signal.lfilter(b, 1, np.pad(x, (0, n), mode="constant"))
    return y[int(n / 2): int(y.shape[0] - n / 2)]


def lnl_convolutive(x: np.ndarray, rng, sample_rate: int, p: RawBoostParams = DEFAULTS) -> np.ndarray:
    """Algorithm 1: linear and non-linear convolutive noise."""
    y = np.zeros(x.shape[0])
    min_g, max_g = p.minG, p.maxG
    for i in range(int(p.N_f)):
        if i == 1:  # the non-linear branches are quieter than the linear one
            min_g, max_g = min_g - p.minBiasLinNonLin, max_g - p.maxBiasLinNonLin
        b = band_stop_cascade(rng, sample_rate, p, min_g, max_g)
        y = y + fir_filter(np.power(x, i + 1), b)
    y = y - np.mean(y)
    return peak_normalise(y, always=False)


def isd_additive(x: np.ndarray, rng, p: RawBoostParams = DEFAULTS) -> np.ndarray:
    """Algorithm 2: impulsive signal-dependent additive noise on up to ``P`` % of samples."""
    beta = _uniform(rng, 0.0, p.P)
    y = np.array(x, dtype=np.float64, copy=True)
    n = x.shape[0]
    pos = rng.permutation(n)[: int(n * (beta / 100.0))]
    u = (2.0 * rng.random(pos.shape[0]) - 1.0) * (2.0 * rng.random(pos.shape[0]) - 1.0)
    y[pos] = x[pos] + p.g_sd * x[pos] * u
    return peak_normalise(y, always=False)


def ssi_additive(x: np.ndarray, rng, sample_rate: int, p: RawBoostParams = DEFAULTS) -> np.ndarray:
    """Algorithm 3: stationary coloured noise at an SNR in [``SNRmin``, ``SNRmax``] dB."""
    noise = rng.normal(0.0, 1.0, x.shape[0])
    noise = fir_filter(noise, band_stop_cascade(rng, sample_rate, p, p.minG, p.maxG))
    noise = peak_normalise(noise, always=True)
    snr_db = _uniform(rng, p.SNRmin, p.SNRmax)
    noise_norm = float(np.linalg.norm(noise, 2))
    if noise_norm == 0.0:
        return np.asarray(x, dtype=np.float64)
    noise = noise / noise_norm * float(np.linalg.norm(x, 2)) / 10.0 ** (0.05 * snr_db)
    return x + noise


def rawboost(x: np.ndarray, algo: int, rng, sample_rate: int, p: RawBoostParams = DEFAULTS) -> np.ndarray:
    """RawBoost algorithm ``algo`` (0-8, see the module docstring) on a 1-D waveform;
    computed in float64, returned as float64."""
    x = np.asarray(x, dtype=np.float64)
    if algo == 1:
        return lnl_convolutive(x, rng, sample_rate, p)
    if algo == 2:
        return isd_additive(x, rng, p)
    if algo == 3:
        return ssi_additive(x, rng, sample_rate, p)
    if algo == 4:
        return ssi_additive(isd_additive(lnl_convolutive(x, rng, sample_rate, p), rng, p), rng, sample_rate, p)
    if algo == 5:
        return isd_additive(lnl_convolutive(x, rng, sample_rate, p), rng, p)
    if algo == 6:
        return ssi_additive(lnl_convolutive(x, rng, sample_rate, p), rng, sample_rate, p)
    if algo == 7:
        return ssi_additive(isd_additive(x, rng, p), rng, sample_rate, p)
    if algo == 8:
        return peak_normalise(lnl_convolutive(x, rng, sample_rate, p) + isd_additive(x, rng, p), always=False)
    if algo == 0:
        return x
    raise ConfigError(f"unknown RawBoost algorithm {algo!r}", hint="use 1 to 8 (0 = none)")


# -- the contract ------------------------------------------------------------------------

_SPEC_HINT = ("use none or rawboost:N with N from 1 to 8 (1 LnL convolutive, 2 ISD impulsive, 3 SSI coloured "
              "additive, 4 = 1+2+3, 5 = 1+2, 6 = 1+3, 7 = 2+3, 8 = 1||2)")


def parse_spec(spec: str | None) -> int:
    """``"none"`` -> 0, ``"rawboost:N"`` -> N; a :class:`ConfigError` otherwise."""
    if spec is None:
        return 0
    if not isinstance(spec, str):
        raise ConfigError(f"augment must be text such as 'rawboost:3', not {spec!r}", hint=_SPEC_HINT)
    text = spec.strip().lower()
    if text in ("", "none"):
        return 0
    kind, sep, number = text.partition(":")
    if kind != "rawboost" or not sep:
        raise ConfigError(f"unknown augmentation {spec!r}", hint=_SPEC_HINT)
    try:
        algo = int(number)
    except ValueError:
        raise ConfigError(f"invalid augmentation {spec!r}: {number!r} is not an algorithm number",
                          hint=_SPEC_HINT) from None
    if algo not in ALGORITHMS:
        raise ConfigError(f"invalid augmentation {spec!r}: RawBoost has algorithms 1 to 8", hint=_SPEC_HINT)
    return algo


def make_augment(spec: str, sample_rate: int, params: RawBoostParams | None = None) -> Augment:
    """The augmentation ``spec`` (``"none"`` or ``"rawboost:N"``) at ``sample_rate`` Hz as
    ``augment(wave, rng) -> wave``: ``wave`` a 1-D float array (samples,), ``rng`` a
    ``np.random.Generator``; the result has the same length and dtype and is finite for
    finite input. ``params`` overrides RawBoost's defaults (:class:`RawBoostParams`)."""
    algo = parse_spec(spec)
    try:
        rate = int(sample_rate)
    except (TypeError, ValueError):
        raise ConfigError(f"sample_rate must be a positive integer, not {sample_rate!r}") from None
    if rate <= 0:
        raise ConfigError(f"sample_rate must be a positive integer, not {sample_rate!r}")
    p = params or DEFAULTS
    if algo == 0:
        def identity(wave: np.ndarray, rng=None) -> np.ndarray:
            return np.asarray(wave)

        identity.spec = "none"  # type: ignore[attr-defined]
        return identity

    def augment(wave: np.ndarray, rng) -> np.ndarray:
        wave = np.asarray(wave)
        if wave.ndim != 1:
            raise ValueError(f"RawBoost takes one waveform (samples,), got shape {wave.shape}")
        if wave.shape[0] == 0:
            return wave.copy()
        out = rawboost(wave, algo, rng, rate, p)
        out = np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
        return out.astype(wave.dtype if np.issubdtype(wave.dtype, np.floating) else np.float32, copy=False)

    augment.spec = f"rawboost:{algo}"  # type: ignore[attr-defined]
    return augment


def with_params(**overrides: Any) -> RawBoostParams:
    """:data:`DEFAULTS` with some fields replaced (``with_params(SNRmin=0, SNRmax=10)``)."""
    known = {f.name for f in fields(RawBoostParams)}
    bad = sorted(set(overrides) - known)
    if bad:
        raise ConfigError(f"unknown RawBoost parameter(s) {bad}", hint=f"known: {', '.join(sorted(known))}")
    return replace(DEFAULTS, **overrides)
