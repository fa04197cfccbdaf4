"""Every registered condition passes the condition conformance checks, with its defaults
and, for the file-driven modes, with real files (speech as babble noise, simulated RIRs
written as WAV)."""

from __future__ import annotations

import numpy as np
import pytest

from fakebench.registry import Registry
from fakebench.testing.condition_checks import CONDITION_CHECKS, parametrize_with_condition_checks

CONDITIONS = Registry().table("conditions")


@pytest.mark.parametrize("name", sorted(CONDITIONS))
@pytest.mark.parametrize("check", CONDITION_CHECKS, ids=lambda c: c.__name__)
def test_condition_conformance(name, check):
    check(CONDITIONS[name])


def test_every_family_is_registered():
    expected = {"clean", "mp3", "aac", "opus", "vorbis", "telephone", "g711", "g722", "amr-nb", "gsm", "packetloss",
                "noise", "loudness", "reverb", "resample", "bitdepth", "gain", "clip"}
    assert expected <= set(CONDITIONS)


@pytest.fixture(scope="module")
def rir_folder(tmp_path_factory):
    """Two simulated impulse responses saved as 16 kHz WAV files."""
    import soundfile as sf
    from fakebench.plugins.conditions.reverb import Reverb

    folder = tmp_path_factory.mktemp("rirs")
    cond = Reverb(rt60=0.3, room=(4.0, 3.0, 2.5)).load()
    for i in range(2):
        h = cond.impulse_response(16000, np.random.default_rng(i))
        sf.write(folder / f"rir{i}.wav", (0.5 * h / np.max(np.abs(h))).astype(np.float32), 16000)
    return folder


@pytest.fixture(scope="module")
def babble_folder(shared):
    return shared / "data" / "speech" / "librispeech" / "real"


_FILE_CHECKS = [c for c in CONDITION_CHECKS if c.__name__ != "check_condition_missing_library_is_clear"]


@pytest.mark.parametrize("check", _FILE_CHECKS, ids=lambda c: c.__name__)
def test_noise_folder_conformance(check, babble_folder):
    from fakebench.plugins.conditions.noise import Noise

    check(lambda: Noise(snr=5.0, folder=str(babble_folder)))


@pytest.mark.parametrize("check", _FILE_CHECKS, ids=lambda c: c.__name__)
def test_reverb_rir_folder_conformance(check, rir_folder):
    from fakebench.plugins.conditions.reverb import Reverb

    check(lambda: Reverb(rir=str(rir_folder)))


def _chain():
    from fakebench.conditions import parse_condition

    return parse_condition("telephone+packetloss:0.1")


@parametrize_with_condition_checks(_chain, skip=("check_condition_declares_metadata",))
def test_chain_conformance(factory, check):
    check(factory)
