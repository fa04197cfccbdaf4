"""The Gradio page of ``fakebench serve`` (see ``docs/serve.md`` for what each part shows).

* **One clip**: upload or record a clip (or pick a demo clip); every saved detector gives
  its verdict side by side (score, threshold, p(fake) when available), with the clip's
  waveform and spectrogram and, for a long clip, each detector's score over time.
* **Batch**: an uploaded zip of clips, or a server-side folder when the server was started
  with ``--allow-folder ROOT``, gives a CSV of verdicts.
* **About**: what the numbers mean, the limits, the models.

Uploads land in the server's private temporary folder (``GRADIO_TEMP_DIR``, set by
:mod:`fakebench.ui.server`) and are deleted once scored; clips identical to a demo clip are
kept, since the page offers them anyway.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .analysis import DEFAULT_WINDOW, analyze, batch_columns, clip_figure, score_batch, write_csv
from .limits import ClipRefused, Limits, check_clip, extract_zip, folder_clips
from .models import ModelEntry
from .render import error_box, explanation, model_cards, timeline_html, verdict_cards

log = logging.getLogger("fakebench")

#: most demo clips offered as examples
MAX_EXAMPLES = 8


@dataclass(frozen=True)
class Example:
    path: Path
    label: str


def find_examples(folder: str | Path | None, limits: Limits) -> list[Example]:
    """Demo clips from ``folder`` (``--examples``), or from the data root's ``foley``
    demo set when present: clips within the limits, with their label from a
    ``manifest.csv`` (path,label columns) when the folder has one; real and fake alternate."""
    from ..data.files import audio_files
    from ..paths import data_root

    if folder is None:
        root = data_root() / "foley"
        if not (root / "manifest.csv").is_file():
            return []
    else:
        root = Path(folder).expanduser()
    labels: dict[Path, str] = {}
    manifest = root / "manifest.csv"
    if manifest.is_file():
        try:
            with open(manifest, newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    if row.get("path") and row.get("label"):
                        labels[(root / row["path"]).resolve()] = row["label"].strip().lower()
        except (OSError, csv.Error, UnicodeDecodeError) as e:
            log.warning("serve: cannot read %s (%s); examples without labels", manifest, e)
    files = audio_files(root)
    groups: dict[str, list[Path]] = {}
    for f in files:
        groups.setdefault(labels.get(f.resolve(), ""), []).append(f)
    picked: list[Example] = []
    queues = [groups[k] for k in sorted(groups)]
    while len(picked) < MAX_EXAMPLES and any(queues):
        for q in queues:
            while q:
                f = q.pop(0)
                try:
                    info = check_clip(f, limits)
                except ClipRefused:
                    continue
                label = labels.get(f.resolve(), "")
                text = f"{label}: {f.name}" if label else f.name
                picked.append(Example(f, f"{text} ({info.seconds:.1f} s)"))
                break
            if len(picked) >= MAX_EXAMPLES:
                break
    return picked


class UploadJanitor:
    """Deletes scored uploads from the server's upload folder, except copies of demo clips."""

    def __init__(self, upload_root: str | Path, examples: Sequence[Example] = ()):
        self.root = Path(upload_root).resolve()
        self.protected: dict[int, set[str]] = {}
        for ex in examples:
            try:
                self.protected.setdefault(ex.path.stat().st_size, set()).add(_sha256(ex.path))
            except OSError:
                pass

    def is_upload(self, path: str | Path) -> bool:
        p = Path(path).resolve()
        return self.root in p.parents

    def delete(self, path: str | Path | None) -> bool:
        """Delete ``path`` if it is an upload (under the upload folder) and not a demo clip;
        True when it was deleted."""
        if not path:
            return False
        p = Path(path)
        if not self.is_upload(p) or not p.is_file():
            return False
        try:
            size = p.stat().st_size
            if size in self.protected and _sha256(p) in self.protected[size]:
                return False
            p.unlink()
        except OSError as e:
            log.warning("serve: could not delete upload %s (%s)", p, e)
            return False
        parent = p.resolve().parent if p.exists() else p.parent.resolve()
        if parent != self.root and self.root in parent.parents:
            try:
                parent.rmdir()  # the per-upload folder, when now empty
            except OSError:
                pass
        return True


    def sweep_partial(self, older_than: float) -> int:
        """Remove files lying directly in the upload folder (Gradio's temporary files of
        uploads still arriving) older than ``older_than`` seconds: an upload cut off by the
        body deadline leaves its part there. Finished uploads live in sub-folders."""
        n, now = 0, time.time()
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return 0
        for e in entries:
            try:
                if e.is_file(follow_symlinks=False) and now - e.stat(follow_symlinks=False).st_mtime > older_than:
                    os.unlink(e.path)
                    n += 1
            except OSError:
                pass
        return n


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sweep(folder: Path, older_than: float) -> None:
    """Remove result files in ``folder`` older than ``older_than`` seconds."""
    now = time.time()
    for p in folder.glob("*"):
        try:
            if now - p.stat().st_mtime > older_than:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        except OSError:
            pass


def build_blocks(models: Sequence[ModelEntry], limits: Limits, *, tmp_root: str | Path,
                 examples: Sequence[Example] = (), allow_folder: str | Path | None = None,
                 window: float = DEFAULT_WINDOW, hop: float | None = None) -> Any:
    """The page (a ``gradio.Blocks``, queued: one scoring job at a time, a bounded queue).

    ``tmp_root`` is the server's private temporary folder; uploads must land under
    ``tmp_root/uploads`` (``GRADIO_TEMP_DIR``), the only place scored files are deleted from.
    """
    import gradio as gr

    tmp_root = Path(tmp_root)
    upload_root = Path(os.environ.get("GRADIO_TEMP_DIR") or tmp_root / "uploads")
    work = tmp_root / "work"
    results = tmp_root / "results"
    for d in (work, results):
        d.mkdir(parents=True, exist_ok=True)
    janitor = UploadJanitor(upload_root, examples)
    columns = batch_columns(models)

    def score_clip(path: str | None):
        if not path:
            message = "No clip yet: upload or record one, or pick a demo clip, then Score."
            return error_box(message), None, "", gr.update()
        deleted = False
        try:
            report = analyze(path, models, limits, window=window, hop=hop, tmp_root=work)
        except ClipRefused as e:
            deleted = janitor.delete(path)
            return error_box(e.message), None, "", (None if deleted else gr.update())
        except Exception as e:  # a bug: say so on the page, keep serving
            log.exception("serve: scoring failed")
            deleted = janitor.delete(path)
            message = f"scoring failed ({type(e).__name__}); the server log has the details"
            return error_box(message), None, "", (None if deleted else gr.update())
        deleted = janitor.delete(path)
        html = verdict_cards(report)
        if deleted:
            html += '<p class="fb-note">The upload was deleted from the server after scoring.</p>'
        info = report.info
        fig = clip_figure(report.wave, report.sample_rate, f"{info.name} ({info.seconds:.2f} s)")
        return html, fig, timeline_html(report, window), (None if deleted else gr.update())

    def score_many(zip_path: str | None, folder: str | None):
        _sweep(results, 3600)
        job = Path(tempfile.mkdtemp(prefix="batch-", dir=work))
        try:
            if zip_path:
                items = extract_zip(zip_path, job, limits)
                source = Path(zip_path).name
            elif folder and allow_folder is not None:
                items = folder_clips(folder, allow_folder, limits)
                source = folder
            else:
                hint = " or give a server folder" if allow_folder is not None else ""
                return error_box(f"Upload a zip of clips{hint}, then Score all."), None, None, gr.update()
            rows = score_batch(items, models, limits)
        except ClipRefused as e:
            return error_box(e.message), None, None, (None if janitor.delete(zip_path) else gr.update())
        except Exception as e:  # a bug: say so on the page, keep serving
            log.exception("serve: batch scoring failed")
            message = f"batch scoring failed ({type(e).__name__}); the server log has the details"
            return error_box(message), None, None, (None if janitor.delete(zip_path) else gr.update())
        finally:
            shutil.rmtree(job, ignore_errors=True)
            # gr.File's preprocessing leaves an empty temporary file at the top of the upload
            # folder; uploads themselves live in sub-folders (in-flight ones elsewhere)
            janitor.sweep_partial(0.0)
        deleted = janitor.delete(zip_path)
        out_dir = Path(tempfile.mkdtemp(prefix="csv-", dir=results))
        csv_path = write_csv(rows, columns, out_dir / "fakebench-verdicts.csv")
        refused = sum(1 for r in rows if r.get("error"))
        summary = (f'<p class="fb-note" id="fb-batch-summary" data-rows="{len(rows)}" data-refused="{refused}">'
                   f"{len(rows)} clip(s) from {_esc(source)}: {len(rows) - refused} scored, {refused} refused or "
                   f"failed (see the error column).</p>")
        table = [[r.get(c, "") for c in columns] for r in rows]
        return summary, str(csv_path), table, (None if deleted else gr.update())

    with gr.Blocks(title="fakebench: is this audio fake?", analytics_enabled=False, delete_cache=(300, 1800)) as demo:
        gr.Markdown("# Is this audio fake?")
        gr.Markdown(explanation(limits, models), elem_id="fb-explain")
        gr.HTML(model_cards(models), elem_id="fb-model-cards")
        with gr.Tab("One clip", elem_id="fb-tab-one"):
            with gr.Row():
                with gr.Column(scale=1):
                    audio = gr.Audio(sources=["upload", "microphone"], type="filepath", elem_id="fb-audio",
                                     label=f"Clip (upload or record; up to {limits.max_mb:g} MB, "
                                           f"{limits.max_seconds:g} s)")
                    button = gr.Button("Score", variant="primary", elem_id="fb-score")
                    if examples:
                        gr.Examples(examples=[[str(e.path)] for e in examples], inputs=[audio],
                                    example_labels=[e.label for e in examples], label="Demo clips")
                with gr.Column(scale=2):
                    verdicts = gr.HTML(elem_id="fb-result")
            clip_plot = gr.Plot(label="Waveform and spectrogram", elem_id="fb-clip-plot", format="png")
            time_plot = gr.HTML(elem_id="fb-time-plot")
            button.click(score_clip, [audio], [verdicts, clip_plot, time_plot, audio], api_name="score")
        with gr.Tab("Batch", elem_id="fb-tab-batch"):
            gr.Markdown(f"A zip of up to {limits.max_files} clips (at most {limits.max_zip_mb:g} MB), each within "
                        "the clip limits, gives one CSV row per clip: its duration, then per detector the verdict, "
                        "score and p(fake); refused clips say why in the error column."
                        + (f" Or name a folder on the server, inside `{allow_folder}`." if allow_folder else ""))
            zip_in = gr.File(file_types=[".zip"], type="filepath", label="Zip of clips", elem_id="fb-zip")
            folder_in = gr.Textbox(label=f"Folder on the server (inside {allow_folder})" if allow_folder else "Folder",
                                   visible=allow_folder is not None, elem_id="fb-folder")
            batch_button = gr.Button("Score all", variant="primary", elem_id="fb-batch")
            batch_status = gr.HTML(elem_id="fb-batch-status")
            csv_out = gr.File(label="Verdicts (CSV)", elem_id="fb-csv", interactive=False)
            table = gr.Dataframe(headers=columns, interactive=False, elem_id="fb-table", wrap=True)
            batch_button.click(score_many, [zip_in, folder_in], [batch_status, csv_out, table, zip_in],
                               api_name="batch")
        with gr.Tab("About", elem_id="fb-tab-about"):
            gr.Markdown(ABOUT)
    demo.queue(default_concurrency_limit=1, max_size=16)
    return demo


def theme() -> Any:
    """The page's theme: Gradio's default with the system fonts (nothing fetched from font CDNs)."""
    import gradio as gr

    return gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])


def _esc(x: object) -> str:
    import html

    return html.escape(str(x), quote=True)


ABOUT = """
**Verdict cards.** One per saved detector, side by side. *score*: the detector's output on the
whole clip (scored exactly as `fakebench score` scores a file, with the clip-length policy the
detector was trained with); higher = more likely fake. *threshold*: the decision threshold saved
with the detector; above it the verdict is FAKE. *margin*: score minus threshold. *p(fake)*: a
probability, only when the run was calibrated (`fakebench run --calibrate dev`: a logistic
regression fitted on the run's validation split, p(fake) = sigmoid(scale x score + offset +
logit(prior))) or when the detector's scores are logits (then sigmoid(score), uncalibrated). The
verdict uses the saved threshold and p(fake) uses the calibration, so the two can disagree near
the threshold: the threshold was set by the detector (or the run's --threshold), the calibration
was fitted to the validation clips' labels.

**Model cards.** What each detector was trained on and its equal error rate on its own
evaluation set, read from the run record in the results store. An EER on one corpus says little
about clips from elsewhere: detectors often fail on unseen generators, codecs and rooms.

**Waveform and spectrogram.** The clip as decoded (mono), amplitude and log power (80 dB range).

**Score over time.** For a clip longer than two windows: each detector scores sliding windows of
its own clip length (a `full`-length detector: 4-second windows), hop half a window; windows above
the threshold are shaded. A partly fake file shows where.

**Limits and privacy.** Clips over the size or duration limit are refused before decoding (the
duration comes from the file header). Uploads stay in the server's private temporary folder and are
deleted after scoring. The server binds to 127.0.0.1 unless started with `--host`; it has no
authentication: put it behind a proper web server before exposing it.
"""
