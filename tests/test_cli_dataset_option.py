"""``info``, ``prepare`` and ``download`` take the dataset as an argument or as
``--dataset``/``-D``, the way ``run`` spells it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fakebench.cli import main

pytestmark = [pytest.mark.shared]


@pytest.fixture
def manifest(shared):
    return str(shared / "data" / "speech" / "manifest.csv")


@pytest.mark.parametrize("form", [["manifest"], ["--dataset", "manifest"], ["-D", "manifest"],
                                  ["manifest", "--dataset", "manifest"]])
def test_info_takes_both_forms(form, manifest):
    r = CliRunner().invoke(main, ["info", *form, "--data-root", manifest, "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["dataset"] == "manifest" and sum(s["n"] for s in summary["splits"].values()) == 175


def test_prepare_takes_dataset_option(manifest):
    r = CliRunner().invoke(main, ["prepare", "--dataset", "manifest", "--data-root", manifest, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["dataset"] == "manifest"


def test_download_takes_dataset_option(tmp_path):
    r = CliRunner().invoke(main, ["download", "--dataset", "manifest", "--data-root", str(tmp_path)])
    assert r.exit_code == 2 and "No such option" not in r.output
    assert "manifest cannot be downloaded automatically" in r.output


@pytest.mark.parametrize("command", ["info", "prepare", "download"])
def test_one_dataset_must_be_named(command):
    r = CliRunner().invoke(main, [command])
    assert r.exit_code == 2 and "Missing argument 'DATASET' (or --dataset DATASET)" in r.output
    r = CliRunner().invoke(main, [command, "manifest", "--dataset", "foley-demo"])
    assert r.exit_code == 2 and "two datasets given" in r.output
