"""Fixtures for the detector tests.

The test machines share two cores between several jobs; with two OpenMP threads per
process, torch's many small convolution calls spend most of their time waiting on each
other (20-50x slower under load), so these tests run torch single-threaded.
"""

import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
