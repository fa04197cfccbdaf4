"""HTML fragments of the page: model cards, verdict cards, errors (escaped, no scripts).

Each verdict card carries its values as data attributes (``data-model``,
``data-verdict``, ``data-score``...) so that scripts and tests read exactly what is shown.
"""

from __future__ import annotations

import html
from typing import Sequence

from .analysis import ClipReport, figure_png, timeline_figure
from .limits import Limits
from .models import ModelEntry

CSS = """
.fb-cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px;margin:4px 0}
.fb-card{border:1px solid #d0d0d0;border-radius:8px;padding:10px 14px;background:#fff;color:#222}
.fb-card h3{margin:0 0 4px 0;font-size:1.0em}
.fb-card table{border-collapse:collapse;font-size:0.9em;width:100%}
.fb-card table,.fb-card tr,.fb-card td{border:none !important;background:transparent !important}
.fb-card td{padding:2px 6px 2px 0 !important;vertical-align:top}
.fb-card td.k{color:#555;white-space:nowrap}
.fb-word{font-size:2.0em;font-weight:700;letter-spacing:0.04em;margin:2px 0}
.fb-fake{border-color:#b00020;background:#fff5f6}.fb-fake .fb-word{color:#b00020}
.fb-real{border-color:#1b5e20;background:#f4fbf4}.fb-real .fb-word{color:#1b5e20}
.fb-error{border:1px solid #b00020;border-radius:8px;padding:10px 14px;color:#b00020;background:#fff5f6}
.fb-note{color:#555;font-size:0.85em;margin:4px 0}
.fb-bar{height:8px;background:#e8e8e8;border-radius:4px;overflow:hidden;margin:4px 0}
.fb-bar>span{display:block;height:100%;background:#b00020}
.fb-timeline{margin:0}.fb-timeline img{max-width:100%;height:auto}
"""


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def model_cards(models: Sequence[ModelEntry]) -> str:
    """One card per saved detector: pipeline, run, training data, eval EER, threshold."""
    cards = []
    for m in models:
        eer, where = m.eval_eer()
        eer_text = f"{eer * 100:.2f}% on {where}" if eer is not None else "unknown (no run record)"
        rows = [("run", m.run_id), ("trained on", m.training_data()), ("eval EER", eer_text),
                ("clip length", m.length), ("threshold", f"{m.threshold:.4g} (score above it = fake)"),
                ("p(fake)", "calibrated (--calibrate dev)" if m.calibration is not None
                 else ("sigmoid of the logit score" if m.scores_are_logits else "not available"))]
        body = "".join(f'<tr><td class="k">{_e(k)}</td><td>{_e(v)}</td></tr>' for k, v in rows)
        notes = "".join(f'<p class="fb-note">{_e(n)}</p>' for n in m.notes)
        cards.append(f'<div class="fb-card fb-model" data-model="{_e(m.key)}" data-run="{_e(m.run_id)}">'
                     f"<h3>{_e(m.key)}</h3><table>{body}</table>{notes}</div>")
    return f'<div class="fb-cards" id="fb-models">{"".join(cards)}</div>'


def verdict_cards(report: ClipReport) -> str:
    """The verdict of every model on one clip, side by side."""
    info = report.info
    head = (f'<p class="fb-note" id="fb-clip" data-file="{_e(info.name)}" data-seconds="{info.seconds:.3f}">'
            f"{_e(info.name)}: {info.seconds:.2f} s, {info.sample_rate} Hz, {info.channels} channel(s), "
            f"{info.bytes / 1e6:.2f} MB; scored in {report.seconds_taken:.2f} s</p>")
    cards = []
    for r in report.results:
        m = r.entry
        if r.error and r.score is None:
            cards.append(f'<div class="fb-card fb-error" data-model="{_e(m.key)}" data-verdict="error">'
                         f"<h3>{_e(m.key)}</h3><p>{_e(r.error)}</p></div>")
            continue
        word = "fake" if r.fake else "real"
        rows = [("score", f"{r.score:+.4f}"), ("threshold", f"{m.threshold:+.4f}"),
                ("margin", f"{r.score - m.threshold:+.4f} ({'above' if r.fake else 'at or below'} the threshold)")]
        p_html = ""
        if r.p_fake is not None:
            rows.append(("p(fake)", f"{r.p_fake:.3f}"))
            p_html = f'<div class="fb-bar" title="p(fake)"><span style="width:{100 * r.p_fake:.1f}%"></span></div>'
        body = "".join(f'<tr><td class="k">{_e(k)}</td><td class="fb-{_e(k.replace("(", "").replace(")", ""))}">'
                       f"{_e(v)}</td></tr>" for k, v in rows)
        tl = ""
        if r.timeline is not None:
            above = int((r.timeline.scores > m.threshold).sum())
            tl = (f'<p class="fb-note">Over time: {above} of {len(r.timeline.scores)} windows of '
                  f"{r.timeline.window:g} s score above the threshold (see the plot below).</p>")
        err = f'<p class="fb-note">{_e(r.error)}</p>' if r.error else ""
        p_attr = "" if r.p_fake is None else f' data-p-fake="{r.p_fake:.4f}"'
        cards.append(
            f'<div class="fb-card fb-verdict fb-{word}" data-model="{_e(m.key)}" data-verdict="{word}" '
            f'data-score="{r.score:+.4f}" data-threshold="{m.threshold:+.4f}"{p_attr}>'
            f'<h3>{_e(m.key)}</h3><div class="fb-word">{word.upper()}</div>{p_html}<table>{body}</table>'
            f'<p class="fb-note">p(fake): {_e(r.p_how)}</p>{tl}{err}</div>')
    return head + f'<div class="fb-cards" id="fb-verdicts">{"".join(cards)}</div>'


def timeline_html(report: ClipReport, window: float) -> str:
    """The score-over-time figure as an embedded PNG, or a note saying why there is none."""
    import base64

    fig = timeline_figure(report.results)
    if fig is None:
        return (f'<p class="fb-note" id="fb-no-timeline">No score over time: the clip is shorter than two windows '
                f"(a detector's own clip length, or {window:g} s for detectors that score whole clips).</p>")
    data = base64.b64encode(figure_png(fig)).decode("ascii")
    return (f'<figure class="fb-timeline"><img alt="score over time" src="data:image/png;base64,{data}">'
            "<figcaption class=\"fb-note\">Score over time: sliding windows, each scored as a clip of its own; "
            "shaded windows score above the threshold (fake).</figcaption></figure>")


def error_box(message: str) -> str:
    return f'<div class="fb-error" id="fb-error" role="alert">{_e(message)}</div>'


def explanation(limits: Limits, models: Sequence[ModelEntry]) -> str:
    """The page's introduction (Markdown): what the numbers mean, and the limits."""
    return (
        "Upload or record a clip, or pick an example, then **Score**. Each saved detector gives a **score**: "
        "higher means more likely fake. The verdict is **FAKE** when the score is above the detector's "
        "**threshold** (chosen when it was trained), **REAL** otherwise. **p(fake)** is shown when the run was "
        "calibrated (`--calibrate dev`) or the detector's scores are logits; it is a probability only as far as "
        "the training data resemble your clip. Long clips also get a **score over time** (sliding windows of "
        "the detector's own clip length), which shows where a partly fake file turns fake.\n\n"
        f"{limits.describe()}"
    )
