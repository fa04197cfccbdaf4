"""The HTML leaderboard in a real browser: headless Chromium (system chromedriver) opens
``fakebench leaderboard --format html`` of a store holding real runs (three pipelines on
the shared speech clips, one of them with two seeds): the tables have rows, every plot
image decodes, the console has no errors, and clicking a column header sorts the rows.

Skips only when chromium or chromedriver is missing. The screenshot is written to
``$FAKEBENCH_ARTIFACTS`` (or the test's tmp folder) and its path printed.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from _serve_helpers import SPEECH, artifacts_dir, chrome, severe_console_errors


pytestmark = [pytest.mark.shared]

RUNS = [("logmel-logreg", [0, 1]), ("mfcc-logreg", [0]), ("lfcc-logreg", [0])]


@pytest.fixture(scope="module")
def board(tmp_path_factory) -> Path:
    import fakebench
    from fakebench.cli import main

    if not (SPEECH / "manifest.csv").is_file():
        pytest.skip("shared speech clips not found")
    root = tmp_path_factory.mktemp("board")
    t0 = time.monotonic()
    for detector, seeds in RUNS:
        fakebench.run(dataset="manifest", detector=detector, data_root=str(SPEECH / "manifest.csv"), seeds=seeds,
                      results_dir=str(root / "results"), cache_dir=str(root / "cache"), device="cpu",
                      save_model=False)
    out = root / "board.html"
    r = CliRunner().invoke(main, ["leaderboard", "--format", "html", "--out", str(out), "--results",
                                  str(root / "results"), "--metric", "eer", "--metric", "accuracy"])
    assert r.exit_code == 0, r.output
    print(f"4 real runs and the HTML leaderboard in {time.monotonic() - t0:.1f} s")
    return out


def _column(driver, table, name: str) -> list[str]:
    from selenium.webdriver.common.by import By

    heads = [th.text.strip() for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    i = next(k for k, h in enumerate(heads) if h.lower().startswith(name))
    return [tr.find_elements(By.CSS_SELECTOR, "td")[i].text.strip()
            for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")]


def _number(text: str) -> float:
    return float(re.match(r"[-+]?\d+(\.\d+)?", text).group(0))


def test_leaderboard_renders_and_sorts_in_chromium(board, tmp_path):
    from selenium.webdriver.common.by import By

    driver = chrome(tmp_path)
    try:
        t0 = time.monotonic()
        driver.get(board.as_uri())  # returns once the page has loaded
        # tables render, with one row per pipeline in the main table
        table = driver.find_element(By.CSS_SELECTOR, "table.sortable")
        rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert len(rows) == len(RUNS)
        # every plot image loads and decodes
        n_imgs, decoded = driver.execute_script(
            "const i = [...document.images];"
            "return [i.length, i.filter(x => x.complete && x.naturalWidth > 0).length];")
        assert n_imgs >= 5 and decoded == n_imgs  # DET, ROC, then a histogram and a confusion matrix per pipeline
        # clicking a header sorts: pipeline names alphabetically, then EER up and down
        header = next(th for th in table.find_elements(By.CSS_SELECTOR, "thead th")
                      if th.text.strip().lower().startswith("pipeline"))
        header.click()
        names = _column(driver, table, "pipeline")
        assert names == sorted(names) and header.get_attribute("aria-sort") == "ascending"
        header.click()
        assert _column(driver, table, "pipeline") == sorted(names, reverse=True)
        eer_head = next(th for th in table.find_elements(By.CSS_SELECTOR, "thead th")
                        if th.text.strip().lower().startswith("eer"))
        eer_head.click()
        up = [_number(v) for v in _column(driver, table, "eer")]
        eer_head.click()
        down = [_number(v) for v in _column(driver, table, "eer")]
        assert up == sorted(up) and down == sorted(up, reverse=True) and len(set(up)) > 1
        assert eer_head.get_attribute("aria-sort") == "descending" and header.get_attribute("aria-sort") is None
        errors = severe_console_errors(driver)
        assert not errors, errors
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1400, min(int(height), 6000))
        shot = artifacts_dir(tmp_path) / "leaderboard.png"
        driver.save_screenshot(str(shot))
        print(f"screenshot: {shot} (browser checks {time.monotonic() - t0:.1f} s)")
        assert shot.stat().st_size > 10_000
    finally:
        driver.quit()
