"""Limits of ``fakebench serve`` and the checks that enforce them.

Every clip passes :func:`check_clip` before anything decodes it: its size first, then its
duration **read from the file header** (``soundfile.info``: frames and sample rate, no
decoding). A 0.7 MB FLAC can hold hours of silence; decoding it whole to find out would
allocate gigabytes, so a clip whose header announces more than ``max_seconds`` (or does
not state its length at all) is refused without decoding. What is decoded afterwards is
bounded by the same limit.

Uploaded zip files go through :func:`extract_zip`: a member whose name is absolute or
climbs out of the archive (``..``), a link, more members than ``max_files``, a member
larger than ``max_mb`` (by its header, and again while it is copied) or a total beyond
``max_files * max_mb`` refuses the whole archive. Members are written under a fresh
temporary folder with generated names; their archive names are only reported.

Option validation (:func:`validate_options`) gives one clear :class:`ConfigError` per bad
option: the CLI prints it and exits with status 2.
"""

from __future__ import annotations

import ipaddress
import math
import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import ConfigError, FakebenchError

MIB = 1 << 20
#: what a multipart upload adds to the file it carries (boundaries, part headers), at most
MULTIPART_SLACK = 64 * 1024


class ClipRefused(FakebenchError):
    """A clip or archive the server will not process (too large, too long, unreadable,
    unsafe); the message is shown to the user as is."""


@dataclass(frozen=True)
class Limits:
    """What one request may cost the server.

    ``max_mb``/``max_seconds``: one clip; ``max_zip_mb``/``max_files``: one batch (an
    uploaded zip, or a server-side folder); ``body_timeout``: seconds a client has to send
    a request body once its headers are in; ``idle_timeout``: seconds a connection may sit
    without a complete request (slow or stalled headers, idle keep-alive);
    ``max_connections``: open connections at once (more get 503).
    """

    max_mb: float = 20.0
    max_seconds: float = 600.0
    max_zip_mb: float = 100.0
    max_files: int = 200
    body_timeout: float = 30.0
    idle_timeout: float = 10.0
    max_connections: int = 64

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * MIB)

    @property
    def max_zip_bytes(self) -> int:
        return int(self.max_zip_mb * MIB)

    @property
    def max_body_bytes(self) -> int:
        """The largest request body accepted: the larger upload (a clip or a zip) plus
        the multipart framing around it. Larger announced bodies get 413 unread."""
        return max(self.max_bytes, self.max_zip_bytes) + MULTIPART_SLACK

    def describe(self) -> str:
        """One sentence for the page."""
        return (f"Limits: a clip up to {self.max_mb:g} MB and {_duration(self.max_seconds)} (the duration is read from "
                f"the file header before anything is decoded); a zip up to {self.max_zip_mb:g} MB with at most "
                f"{self.max_files} clips. Uploads are kept in a private temporary folder and deleted after scoring.")


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"


# -- options ------------------------------------------------------------------------------


def _positive(name: str, value: float, *, integer: bool = False) -> None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}",
                          hint=f"e.g. {name} {'200' if integer else '20'}")
    if integer and v != int(v):
        raise ConfigError(f"{name} must be a whole number, got {value!r}")


def validate_options(host: str, port: int, limits: Limits, *, window: float | None = None,
                     hop: float | None = None) -> None:
    """Raise one :class:`ConfigError` naming the first bad option (host, port, a limit)."""
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535 (0 picks a free port), got {port!r}")
    for name, value, integer in (("--max-mb", limits.max_mb, False), ("--max-seconds", limits.max_seconds, False),
                                 ("--max-zip-mb", limits.max_zip_mb, False), ("--max-files", limits.max_files, True),
                                 ("--body-timeout", limits.body_timeout, False),
                                 ("--idle-timeout", limits.idle_timeout, False),
                                 ("--max-connections", limits.max_connections, True)):
        _positive(name, value, integer=integer)
    if window is not None:
        _positive("--window", window)
    if hop is not None:
        _positive("--hop", hop)
    check_host(host)


def check_host(host: str) -> None:
    """A host to listen on: an IP address, or a name that resolves."""
    if not host or not isinstance(host, str) or any(c.isspace() for c in host) or "/" in host:
        raise ConfigError(f"--host {host!r} is not an address to listen on",
                          hint="use 127.0.0.1 (this machine only), 0.0.0.0 (all interfaces) or a host name")
    try:
        ipaddress.ip_address(host.strip("[]"))
        return
    except ValueError:
        pass
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise ConfigError(f"--host {host!r} does not resolve to an address ({getattr(e, 'strerror', None) or e})",
                          hint="use 127.0.0.1 (this machine only), 0.0.0.0 (all interfaces) or a host name") from None


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port=0``: a free one); a clear
    :class:`ConfigError` when the port is taken or the address is not this machine's."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ConfigError(f"--host {host!r} does not resolve to an address ({e.strerror or e})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # restart quickly after a stop, but never share a port in use (no SO_REUSEPORT)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        import errno

        if e.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is already in use",
                              hint="stop the other server, or choose another --port (0 picks a free one)") from None
        if e.errno == errno.EADDRNOTAVAIL:
            raise ConfigError(f"--host {host!r} is not an address of this machine") from None
        if e.errno == errno.EACCES:
            raise ConfigError(f"no permission to listen on port {port} (ports below 1024 need privileges)",
                              hint="choose a --port above 1023") from None
        raise ConfigError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.setblocking(False)
    return sock


# -- clips --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipInfo:
    path: Path
    name: str
    bytes: int
    frames: int
    sample_rate: int
    channels: int

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def check_clip(path: str | Path, limits: Limits, name: str | None = None) -> ClipInfo:
    """Size, then header: the clip's :class:`ClipInfo`, or :class:`ClipRefused` saying why
    not. Nothing is decoded here."""
    import soundfile as sf

    path = Path(path)
    label = name or path.name
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ClipRefused(f"{label}: the file is no longer on the server (uploads are deleted after scoring); "
                          "upload it again") from None
    except OSError as e:
        raise ClipRefused(f"{label}: cannot be read ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ClipRefused(f"{label}: not a regular file")
    if st.st_size == 0:
        raise ClipRefused(f"{label}: the file is empty")
    if st.st_size > limits.max_bytes:
        raise ClipRefused(f"{label}: the file is too large ({st.st_size / MIB:.1f} MB); the limit is "
                          f"{limits.max_mb:g} MB")
    try:
        info = sf.info(str(path))
    except Exception as e:  # soundfile raises LibsndfileError, RuntimeError, TypeError...
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        msg = msg.replace(str(path), label)
        if ("does not exist or is not a regular file" in msg or "unknown format" in msg.lower()
                or "Format not recognised" in msg):
            msg = "unknown or unsupported audio format"
        raise ClipRefused(f"{label}: not an audio file fakebench can read ({msg}); use WAV, FLAC, OGG or MP3") from None
    frames, sr = int(info.frames), int(info.samplerate)
    if sr <= 0:
        raise ClipRefused(f"{label}: the header gives no sample rate")
    if frames <= 0:
        raise ClipRefused(f"{label}: the file holds no samples")
    if frames >= 2 ** 62:  # libsndfile's "unknown length" (SF_COUNT_MAX): a stream that does not say
        raise ClipRefused(f"{label}: the header does not state the clip's length, so its duration cannot be "
                          f"checked before decoding; re-encode it (e.g. to WAV or FLAC)")
    seconds = frames / sr
    if seconds > limits.max_seconds:
        raise ClipRefused(f"{label}: the clip is too long ({_hms(seconds)} by its header); the limit is "
                          f"{_duration(limits.max_seconds)}")
    return ClipInfo(path=path, name=label, bytes=int(st.st_size), frames=frames, sample_rate=sr,
                    channels=int(info.channels))


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{seconds:.1f} s"


# -- batches ------------------------------------------------------------------------------


def _audio_suffix(name: str) -> str | None:
    from ..data.files import audio_suffixes

    suffix = PurePosixPath(name).suffix.lower()
    return suffix if suffix in audio_suffixes() else None


def _unsafe_member(name: str) -> str | None:
    """Why a member name would leave the extraction folder, or None."""
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":") or "\x00" in text:
        return "an absolute path"
    if any(part == ".." for part in PurePosixPath(text).parts):
        return "a path climbing out of the archive ('..')"
    return None


def extract_zip(archive: str | Path, dest: str | Path, limits: Limits) -> list[tuple[str, Path]]:
    """The audio members of ``archive`` extracted under ``dest``: (archive name, path).

    Refuses (:class:`ClipRefused`) the whole archive when a member is unsafe (absolute,
    ``..``, a link), when it holds more than ``max_files`` audio files, a member larger than
    ``max_mb``, or more than ``max_files * max_mb`` in all. Files are written with generated
    names (``0001.flac``...) inside ``dest``, never with the member's own path. Members
    that are not audio files (by suffix) are skipped.
    """
    import zipfile

    archive, dest = Path(archive), Path(dest)
    label = archive.name
    size = archive.stat().st_size
    if size > limits.max_zip_bytes:
        raise ClipRefused(f"{label}: the archive is too large ({size / MIB:.1f} MB); the limit is "
                          f"{limits.max_zip_mb:g} MB")
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise ClipRefused(f"{label}: not a zip archive ({e})") from None
    with zf:
        members = zf.infolist()
        audio = []
        for m in members:
            why = _unsafe_member(m.filename)
            if why:
                raise ClipRefused(f"{label}: refused: member {m.filename!r} is {why}")
            mode = (m.external_attr >> 16) & 0o170000
            if mode == stat.S_IFLNK:
                raise ClipRefused(f"{label}: refused: member {m.filename!r} is a symbolic link")
            if m.is_dir() or PurePosixPath(m.filename).name.startswith(".") or "__MACOSX/" in m.filename:
                continue
            if _audio_suffix(m.filename):
                audio.append(m)
        if not audio:
            raise ClipRefused(f"{label}: the archive holds no audio files (WAV, FLAC, OGG, MP3...)")
        if len(audio) > limits.max_files:
            raise ClipRefused(f"{label}: the archive holds {len(audio)} audio files; the limit is {limits.max_files}")
        total_cap = limits.max_files * limits.max_bytes
        for m in audio:
            if m.file_size > limits.max_bytes:
                raise ClipRefused(f"{label}: member {m.filename!r} is too large ({m.file_size / MIB:.1f} MB "
                                  f"uncompressed); the limit is {limits.max_mb:g} MB per clip")
        if sum(m.file_size for m in audio) > total_cap:
            raise ClipRefused(f"{label}: the archive expands to more than {total_cap / MIB:.0f} MB")
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        out = []
        for i, m in enumerate(audio, 1):
            target = (root / f"{i:04d}{_audio_suffix(m.filename)}").resolve()
            if target.parent != root:  # cannot happen with generated names; kept as the invariant
                raise ClipRefused(f"{label}: refused: member {m.filename!r} would be written outside the folder")
            written = 0
            try:
                with zf.open(m) as src, open(target, "xb") as dst:
                    while True:
                        chunk = src.read(1 << 16)
                        if not chunk:
                            break
                        written += len(chunk)
                        if written > limits.max_bytes:  # the header lied about the size
                            raise ClipRefused(f"{label}: member {m.filename!r} expands beyond {limits.max_mb:g} MB")
                        dst.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, EOFError) as e:
                raise ClipRefused(f"{label}: member {m.filename!r} cannot be extracted ({e})") from None
            out.append((m.filename, target))
        return out


def folder_clips(folder: str, root: str | Path, limits: Limits) -> list[tuple[str, Path]]:
    """The audio files of a server-side ``folder`` that lies inside ``root`` (the
    ``--allow-folder`` root): (path relative to the folder, path). At most ``max_files``."""
    from ..data.files import audio_files

    root_path = Path(root).expanduser().resolve()
    text = (folder or "").strip()
    if not text:
        raise ClipRefused("give a folder path")
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = root_path / path
    path = path.resolve()
    if path != root_path and root_path not in path.parents:
        raise ClipRefused(f"{text}: only folders inside {root_path} can be scored (--allow-folder)")
    if not path.is_dir():
        raise ClipRefused(f"{text}: no such folder on the server")
    files = audio_files(path)
    if not files:
        raise ClipRefused(f"{text}: the folder holds no audio files (WAV, FLAC, OGG, MP3...)")
    if len(files) > limits.max_files:
        raise ClipRefused(f"{text}: the folder holds {len(files)} audio files; the limit is {limits.max_files}")
    out = []
    for f in files:
        resolved = Path(f).resolve()
        if root_path not in resolved.parents:  # a link pointing out of the allowed root
            raise ClipRefused(f"{text}: {Path(f).name} points outside {root_path}")
        out.append((str(Path(f).relative_to(path)), resolved))
    return out
