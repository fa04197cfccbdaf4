"""A third-party plugin package, built in tmp, pip-installed, discovered by entry point,
and checked with fakebench.testing — the path CONTRIBUTING.md documents."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

PYPROJECT = """
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "fakebench-centroid"
version = "0.0.1"
dependencies = ["fakebench"]

[project.entry-points.fakebench]
centroid = "fakebench_centroid"

[tool.setuptools]
packages = ["fakebench_centroid"]
"""

MODULE = '''
"""fakebench-centroid: a nearest-centroid detector (an example third-party plugin)."""
import numpy as np
import fakebench
from fakebench.api import Detector


class Centroid(Detector):
    name = "centroid"
    description = "distance to the real centroid minus distance to the fake centroid"

    def __init__(self, random_state=0, device="cpu"):
        self.random_state = random_state
        self.device = device

    def fit(self, X, y, X_val=None, y_val=None):
        X = np.asarray(X, dtype=np.float64)
        self.real_ = X[y == 0].mean(0)
        self.fake_ = X[y == 1].mean(0)
        return self

    def decision_function(self, X):
        X = np.asarray(X, dtype=np.float64)
        return np.linalg.norm(X - self.real_, axis=1) - np.linalg.norm(X - self.fake_, axis=1)

    def get_state(self):
        import torch
        return {"real": torch.from_numpy(self.real_), "fake": torch.from_numpy(self.fake_)}

    def set_state(self, state):
        self.real_, self.fake_ = state["real"].numpy(), state["fake"].numpy()
        return self


@fakebench.hookimpl
def fakebench_register_detectors():
    return [Centroid]
'''

TEST = '''
from fakebench.registry import Registry
from fakebench.testing import parametrize_with_checks
from fakebench_centroid import Centroid


def test_plugin_is_installed():
    assert Registry().detector("centroid") is Centroid


@parametrize_with_checks(Centroid)
def test_conformance(factory, check):
    check(factory)
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin")
    pkg = root / "src"
    (pkg / "fakebench_centroid").mkdir(parents=True)
    (pkg / "pyproject.toml").write_text(PYPROJECT)
    (pkg / "fakebench_centroid" / "__init__.py").write_text(MODULE)
    (pkg / "tests").mkdir()
    (pkg / "tests" / "test_centroid.py").write_text(TEST)
    site = root / "site"
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                          "--target", str(site), str(pkg)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    env = dict(os.environ, PYTHONPATH=str(site))
    env.pop("FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD", None)
    return pkg, env


def test_discovered_by_list(installed):
    _, env = installed
    out = subprocess.run([sys.executable, "-m", "fakebench.cli", "list", "detectors", "--json"],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    entries = {e["name"]: e for e in json.loads(out.stdout)["detectors"]}
    assert entries["centroid"]["plugin"] == "centroid"


def test_autoload_off_hides_it(installed):
    _, env = installed
    env = dict(env, FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD="1")
    out = subprocess.run([sys.executable, "-m", "fakebench.cli", "list", "detectors", "--json"],
                         capture_output=True, text=True, env=env)
    assert "centroid" not in {e["name"] for e in json.loads(out.stdout)["detectors"]}


def test_plugin_passes_its_own_conformance_tests(installed):
    pkg, env = installed
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(pkg / "tests")],
                         capture_output=True, text=True, env=env, cwd=pkg)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "8 passed" in out.stdout
