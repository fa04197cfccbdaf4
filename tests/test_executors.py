"""Executors without a Ray instance: choosing one, the options, and the missing extra.

The Ray executor itself runs in ``tests/test_ray.py``; here nothing starts Ray.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from fakebench.cli import main
from fakebench.config import RunSpec
from fakebench.errors import ConfigError
from fakebench.executors import EXECUTORS, RAY_EXTRA, executor_for, get_executor
from fakebench.extract import extract


def test_the_local_executor_is_the_plain_path():
    ex = get_executor("local", "ignored:1234", weights="w.pt", device="cpu")
    assert ex.name == "local" and ex.extract is extract


def test_a_runspec_picks_its_executor():
    spec = RunSpec(dataset="d", detector="x")
    assert spec.executor == "local" and spec.address is None
    assert executor_for(spec).name == "local"


def test_unknown_executors_are_refused_by_name():
    with pytest.raises(ConfigError, match="unknown executor 'dask'"):
        get_executor("dask")
    with pytest.raises(ConfigError, match="unknown executor 'spark'"):
        RunSpec.from_config({"run": {"dataset": "d", "detector": "x", "executor": "spark"}})
    with pytest.raises(ConfigError, match="executor must be a string"):
        RunSpec.from_config({"run": {"dataset": "d", "detector": "x", "executor": 3}})
    assert EXECUTORS == ("local", "ray")


def test_executor_and_address_are_run_keys():
    spec = RunSpec.from_config({"run": {"dataset": "d", "detector": "x", "executor": "ray", "address": "auto"}})
    assert (spec.executor, spec.address) == ("ray", "auto")


@pytest.mark.parametrize("command", [
    ["run", "-d", "logmel-logreg", "-D", "manifest", "--data-root", "m.csv"],
    ["embed", "-e", "logmel", "-D", "manifest", "--data-root", "m.csv"],
])
def test_address_without_the_ray_executor_is_an_error(command):
    r = CliRunner().invoke(main, command + ["--address", "auto"])
    assert r.exit_code == 2
    assert "--address auto needs --executor ray" in r.output


@pytest.mark.parametrize("command", [
    ["run", "-d", "logmel-logreg", "-D", "manifest", "--data-root", "m.csv", "--executor", "ray"],
    ["embed", "-e", "logmel", "-D", "manifest", "--data-root", "m.csv", "--executor", "ray"],
])
def test_without_ray_the_executor_names_the_extra(command, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError, as when it is not installed
    r = CliRunner().invoke(main, command)
    assert r.exit_code == 2, r.output
    assert RAY_EXTRA in r.output and "pip install fakebench[ray]" in r.output
    assert r.output.count("Error:") == 1


def test_without_ray_the_api_raises_a_config_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError) as e:
        get_executor("ray")
    assert "pip install fakebench[ray]" in str(e.value)


def test_importing_fakebench_and_the_executors_does_not_import_ray():
    code = ("import sys, fakebench, fakebench.executors, fakebench.executors.local, fakebench.executors.options, "
            "fakebench.runner, fakebench.cli.run, fakebench.cli.embed; print('ray' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
