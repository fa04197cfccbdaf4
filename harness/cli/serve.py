"""``fakebench serve``: a web page (Gradio) giving saved detectors' verdicts on audio.

Needs the ``ui`` extra (``pip install fakebench[ui]``). Everything heavy (gradio,
torch, matplotlib) is imported inside the command, so ``fakebench --help`` stays fast.
Start-up order: options are validated (one error each, exit 2), the port is bound, every
saved detector and its embedder are loaded (a missing file or missing weights fail here,
not at the first upload), then the page is served. See ``docs/serve.md``.
"""

from __future__ import annotations

import click

from .common import device_option, results_option


@click.command("serve")
@click.option("--model", "-m", "models", required=True, multiple=True,
              help="A saved detector (results store models/<run_id>.pt, or a run id); repeat to compare several "
                   "side by side.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
@click.option("--port", default=7860, type=int, show_default=True, help="Port (0 picks a free one).")
@click.option("--max-mb", default=20.0, type=float, show_default=True, help="Largest clip accepted, in MB.")
@click.option("--max-seconds", default=600.0, type=float, show_default=True,
              help="Longest clip accepted, in seconds (read from the file header before decoding).")
@click.option("--max-zip-mb", default=100.0, type=float, show_default=True, help="Largest zip (Batch tab), in MB.")
@click.option("--max-files", default=200, type=int, show_default=True, help="Most clips in one batch.")
@click.option("--examples", "examples_dir", type=click.Path(file_okay=False), default=None,
              help="Folder of demo clips offered as examples (a manifest.csv with path,label adds labels) "
                   "[default: the foley demo set in the data root, when present].")
@click.option("--allow-folder", type=click.Path(file_okay=False), default=None, metavar="ROOT",
              help="Let the Batch tab score server-side folders inside ROOT (off by default).")
@click.option("--window", default=4.0, type=float, show_default=True,
              help="Window of the score over time for detectors that score whole clips, in seconds.")
@click.option("--body-timeout", default=30.0, type=float, show_default=True,
              help="Seconds a client has to send a request body.")
@click.option("--idle-timeout", default=10.0, type=float, show_default=True,
              help="Seconds a connection may take to send a request's headers.")
@click.option("--max-connections", default=64, type=int, show_default=True,
              help="Open connections at once; more are answered 503.")
@click.option("--share", is_flag=True, default=False,
              help="Also publish a temporary public gradio.live link (off by default; needs internet).")
@click.option("--access-log", is_flag=True, help="Log every HTTP request.")
@device_option
@results_option
def serve_cmd(models, host, port, max_mb, max_seconds, max_zip_mb, max_files, examples_dir, allow_folder, window,
              body_timeout, idle_timeout, max_connections, share, access_log, device, results_dir):
    """Serve a page where users upload or record audio and get each saved detector's verdict."""
    from pathlib import Path

    from ..errors import ConfigError
    from ..ui import require_ui
    from ..ui.limits import Limits, bind_socket, validate_options

    limits = Limits(max_mb=max_mb, max_seconds=max_seconds, max_zip_mb=max_zip_mb, max_files=max_files,
                    body_timeout=body_timeout, idle_timeout=idle_timeout, max_connections=max_connections)
    validate_options(host, port, limits, window=window)
    if examples_dir is not None and not Path(examples_dir).expanduser().is_dir():
        raise ConfigError(f"--examples {examples_dir!r} is not a folder")
    if allow_folder is not None and not Path(allow_folder).expanduser().is_dir():
        raise ConfigError(f"--allow-folder {allow_folder!r} is not a folder")
    require_ui()
    sock = bind_socket(host, port)
    try:
        from ..device import resolve_device
        from ..ui.app import find_examples
        from ..ui.models import load_models
        from ..ui.server import build_server, run

        entries = load_models(models, results_dir=results_dir, device=resolve_device(device))
        examples = find_examples(examples_dir, limits)
        parts = build_server(entries, limits, sock, host=host, examples=examples, allow_folder=allow_folder,
                             window=window, access_log=access_log)
    except BaseException:
        sock.close()
        raise
    names = ", ".join(f"{e.key} ({e.run_id})" for e in entries)

    def ready(url: str) -> None:
        click.echo(f"fakebench serve: {names} on {url}  (Ctrl-C to stop)", err=False)

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: anyone who can reach this machine can use the page "
                   "(no authentication); see docs/serve.md", err=True)
    run(parts, on_ready=ready, share=share)
