"""The embedder tests run torch on one thread: these models are small per call, and on a
shared machine two spinning threads per process cost more than they gain (measured: the
speaker tests take 3x the CPU time with two threads under load). The models built for
this folder (``_models.loaded``, about 4 GB together) are released at its end."""

import gc

import pytest
import torch


@pytest.fixture(autouse=True, scope="package")
def _one_torch_thread():
    from ._models import loaded

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
    loaded.cache_clear()
    gc.collect()
