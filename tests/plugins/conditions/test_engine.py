"""The condition engine (``fakebench.conditions``): spec parsing and its errors, presets,
per-clip seeding, the output checks of ``apply_condition``, third-party conditions,
timing."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import fakebench
from fakebench import conditions as K
from fakebench.api import Condition
from fakebench.errors import AudioError, ConfigError, UnknownPluginError
from fakebench.registry import Registry, get_plugin_manager


@pytest.fixture(scope="module")
def registry():
    return Registry()


# -- parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, spec, params", [
    ("mp3:32k", "mp3:bitrate=32000", {"bitrate": 32000}),
    ("mp3:bitrate=32kbps", "mp3:bitrate=32000", {"bitrate": 32000}),
    ("amr-nb:bitrate=12.2k", "amr-nb", {"bitrate": 12200}),
    ("amr-nb:4.75k", "amr-nb:bitrate=4750", {"bitrate": 4750}),
    ("opus:16k:application=voip", "opus:application=voip:bitrate=16000", {"bitrate": 16000, "application": "voip"}),
    ("noise:snr=10:color=pink", "noise:color=pink", {"snr": 10.0, "color": "pink"}),
    ("noise:-5dB", "noise:snr=-5.0", {"snr": -5.0}),
    ("reverb:rt60=0.6:room=6x5x3", "reverb", {"rt60": 0.6, "room": (6.0, 5.0, 3.0)}),
    ("reverb:0.9:room=10X8x4.5", "reverb:room=10.0x8.0x4.5:rt60=0.9", {"rt60": 0.9, "room": (10.0, 8.0, 4.5)}),
    ("resample:rate=8kHz", "resample", {"rate": 8000}),
    ("packetloss:rate=0.1:frame_ms=20ms", "packetloss", {"rate": 0.1, "frame_ms": 20.0}),
    ("amr-nb:dtx=true", "amr-nb:dtx=True", {"dtx": True}),
    ("g711:alaw", "g711:law=alaw", {"law": "alaw"}),
    ("clip:db=-6", "clip:db=-6.0", {"db": -6.0}),
])
def test_specs_parse_to_typed_parameters_and_a_canonical_spec(text, spec, params, registry):
    cond = K.parse_condition(text, registry)
    assert cond.spec() == spec
    for key, value in params.items():
        assert getattr(cond, key) == value and type(getattr(cond, key)) is type(value)
    assert K.parse_condition(cond.spec(), registry).spec() == spec  # canonical specs parse back


def test_a_list_keeps_order_and_drops_duplicates(registry):
    conds = K.parse_conditions("clean,mp3:32k,opus:16k,telephone,noise:snr=10,reverb:rt60=0.6,mp3:bitrate=32000",
                               registry)
    assert [c.spec() for c in conds] == ["clean", "mp3:bitrate=32000", "opus:bitrate=16000", "telephone", "noise",
                                         "reverb"]


def test_chains_apply_left_to_right(registry, clip16):
    chain = K.parse_condition("mp3:96k+aac:24k", registry)
    assert isinstance(chain, K.Chain) and chain.spec() == "mp3:bitrate=96000+aac:bitrate=24000"
    assert not chain.random and K.parse_condition("g711+packetloss:0.1", registry).random
    x, sr = clip16
    by_hand = K.parse_condition("aac:24k", registry).apply(K.parse_condition("mp3:96k", registry).apply(x, sr, None),
                                                          sr, None)
    assert np.array_equal(K.apply_condition(x, sr, chain, "c", 0), by_hand)


def test_path_values_may_hold_separators(registry, tmp_path):
    folder = tmp_path / "noise,a+b"
    folder.mkdir()
    conds = K.parse_conditions(f"noise:snr=5:folder={folder},clean", registry)
    assert [c.name for c in conds] == ["noise", "clean"] and conds[0].folder == str(folder)
    chain = K.parse_condition(f"noise:folder={folder}+gain:-3", registry)
    assert chain.parts[0].folder == str(folder) and chain.parts[1].db == -3.0
    windows = K.parse_condition(r"reverb:rir=C:\rirs\room1", registry)
    assert windows.rir == r"C:\rirs\room1"


@pytest.mark.parametrize("text, error, words", [
    ("mp4:32k", UnknownPluginError, ["unknown condition 'mp4'", "did you mean 'mp3'"]),
    ("telefone", UnknownPluginError, ["did you mean 'telephone'"]),
    ("noise:snr=abc", ConfigError, ["condition 'noise'", "parameter 'snr'", "'abc'"]),
    ("reverb:room=6y5", ConfigError, ["condition 'reverb'", "parameter 'room'"]),
    ("bitdepth:bits=8.5", ConfigError, ["condition 'bitdepth'", "'bits'", "integer"]),
    ("amr-nb:dtx=maybe", ConfigError, ["condition 'amr-nb'", "'dtx'"]),
    ("noise:snrr=3", ConfigError, ["noise", "snrr", "'snr'"]),
    ("clean:3", ConfigError, ["'clean' takes no bare value"]),
    ("noise:snr=3:snr=4", ConfigError, ["given twice"]),
    ("opus:16k:voip", ConfigError, ["not key=value"]),
    ("noise:color=purple", ConfigError, ["noise: parameter color='purple'", "white, pink, brown"]),
    ("packetloss:rate=1.5", ConfigError, ["packetloss: parameter rate=1.5", "[0, 1)"]),
    ("clean,,mp3", ConfigError, ["empty condition"]),
    ("", ConfigError, ["no condition"]),
])
def test_bad_specs_name_the_condition_and_the_parameter(text, error, words, registry):
    with pytest.raises(error) as e:
        K.parse_conditions(text, registry)
    assert isinstance(e.value, fakebench.errors.FakebenchError)
    for w in words:
        assert w in str(e.value), f"{w!r} not in {str(e.value)!r}"


# -- presets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(K.CONDITION_SETS))
def test_every_preset_parses_and_loads(name, registry):
    conds = K.resolve_conditions(preset=name, registry=registry, load=True)
    assert conds[0].spec() == "clean" and len(conds) >= 4
    assert len({c.spec() for c in conds}) == len(conds)


def test_asvspoof21_like_covers_la_and_df(registry):
    specs = {c.spec() for c in K.resolve_conditions(preset="asvspoof21-like", registry=registry)}
    expected = {K.parse_condition(s, registry).spec() for s, _ in K.ASVSPOOF21.values()}
    assert specs == expected
    assert {k for k in K.ASVSPOOF21} == {f"LA-C{i}" for i in range(1, 8)} | {f"DF-C{i}" for i in range(1, 10)}


def test_preset_and_explicit_conditions_combine(registry):
    conds = K.resolve_conditions("mp3:32k,gain:-6", "noise", registry)
    specs = [c.spec() for c in conds]
    assert specs[:2] == ["clean", "noise:snr=20.0"] and specs[-1] == "gain" and specs.count("mp3:bitrate=32000") == 1
    assert K.resolve_conditions(None, None, registry) == []
    with pytest.raises(ConfigError, match="did you mean 'codecs'"):
        K.resolve_conditions(preset="codec", registry=registry)


# -- seeding ---------------------------------------------------------------------------------------


def _draw(clip: str, spec: str, seed: int) -> list[int]:
    return K.condition_rng(clip, spec, seed).integers(0, 2**62, size=4).tolist()


def test_condition_rng_is_stable_across_processes_and_orders():
    here = _draw("sha256:abc", "noise:snr=5.0", 3)
    code = ("from fakebench.conditions import condition_rng; "
            "print(condition_rng('sha256:abc', 'noise:snr=5.0', 3).integers(0, 2**62, size=4).tolist())")
    for hashseed in ("0", "12345"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": hashseed, "PATH": ""})
        assert out.stdout.strip() == str(here)
    other = _draw("sha256:def", "noise:snr=5.0", 3)  # drawing another clip first changes nothing
    assert _draw("sha256:abc", "noise:snr=5.0", 3) == here and other != here
    assert _draw("sha256:abc", "noise:snr=6.0", 3) != here
    assert _draw("sha256:abc", "noise:snr=5.0", 4) != here


def test_non_random_conditions_ignore_the_seed(registry, clip16):
    x, sr = clip16
    mp3, noise = K.parse_condition("mp3:32k", registry), K.parse_condition("noise:10", registry)
    assert np.array_equal(K.apply_condition(x, sr, mp3, "c", 0), K.apply_condition(x, sr, mp3, "c", 7))
    assert K.condition_key(mp3, 0) == K.condition_key(mp3, 7) == "mp3:bitrate=32000@v1"
    assert K.condition_key(noise, 0) != K.condition_key(noise, 7)
    assert K.effective_seed(mp3, 7) == 0 and K.effective_seed(noise, 7) == 7


# -- apply_condition's checks, with small third-party conditions -----------------------------------------


class _Returns(Condition):
    """A test condition returning ``make(wave)``."""

    name = "returns"
    description = "test"

    def __init__(self, how: str = "same"):
        self.how = how

    def apply(self, wave, sample_rate, rng):
        n = wave.shape[0]
        return {
            "same": lambda: wave,
            "longer": lambda: np.concatenate([wave, np.ones(100, np.float32) * 0.5]),
            "shorter": lambda: wave[: n - 100],
            "much-shorter": lambda: wave[: n // 2],
            "nan": lambda: np.full(n, np.nan, np.float32),
            "loud": lambda: wave * 10.0,
            "float64": lambda: wave.astype(np.float64),
            "2d": lambda: wave[None, :],
            "mutates": lambda: np.multiply(wave, 0.0, out=wave),
        }[self.how]()


def test_apply_condition_fits_the_length(clip16):
    x, sr = clip16
    longer = K.apply_condition(x, sr, _Returns("longer"), "c", 0)
    assert longer.shape == x.shape and np.array_equal(longer, x)
    shorter = K.apply_condition(x, sr, _Returns("shorter"), "c", 0)
    assert shorter.shape == x.shape and not np.any(shorter[-100:])
    with pytest.raises(AudioError, match="changed the length"):
        K.apply_condition(x, sr, _Returns("much-shorter"), "c", 0)
    with pytest.raises(AudioError, match="shape"):
        K.apply_condition(x, sr, _Returns("2d"), "c", 0)


def test_apply_condition_refuses_non_finite_output(clip16):
    x, sr = clip16
    with pytest.raises(AudioError, match=r"condition 'returns:how=nan' produced NaN .* clip 'clip-7'"):
        K.apply_condition(x, sr, _Returns("nan"), "clip-7", 0)


def test_apply_condition_clips_counts_and_warns_once(clip16):
    x, sr = clip16
    K.reset_range_violations()
    cond = _Returns("loud")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(3):
            y = K.apply_condition(x, sr, cond, f"c{i}", 0)
    assert np.max(np.abs(y)) == 1.0 and y.dtype == np.float32
    assert K.range_violations() == {"returns:how=loud": 3}
    assert len([w for w in caught if "outside [-1, 1]" in str(w.message)]) == 1
    K.reset_range_violations()


def test_apply_condition_returns_float32_and_keeps_the_input(clip16):
    x, sr = clip16
    assert K.apply_condition(x, sr, _Returns("float64"), "c", 0).dtype == np.float32
    before = x.copy()
    K.apply_condition(x, sr, _Returns("mutates"), "c", 0)
    assert np.array_equal(x, before)
    assert K.apply_condition(np.zeros(0, np.float32), sr, _Returns("nan"), "c", 0).shape == (0,)


def test_a_third_party_condition_registers_through_the_hook(clip16):
    class Invert(Condition):
        """Polarity inversion (a test plugin)."""

        name = "invert"
        description = "flip the sign"

        def __init__(self, gain: float = 1.0):
            self.gain = gain

        def apply(self, wave, sample_rate, rng):
            return (-self.gain * wave).astype(np.float32)

    class Plugin:
        @staticmethod
        @fakebench.hookimpl
        def fakebench_register_conditions():
            return [Invert]

    reg = Registry(get_plugin_manager(autoload=False, extra=[Plugin]))
    conds = K.parse_conditions("clean,invert:gain=0.5", reg)
    x, sr = clip16
    assert np.allclose(K.apply_condition(x, sr, conds[1], "c", 0), -0.5 * x)
    from fakebench.testing.condition_checks import CONDITION_CHECKS

    for check in CONDITION_CHECKS:
        if check.__name__ != "check_condition_declares_metadata":  # its module is this test file
            check(lambda: Invert(gain=0.5))


# -- timing ----------------------------------------------------------------------------------------


def test_time_condition_reports_seconds_per_clip(registry):
    row = K.time_condition(K.parse_condition("gain:-6", registry), repeats=2)
    assert row["spec"] == "gain" and 0 < row["min_s"] <= row["mean_s"] < 1.0 and row["first_s"] > 0
    assert row["rtf"] == pytest.approx(row["mean_s"] / 4.0)
