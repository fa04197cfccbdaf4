"""Fixtures for the detector tests.

The test machines share two cores between several jobs; with two OpenMP threads per
process, torch's many small convolution calls spend most of their time waiting on each
other (20-50x slower under load), so these tests run torch single-threaded.
"""

import csv

import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def write_speech_csv(tmp_path, shared):
    """``write(rows)``: a manifest (path, label, system, speaker) of rows of the shared
    speech set, listed by absolute path; returns its path."""
    def write(rows):
        path = tmp_path / "speech.csv"
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["path", "label", "system", "speaker"])
            for r in rows:
                w.writerow([shared / "data" / "speech" / r["path"], r["label"], r["system"], r["speaker"]])
        return path

    return write


@pytest.fixture
def speech_csv(write_speech_csv, speech_rows):
    """The 12 shortest real (LibriSpeech, LJSpeech, VCTK) and 12 shortest synthetic clips of
    the shared speech set (48 s in all)."""
    def shortest(label):
        return sorted((r for r in speech_rows if r["label"] == label), key=lambda r: float(r["duration"]))[:12]

    return write_speech_csv(shortest("real") + shortest("fake"))
