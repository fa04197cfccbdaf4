"""``fakebench serve`` in a real browser: headless Chromium (system chromedriver) opens the
page of a real server subprocess, uploads a real fake clip and a real real clip from the
shared speech set, and must show the same verdicts and scores as ``fakebench score``.

Skips only when chromium or chromedriver is missing. The screenshot is written to
``$FAKEBENCH_ARTIFACTS`` (or the test's tmp folder) and its path printed.
"""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from _serve_helpers import DETECTORS, SPEECH, ServeProcess, artifacts_dir, chrome, model_path, severe_console_errors


pytestmark = [pytest.mark.shared]

CLIPS = [SPEECH / "vits" / "fake" / "ms_01_gh.wav",                # fake, 1.1 s
         SPEECH / "librispeech" / "real" / "1688-142285-0000.flac"]  # real, 15 s: gets a score over time


def _fakebench_score(model, paths) -> dict[str, dict]:
    from fakebench.cli import main

    r = CliRunner().invoke(main, ["score", "--model", str(model), "--json", *map(str, paths)])
    assert r.exit_code == 0, r.output
    return {json_row["path"]: json_row for json_row in json.loads(r.output)}


def test_upload_in_chromium_shows_the_verdicts_of_fakebench_score(tmp_path):
    import soundfile as sf
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    if not all(c.is_file() for c in CLIPS):
        pytest.skip("shared speech clips not found")
    models = {name: model_path(name) for name in DETECTORS}  # two detectors, side by side
    expected = {name: _fakebench_score(path, CLIPS) for name, path in models.items()}
    first = expected["logmel-logreg"]
    assert {r["verdict"] for r in first.values()} == {"fake", "real"}, first  # one of each, as labelled
    t0 = time.monotonic()
    args = [a for path in models.values() for a in ("--model", str(path))]
    srv = ServeProcess(*args, "--examples", str(SPEECH / "wavefake"))
    driver = chrome(tmp_path)
    timings = {"server start": srv.startup_seconds}
    try:
        t = time.monotonic()
        driver.get(srv.url)
        wait = WebDriverWait(driver, 60)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#fb-audio input[type=file]"))
        timings["page load"] = time.monotonic() - t
        cards = driver.find_elements(By.CSS_SELECTOR, "#fb-models .fb-model")
        assert [c.get_attribute("data-model") for c in cards] == list(models)
        for card, path in zip(cards, models.values()):
            assert card.get_attribute("data-run") == path.stem and "eval EER" in card.text
            assert "manifest (protocol auto): 122 training clips" in card.text
        shot = None
        for clip in CLIPS:
            t = time.monotonic()
            driver.find_element(By.CSS_SELECTOR, "#fb-audio input[type=file]").send_keys(str(clip))
            # the upload is done when the player offers the clip for download
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f'#fb-audio a[download][href*="{clip.name}"]'))
            driver.find_element(By.CSS_SELECTOR, "#fb-score").click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f'#fb-clip[data-file="{clip.name}"]')
                       or d.find_elements(By.CSS_SELECTOR, "#fb-error"))
            assert not driver.find_elements(By.CSS_SELECTOR, "#fb-error")
            timings[f"upload + verdicts {clip.name}"] = time.monotonic() - t
            verdicts = driver.find_elements(By.CSS_SELECTOR, "#fb-verdicts .fb-verdict")
            assert [v.get_attribute("data-model") for v in verdicts] == list(models)
            for card, name in zip(verdicts, models):
                want = expected[name][str(clip)]
                assert card.get_attribute("data-verdict") == want["verdict"], name
                assert card.get_attribute("data-score") == f"{want['score']:+.4f}", name
                # what a person reads: the word and the score as displayed
                assert card.find_element(By.CSS_SELECTOR, ".fb-word").text == want["verdict"].upper()
                assert card.find_element(By.CSS_SELECTOR, "td.fb-score").text == f"{want['score']:+.4f}"
                # p(fake): the uncalibrated logit detector's is sigmoid(score), as `fakebench score` says
                if name == "mfcc-logreg":
                    assert card.get_attribute("data-p-fake") == f"{want['p_fake']:.4f}"
            # the plots are images that decoded
            wait.until(lambda d: d.execute_script(
                "const i = document.querySelectorAll('#fb-clip-plot img');"
                "return i.length > 0 && [...i].every(x => x.complete && x.naturalWidth > 0);"))
            info = sf.info(str(clip))
            if info.frames / info.samplerate >= 8.0:  # two 4-s windows: a score over time
                wait.until(lambda d: d.execute_script(
                    "const i = document.querySelectorAll('#fb-time-plot img');"
                    "return i.length > 0 && [...i].every(x => x.complete && x.naturalWidth > 0);"))
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1400, min(int(height) + 100, 5000))  # the whole page in the screenshot
            time.sleep(0.5)
            shot = artifacts_dir(tmp_path) / f"serve-{clip.stem}.png"
            driver.save_screenshot(str(shot))
            print(f"screenshot: {shot}")
        errors = severe_console_errors(driver)
        assert not errors, errors
    finally:
        driver.quit()
        srv.stop()
    timings["total"] = time.monotonic() - t0
    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    assert shot is not None and shot.stat().st_size > 10_000
