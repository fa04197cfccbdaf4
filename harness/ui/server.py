"""The server around the page: FastAPI + uvicorn, with guards against slow or hostile clients.

The Gradio Blocks are mounted on our own FastAPI app, served by our own
``uvicorn.Server`` on a socket we bind ourselves (so a port in use is a clear error before
anything loads). Three guards, all enforced before the page's code runs:

* **Body size** (:class:`RequestGuard`): a request announcing a body larger than
  ``Limits.max_body_bytes`` is answered ``413`` without reading the body; a chunked body is
  counted as it arrives and cut off at the same size.
* **Body deadline** (:class:`RequestGuard`): once its headers are in, a request has
  ``Limits.body_timeout`` seconds to deliver its whole body; a client that announces 1,000
  bytes and sends 5 gets ``408`` and its connection is closed. It holds no worker meanwhile
  (the server is asynchronous), so other users are served as usual.
* **Idle connections** (:func:`guarded_protocol`): a connection that does not complete a
  request's headers within ``Limits.idle_timeout`` seconds (slowloris-style trickling, or
  a silent socket) is closed; uvicorn's ``timeout_keep_alive`` closes idle keep-alive
  connections. At most ``Limits.max_connections`` connections are open at once (uvicorn's
  ``limit_concurrency``: more get ``503``), and the scoring queue holds at most 16 jobs.

The server binds to 127.0.0.1 unless told otherwise and has no authentication; see
``docs/serve.md`` for deployment behind a reverse proxy.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .analysis import DEFAULT_WINDOW
from .app import UploadJanitor
from .limits import MULTIPART_SLACK, Limits
from .models import ModelEntry

log = logging.getLogger("fakebench")

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class RequestGuard:
    """ASGI middleware: refuse over-large bodies unread (413), and give a request
    ``body_timeout`` seconds to deliver its body (else 408 and the connection closes)."""

    def __init__(self, app: Any, *, max_body: int, body_timeout: float):
        self.app = app
        self.max_body = int(max_body)
        self.body_timeout = float(body_timeout)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, chunked = None, False
        for k, v in scope.get("headers", ()):
            if k == b"content-length":
                try:
                    length = int(v)
                except ValueError:
                    await _reply(send, 400, "invalid Content-Length")
                    return
            elif k == b"transfer-encoding" and b"chunked" in v.lower():
                chunked = True
        if length is not None and length > self.max_body:
            await _reply(send, 413, f"request body too large ({length / (1 << 20):.1f} MB announced); the limit is "
                                    f"{self.max_body / (1 << 20):.1f} MB")
            return
        if not chunked and not length and scope.get("method") not in _BODY_METHODS:
            await self.app(scope, receive, send)  # no body to wait for
            return
        await self._guarded(scope, receive, send)

    async def _guarded(self, scope: dict, receive: Callable, send: Callable) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        state = {"done": False, "received": 0, "refused": None, "started": False}

        async def guarded_receive() -> dict:
            if state["done"]:
                return await receive()  # after the body: the app waits for a disconnect
            if state["refused"]:
                return {"type": "http.disconnect"}
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise asyncio.TimeoutError
                message = await asyncio.wait_for(receive(), timeout=remaining)
            except asyncio.TimeoutError:
                state["refused"] = (408, f"the request body did not arrive within {self.body_timeout:g} s")
                return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_body:
                    state["refused"] = (413, f"request body larger than {self.max_body / (1 << 20):.1f} MB")
                    return {"type": "http.disconnect"}
                if not message.get("more_body", False):
                    state["done"] = True
            else:
                state["done"] = True
            return message

        async def guarded_send(message: dict) -> None:
            if state["refused"]:
                return  # the guard answers instead
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if not state["refused"]:
                raise
            log.debug("serve: request cut off by the guard", exc_info=True)
        if state["refused"] and not state["started"]:
            status, text = state["refused"]
            log.info("serve: %s %s from %s refused: %s", scope.get("method"), scope.get("path"),
                     (scope.get("client") or ("?",))[0], text)
            await _reply(send, status, text)


async def _reply(send: Callable, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def guarded_protocol(idle_timeout: float) -> type:
    """uvicorn's h11 protocol, closing connections that do not complete a request's
    headers within ``idle_timeout`` seconds of connecting or of their previous response."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        _fb_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._fb_arm()

        def _fb_idle(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _fb_arm(self) -> None:
            if self._fb_timer is None:
                self._fb_timer = self.loop.call_later(idle_timeout, self._fb_expire)

        def _fb_disarm(self) -> None:
            if self._fb_timer is not None:
                self._fb_timer.cancel()
                self._fb_timer = None

        def _fb_expire(self) -> None:
            self._fb_timer = None
            if self._fb_idle() and not self.transport.is_closing() and self.transport.get_protocol() is self:
                log.info("serve: closing a connection from %s: no complete request within %g s",
                         (self.client or ("?",))[0], idle_timeout)
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            if self._fb_idle():
                self._fb_arm()
            super().data_received(data)
            if not self._fb_idle() or self.transport.get_protocol() is not self:  # a request started, or upgraded
                self._fb_disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self._fb_idle() and not self.transport.is_closing():
                self._fb_arm()

        def connection_lost(self, exc) -> None:  # type: ignore[override]
            self._fb_disarm()
            super().connection_lost(exc)

    return GuardedH11Protocol


@dataclass
class ServerParts:
    """What :func:`build_server` assembled: run ``uvicorn`` with ``server.serve(sockets=[sock])``."""

    server: Any
    app: Any
    blocks: Any
    sock: socket.socket
    tmp_root: Path
    url: str
    stop_event: threading.Event = field(default_factory=threading.Event)
    cleanup_done: bool = field(default=False)

    def cleanup(self) -> None:
        self.stop_event.set()
        if not self.cleanup_done:
            self.cleanup_done = True
            shutil.rmtree(self.tmp_root, ignore_errors=True)


def build_server(models: Sequence[ModelEntry], limits: Limits, sock: socket.socket, *, host: str,
                 examples: Sequence[Any] = (), allow_folder: str | Path | None = None,
                 window: float = DEFAULT_WINDOW, hop: float | None = None, access_log: bool = False) -> ServerParts:
    """The page mounted on a guarded FastAPI app, and the uvicorn server for ``sock``."""
    tmp_root = Path(tempfile.mkdtemp(prefix="fakebench-serve-"))
    os.chmod(tmp_root, 0o700)
    uploads = tmp_root / "uploads"
    uploads.mkdir()
    incoming = tmp_root / "incoming"
    incoming.mkdir()
    os.environ["GRADIO_TEMP_DIR"] = str(uploads)  # read by gradio when the Blocks and routes are built
    # Gradio streams an upload into a NamedTemporaryFile of the default temporary folder
    # before moving it to GRADIO_TEMP_DIR: keep those in the private folder too (this
    # process serves nothing else).
    tempfile.tempdir = str(incoming)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(gradio|starlette|fastapi)(\..*)?$")
    try:
        import gradio as gr
        import uvicorn
        from fastapi import FastAPI

        from .app import build_blocks, theme
        from .render import CSS

        blocks = build_blocks(models, limits, tmp_root=tmp_root, examples=examples, allow_folder=allow_folder,
                              window=window, hop=hop)
        fastapi_app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        fastapi_app = gr.mount_gradio_app(
            fastapi_app, blocks, path="", max_file_size=limits.max_body_bytes - MULTIPART_SLACK, show_error=True,
            ssr_mode=False, enable_monitoring=False, mcp_server=False, pwa=False, theme=theme(), css=CSS,
            allowed_paths=[str(e.path) for e in examples])
        app = RequestGuard(fastapi_app, max_body=limits.max_body_bytes, body_timeout=limits.body_timeout)
        config = uvicorn.Config(
            app, http=guarded_protocol(limits.idle_timeout), ws="none", lifespan="on",
            limit_concurrency=limits.max_connections, timeout_keep_alive=max(1, int(min(5, limits.idle_timeout))),
            timeout_graceful_shutdown=2, log_level="warning", access_log=access_log, server_header=False,
            proxy_headers=False)
        server = uvicorn.Server(config)
    except BaseException:
        shutil.rmtree(tmp_root, ignore_errors=True)
        raise
    h, p = sock.getsockname()[:2]
    shown = h if h not in ("0.0.0.0", "::") else "127.0.0.1"
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{p}/"
    parts = ServerParts(server=server, app=app, blocks=blocks, sock=sock, tmp_root=tmp_root, url=url)
    janitors = [UploadJanitor(uploads), UploadJanitor(incoming)]
    threading.Thread(target=_sweeper, args=(janitors, limits, parts.stop_event), daemon=True,
                     name="fakebench-serve-sweeper").start()
    return parts


def _sweeper(janitors: Sequence[Any], limits: Limits, stop: threading.Event) -> None:
    """Every few seconds, remove the parts of uploads that were cut off (older than the
    body deadline, which no upload in progress outlives)."""
    interval = min(30.0, max(1.0, limits.body_timeout))
    while not stop.wait(interval):
        for janitor in janitors:
            janitor.sweep_partial(limits.body_timeout + 1.0)


def run(parts: ServerParts, *, on_ready: Callable[[str], None] | None = None, share: bool = False) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM), then delete the private temporary folder."""

    async def main() -> None:
        task = asyncio.create_task(parts.server.serve(sockets=[parts.sock]))
        while not parts.server.started and not task.done():
            await asyncio.sleep(0.05)
        if parts.server.started:
            if on_ready is not None:
                on_ready(parts.url)
            if share:
                threading.Thread(target=_share, args=(parts, on_ready), daemon=True).start()
        await task

    # uvicorn stops gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # that was installed before it: make that one a no-op, so the process cleans up and
    # exits 0 instead of dying by the signal (or printing an interrupted-run message)
    import signal

    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {s: signal.signal(s, _stopped) for s in handled}
    try:
        asyncio.run(main())
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        parts.cleanup()


def _stopped(signum: int, frame: Any) -> None:
    log.info("serve: stopped by signal %d", signum)


def _share(parts: ServerParts, on_ready: Callable[[str], None] | None) -> None:
    """A public gradio.live link (Gradio's tunnel); needs internet access."""
    import secrets

    from gradio import networking

    host, port = parts.sock.getsockname()[:2]
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    try:
        url = networking.setup_tunnel(host, port, secrets.token_urlsafe(32), None, None)
    except Exception as e:
        log.warning("serve: --share failed, the page stays local only: %s", str(e).splitlines()[0] if str(e) else e)
        return
    if on_ready is not None:
        on_ready(url)
