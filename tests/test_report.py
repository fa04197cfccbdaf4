"""The standalone HTML leaderboard: table rows and embedded PNG plots.

Checked with ``html.parser`` here (rows present, every ``<img>`` a decodable PNG); the
page in a real browser (rows, images, console, column sorting) is
``tests/test_report_browser.py``.
"""

import base64
import io
from html.parser import HTMLParser

import numpy as np
import pytest

from fakebench.report.render import render
from fakebench.results import ResultStore

from test_leaderboard import make_record, synthetic_scores

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.imgs, self.alts, self._rows, self._in_body = [], [], [], None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._rows = 0
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._rows += 1
        elif tag == "img":
            self.imgs.append(a.get("src", ""))
            self.alts.append(a.get("alt", ""))

    def handle_endtag(self, tag):
        if tag == "table":
            self.tables.append(self._rows)
            self._in_body = False


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    st = ResultStore(tmp_path_factory.mktemp("results"))
    for seed in range(3):
        for pipeline, sep in (("sfx-mlp", 1.5), ("clap-mlp", 0.4)):
            rec, rows = make_record(f"{pipeline}-{seed}", seed, *synthetic_scores(seed, sep), pipeline=pipeline)
            st.add(rec, rows)
    return render(st.records(), "html", ["eer", "accuracy"], sort_by="eer", store=st)


def decode_png(src):
    assert src.startswith("data:image/png;base64,"), src[:40]
    data = base64.b64decode(src.split(",", 1)[1], validate=True)
    assert data[:8] == PNG_MAGIC
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(data), format="png")


def test_html_has_table_rows_and_decodable_plots(page):
    p = PageParser()
    p.feed(page)
    assert p.tables[0] == 2  # one row per pipeline
    assert "<strong>" in page  # the best row
    assert "<sup>*</sup>" not in page  # 3 seeds against 3 can never reach p < 0.05 (min p = 0.1)
    # DET + ROC for the dataset, a histogram and a confusion matrix per pipeline, per-system bars
    assert len(p.imgs) == 2 + 2 * 2 + 1
    assert any(a.startswith("DET curve") for a in p.alts) and any(a.startswith("ROC curve") for a in p.alts)
    assert any(a.startswith("per-system EER") for a in p.alts)
    for src in p.imgs:
        img = decode_png(src)
        assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
        assert float(np.std(img[..., :3])) > 0.01  # something was drawn


def test_html_is_standalone_and_escaped(tmp_path):
    st = ResultStore(tmp_path / "r")
    rec, rows = make_record("x-0", 0, *synthetic_scores(0, 1.0), pipeline="<script>alert(1)</script>")
    st.add(rec, rows)
    text = render(st.records(), "html", ["eer"], store=st)
    assert "<script>alert" not in text and "&lt;script&gt;" in text
    assert "http://" not in text and "https://" not in text and "<link" not in text  # nothing to fetch


def test_html_without_plots_has_no_images(tmp_path):
    st = ResultStore(tmp_path / "r")
    rec, rows = make_record("x-0", 0, *synthetic_scores(0, 1.0))
    st.add(rec, rows)
    assert "<img" not in render(st.records(), "html", ["eer"], store=st, plots=False)


def test_plots_draw_small_inputs_without_warnings():
    import warnings

    from fakebench.report import plots

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for png in (plots.system_bars({"p": {"only": (0.1, 0.05)}}),
                    plots.det_plot([("a", [0.1, 0.9], [0, 1])]), plots.roc_plot([("a", [0.1, 0.9], [0, 1])]),
                    plots.score_histogram([0.1, 0.9], [0, 1], 0.5), plots.confusion_plot([[1, 0], [0, 1]])):
            assert png[:8] == PNG_MAGIC
