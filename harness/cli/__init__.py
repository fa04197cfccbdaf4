"""The ``fakebench`` command: a thin click group over the Python API.

Each command lives in its own module here and is added in :data:`COMMANDS`. Errors a
user can act on print as one line (``Error: ...``) with exit status 2; ``--debug`` shows
the traceback instead.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from ..errors import FakebenchError

#: (module, command attribute) pairs; each module defines one click command or group.
COMMANDS = (
    ("run", "run_cmd"),
    ("list", "list_cmd"),
    ("leaderboard", "leaderboard_cmd"),
    ("score", "score_cmd"),
    ("results", "results_cmd"),
    ("info", "info_cmd"),
    ("download", "download_cmd"),
    ("prepare", "prepare_cmd"),
    ("embed", "embed_cmd"),
    ("serve", "serve_cmd"),
    ("reproduce", "reproduce_cmd"),
    ("evaluate", "evaluate_cmd"),
)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        debug = ctx.params.get("debug") or "--debug" in sys.argv
        try:
            return super().invoke(ctx)
        except FakebenchError as e:
            if debug:
                raise
            _fail(f"Error: {e.message}" + (f"\n  hint: {e.hint}" if e.hint else ""))
        except KeyboardInterrupt:
            _fail("Interrupted. Embeddings and results computed so far are saved; re-run to resume.", 130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:  # a bug, or an error from a third-party library
            if debug:
                raise
            msg = str(e).splitlines()[0] if str(e) else ""
            _fail(f"Error: {type(e).__name__}: {msg}\n  hint: run with --debug for the traceback", 1)


def _fail(message: str, code: int = 2) -> None:
    click.echo(message, err=True)
    sys.exit(code)


class _Handler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        prefix = "warning: " if record.levelno >= logging.WARNING else ""
        click.echo(f"{prefix}{record.getMessage()}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option("-q", "--quiet", is_flag=True, help="Only print results and errors.")
@click.version_option(package_name="fakebench")
def main(debug: bool, quiet: bool) -> None:
    """Benchmark audio deepfake detectors: datasets x embedders x detectors x metrics.

    Labels: 1 = fake/spoof; higher score = more likely fake.
    """
    log = logging.getLogger("fakebench")
    log.handlers[:] = [_Handler()]
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    log.propagate = False
    if not debug:
        import warnings

        warnings.filterwarnings("ignore", category=UserWarning, module="torch")
        warnings.filterwarnings("ignore", category=FutureWarning)


for _module, _attr in COMMANDS:
    try:
        _mod = importlib.import_module(f"{__name__}.{_module}")
    except ModuleNotFoundError as _e:
        if _e.name != f"{__name__}.{_module}":
            raise
        continue
    if hasattr(_mod, _attr):
        main.add_command(getattr(_mod, _attr))
