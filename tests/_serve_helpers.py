"""Shared by the ``fakebench serve`` tests: a small real saved detector, a real server
subprocess on a free port, and a headless Chromium.

The detector is ``logmel-logreg`` trained by ``fakebench.run`` on the shared speech
manifest with ``--calibrate dev`` (about 5 s on 2 CPU cores); it is trained once per test
process into a private temporary folder.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import SHARED

SPEECH = SHARED / "data" / "speech"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")


#: the saved detectors: logmel-logreg calibrated on its val split (p(fake) from the
#: calibration), mfcc-logreg not calibrated (p(fake) = sigmoid of its logit score)
DETECTORS = {"logmel-logreg": "dev", "mfcc-logreg": None}


@functools.lru_cache(maxsize=None)
def trained_store(detector: str = "logmel-logreg") -> Path:
    """A results store holding one real run of ``detector`` on the shared speech clips,
    and its saved model."""
    import fakebench

    if not (SPEECH / "manifest.csv").is_file():
        pytest.skip(f"shared speech clips not found at {SPEECH}")
    root = Path(tempfile.mkdtemp(prefix="fakebench-serve-test-"))
    atexit.register(shutil.rmtree, root, True)
    fakebench.run(dataset="manifest", detector=detector, data_root=str(SPEECH / "manifest.csv"),
                  results_dir=str(root / "results"), cache_dir=str(root / "cache"), calibrate=DETECTORS[detector],
                  device="cpu")
    return root / "results"


def model_path(detector: str = "logmel-logreg") -> Path:
    models = sorted((trained_store(detector) / "models").glob("*.pt"))
    assert len(models) == 1, models
    return models[0]


class ServeProcess:
    """``fakebench serve`` as a real subprocess; ``url`` once it says it is listening."""

    def __init__(self, *args: str, env: dict | None = None, timeout: float = 120.0):
        # port 0: the server binds a free port itself and prints its address (no race
        # between picking a port here and binding it there)
        cmd = [sys.executable, "-m", "fakebench.cli", "serve", "--port", "0", *args]
        full_env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env,
                                     start_new_session=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.url: str | None = None
        ready = threading.Event()

        def pump(stream, sink, watch):
            for line in stream:
                sink.append(line)
                if watch and " on http://" in line:
                    self.url = line.split(" on ", 1)[1].split()[0]
                    ready.set()
            if watch:
                ready.set()

        threading.Thread(target=pump, args=(self.proc.stdout, self.stdout, True), daemon=True).start()
        threading.Thread(target=pump, args=(self.proc.stderr, self.stderr, False), daemon=True).start()
        t0 = time.monotonic()
        ready.wait(timeout)
        self.startup_seconds = time.monotonic() - t0
        if self.url is None:
            self.stop()
            raise AssertionError(f"fakebench serve did not start (exit {self.proc.returncode}):\n"
                                 + "".join(self.stdout) + "".join(self.stderr))
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])

    @property
    def pid(self) -> int:
        return self.proc.pid

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory so far (VmHWM), in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM in /proc status")

    def stop(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def chrome(tmp_path: Path):
    """Headless Chromium through the system chromedriver (skips when either is absent)."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1800", f"--user-data-dir={tmp_path / 'chrome-profile'}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def artifacts_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ``$FAKEBENCH_ARTIFACTS`` when set, else the test's tmp folder."""
    out = Path(os.environ.get("FAKEBENCH_ARTIFACTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def severe_console_errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
