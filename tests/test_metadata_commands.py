"""Commands that only read metadata (``list``, ``info``, ``leaderboard``, ``results``) never
import torch: each runs in a fresh interpreter over a store of real records, and reports
whether ``torch`` (or ``pydantic``, for a leaderboard over records validated before) was
imported."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from fakebench.cli import main

PROBE = """
import json, sys
from fakebench.cli import main
try:
    main({args!r}, standalone_mode=False)
except SystemExit:
    pass
print("\\n" + json.dumps({{m: m in sys.modules for m in ("torch", "torchaudio", "scipy", "pydantic")}}))
"""


def probe(*args: str) -> dict[str, bool]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def results(small_foley, tmp_path):
    res = tmp_path / "res"
    r = CliRunner().invoke(main, ["run", "-d", "logmel-logreg", "-D", "foley-demo", "--data-root", str(small_foley),
                                  "--runs", "2", "--results", str(res), "--cache-dir", str(tmp_path / "cache"),
                                  "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return res, small_foley


def test_metadata_commands_do_not_import_torch(results):
    res, data = results
    for args in (["list"], ["list", "detectors"], ["info", "foley-demo", "--data-root", str(data)],
                 ["leaderboard", "--results", str(res)], ["leaderboard", "--results", str(res), "--format", "csv"],
                 ["results", "list", "--results", str(res)]):
        loaded = probe(*args)
        assert not loaded["torch"] and not loaded["torchaudio"], f"fakebench {' '.join(args)} imported torch"


def test_a_leaderboard_over_validated_records_needs_neither_scipy_nor_pydantic(results):
    res, _ = results
    probe("leaderboard", "--results", str(res))  # validates the records once, remembering their files
    loaded = probe("leaderboard", "--results", str(res))
    assert not loaded["pydantic"] and not loaded["scipy"], loaded
