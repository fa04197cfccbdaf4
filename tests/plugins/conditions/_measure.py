"""Measurements shared by the condition tests: cross-correlation lag, a stream's bitrate,
band energies, SNR, and the Schroeder T20 decay time."""

from __future__ import annotations

import io

import numpy as np


def lag_of(x: np.ndarray, y: np.ndarray, max_lag: int = 4000) -> tuple[int, float]:
    """Lag (samples) of the cross-correlation peak of y against x, and the normalised
    correlation there."""
    from scipy.signal import correlate, correlation_lags

    corr = correlate(y.astype(np.float64), x.astype(np.float64), mode="full", method="fft")
    lags = correlation_lags(len(y), len(x), mode="full")
    keep = np.abs(lags) <= max_lag
    i = int(np.argmax(corr[keep]))
    return int(lags[keep][i]), float(corr[keep][i] / np.sqrt(np.sum(x.astype(float) ** 2) * np.sum(y.astype(float) ** 2)))


def stream_bitrate(data: bytes) -> tuple[float, int, int, str]:
    """(audio bitrate from packet sizes over the decoded duration, the stream's declared
    bit_rate, its sample rate, the codec name), read back with PyAV."""
    import av

    with av.open(io.BytesIO(data)) as f:
        s = f.streams.audio[0]
        declared, rate, codec = s.bit_rate, s.codec_context.sample_rate, s.codec_context.name
        payload, samples = 0, 0
        for packet in f.demux(s):
            payload += packet.size
            for frame in packet.decode():
                samples += frame.samples
    return payload * 8 / (samples / rate), declared, rate, codec


def band_energy(x: np.ndarray, sr: int, lo: float, hi: float) -> float:
    """Energy between lo and hi Hz from an STFT (32-ms Blackman-Harris frames: -92 dB side
    lobes, so strong components just below 4 kHz do not leak into the bins above)."""
    from scipy.signal import stft

    f, _, z = stft(x.astype(np.float64), fs=sr, window="blackmanharris", nperseg=int(0.032 * sr))
    keep = (f >= lo) & (f < hi)
    return float(np.sum(np.abs(z[keep]) ** 2))


def db(a: float, b: float) -> float:
    return float(10 * np.log10(a / b))


def snr(reference: np.ndarray, test: np.ndarray) -> float:
    reference, test = reference.astype(np.float64), test.astype(np.float64)
    return float(10 * np.log10(np.sum(reference ** 2) / np.sum((reference - test) ** 2)))


def measured_snr(clean: np.ndarray, noisy: np.ndarray) -> float:
    """SNR (dB) of ``noisy`` against ``clean`` on whole-clip powers: the noise is what the
    condition added, ``noisy - clean``. When the mixture was scaled down as a whole to
    stay within [-1, 1] (its peak is then exactly 1), the clean part's gain is first
    estimated by least squares (biased by the speech-noise cross term, a few 0.01 dB)."""
    x, y = clean.astype(np.float64), noisy.astype(np.float64)
    g = 1.0 if np.max(np.abs(y)) < 1.0 else float(np.dot(x, y) / np.dot(x, x))
    noise = y / g - x
    return float(10 * np.log10(np.mean(x * x) / np.mean(noise * noise)))


def schroeder_t20(h: np.ndarray, sr: int) -> float:
    """T20 (s): the Schroeder backward-integrated energy decay curve, a least-squares line
    through its -5 to -25 dB part, extrapolated to 60 dB (ISO 3382)."""
    energy = np.cumsum((h.astype(np.float64) ** 2)[::-1])[::-1]
    edc = 10 * np.log10(energy / energy[0] + 1e-300)
    i5, i25 = int(np.argmax(edc <= -5.0)), int(np.argmax(edc <= -25.0))
    t = np.arange(len(h)) / sr
    slope = np.polyfit(t[i5:i25], edc[i5:i25], 1)[0]
    return float(-60.0 / slope)
