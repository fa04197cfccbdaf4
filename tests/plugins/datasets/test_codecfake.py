"""codecfake on a tiny Codecfake/ (label/*.txt, train/, dev/, test/<condition>/ and a top-level C7/)."""

import json
import shutil

import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.codecfake import Codecfake, speaker_language
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared
CONDITIONS = "C1,C2,C7,A1"


def _layout():
    return layouts.cached("codecfake")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: Codecfake(root=str(_layout().root), conditions=CONDITIONS, protocol="official"),
                         kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


@pytest.mark.parametrize("protocol", ["official", "eval-only"])
def test_clips_per_split(shared, protocol):
    lay = _layout()
    splits = Codecfake(root=str(lay.root), conditions=CONDITIONS, protocol=protocol).load()
    for split in ("train", "val", "eval"):
        want = lay.expected[split] if protocol == "official" or split == "eval" else {}
        got = {c.id: c for c in splits[split]}
        assert set(got) == set(want), split
        for cid, e in want.items():
            c = got[cid]
            assert (c.label, c.system, c.speaker, c.attrs) == (e["label"], e["system"], e["speaker"], e["attrs"]), cid
    c7 = [c for c in splits["eval"] if c.attrs["condition"] == "C7"]
    assert c7 and all(c.path.parent.name == "C7" and c.path.parent.parent.name == "Codecfake" for c in c7)


def test_speaker_language():
    assert speaker_language("F03_SSB00050001") == ("SSB0005", "zh")
    assert speaker_language("p228_028") == ("p228", "en")
    assert speaker_language("Y2ix2vJVgICk") == (None, None)


def test_default_conditions_need_c1_to_c7(shared):
    with pytest.raises(DatasetError, match=r"label file .*Codecfake/label/C3.txt' is missing"):
        Codecfake(root=str(_layout().root)).load()
    with pytest.raises(DatasetError, match="unknown condition"):
        Codecfake(root=str(_layout().root), conditions="C9").load()


@pytest.fixture
def copy(shared, tmp_path):
    root = tmp_path / "c"
    shutil.copytree(_layout().root, root)
    return root / "Codecfake"


def test_label_errors_and_header(copy):
    label = copy / "label" / "C2.txt"
    text = label.read_text()
    label.write_text("file label type\n" + text)  # a header line is skipped
    assert len(Codecfake(root=str(copy.parent), conditions="C2").load()["eval"]) == 4
    label.write_text(text + "F02_p999_001.wav spoof 2\n")
    with pytest.raises(DatasetError, match=r"label/C2.txt:5: unknown label 'spoof'"):
        Codecfake(root=str(copy.parent), conditions="C2").load()
    label.write_text(text)
    victim = text.splitlines()[1].split()[0]
    (copy / "test" / "C2" / victim).unlink()
    with pytest.raises(DatasetError, match=rf"label/C2.txt:2 lists .*test/C2/{victim}, which does not exist"):
        Codecfake(root=str(copy.parent), conditions="C2").load()
    shutil.rmtree(copy / "test" / "A1")
    with pytest.raises(DatasetError, match=r"audio folder of test condition A1 .*test/A1'\) is missing"):
        Codecfake(root=str(copy.parent), conditions="A1").load()


def test_cli_info(shared):
    r = invoke("info", "codecfake", "--data-root", _layout().root, "--set", f"conditions={CONDITIONS}")
    assert r.exit_code == 0, r.output
    assert "condition: A1 4, C1 4, C2 4, C7 4" in r.output and "language: en 8, zh 8" in r.output


@pytest.mark.weights
def test_cli_run_official(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--dataset", "codecfake", "--protocol", "official",
               "--set", f"conditions={CONDITIONS}", "--data-root", _layout().root,
               "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "res")
    assert r.exit_code == 0, r.output
    (rec,) = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert rec["dataset"]["counts"]["eval"]["n"] == 16 and "condition" in rec["breakdowns"]
