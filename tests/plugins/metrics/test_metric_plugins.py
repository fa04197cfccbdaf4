"""Every registered metric passes the conformance checks."""

import pytest

from fakebench.registry import Registry
from fakebench.testing import METRIC_CHECKS

METRICS = Registry().table("metrics")


@pytest.mark.parametrize("name", sorted(METRICS))
@pytest.mark.parametrize("check", METRIC_CHECKS, ids=lambda c: c.__name__)
def test_metric_conformance(name, check):
    check(METRICS[name])
