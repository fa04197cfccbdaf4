"""Everything a plugin author needs, in one import.

    from fakebench.api import Dataset, Embedder, Detector, Metric, Clip, hookimpl
"""

from .data import FAKE, REAL, Clip, parse_label
from .dataset import Dataset, random_split, unseen_systems_split
from .detector import Detector
from .embedder import Embedder
from .errors import AudioError, ConfigError, DatasetError, FakebenchError, MetricError, WeightsError
from .hookspecs import hookimpl
from .inputs import AudioSource, Inputs
from .metric import Metric

__all__ = [
    "FAKE", "REAL", "Clip", "parse_label", "Dataset", "random_split", "unseen_systems_split", "Detector",
    "Embedder", "Metric", "hookimpl", "AudioSource", "Inputs", "FakebenchError", "DatasetError",
    "AudioError", "ConfigError", "MetricError", "WeightsError",
]
