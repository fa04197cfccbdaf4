"""Reading user text files (manifests, protocols, tables, config files) in the right encoding.

Accepted: UTF-8 (with or without a byte-order mark) and BOM-marked UTF-16/32. Anything
else is refused with one error naming the file, the line, the byte offset and the
encoding expected, instead of a bare ``UnicodeDecodeError``:

* :func:`decode_text` decodes a whole file's bytes (small files: config files);
* :func:`open_text` streams a file line by line (manifests and protocols of any size),
  never holding more than a read buffer; the byte offset of a bad byte is found only
  when there is one, by a second pass over the file.

A NUL byte is refused too: it is what a UTF-16 file without a byte-order mark looks
like when read as UTF-8 (and what a binary file saved under a ``.csv`` name holds), and
CSV readers would fail on it without naming the file.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path

from .errors import ConfigError

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
#: (BOM, the codec that reads what follows it), longest BOM first (UTF-32-LE starts like UTF-16-LE)
_RAW = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HINT = "save the file as UTF-8 (or UTF-16 with a byte-order mark)"


def sniff_encoding(head: bytes) -> str:
    """The encoding a file starting with ``head`` is read in: from its BOM, else UTF-8."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return "utf-8"


def raw_codec(head: bytes) -> tuple[str, int]:
    """``(codec, BOM length)``: the codec that reads the bytes after the BOM, e.g.
    ``("utf-16-le", 2)``; ``("utf-8", 0)`` without a BOM."""
    for bom, name in _RAW:
        if head.startswith(bom):
            return name, len(bom)
    return "utf-8", 0


def _describe(path: str | Path, expected: str, codec: str, offset: int, byte: int | None, line: int | None,
              prefix: str) -> str:
    where = f" (line {line})" if line is not None else ""
    if byte is None:
        what = f"it ends inside a character at offset {offset}"
    elif byte == 0 and codec == "utf-8":
        what = (f"byte 0x00 at offset {offset}{where} is a NUL: the file is UTF-16/32 without a byte-order mark, "
                "or not text")
    else:
        what = f"byte 0x{byte:02x} at offset {offset}{where} cannot be decoded as {codec.upper()}"
        if codec == "utf-8" and byte >= 0x80:
            what += " (Latin-1 or Windows-1252 text?)"
    return f"{prefix}{str(path)!r} is not {expected}: {what}"


def decode_text(raw: bytes, path: str | Path, *, expected: str = "UTF-8 text", error: type = ConfigError,
                prefix: str = "") -> str:
    """``raw`` decoded (see the module docstring); ``error`` is the exception type raised."""
    codec, skip = raw_codec(raw[:4])
    try:
        text = raw[skip:].decode(codec)
    except UnicodeDecodeError as e:
        offset = skip + e.start
        line = raw[skip:offset].count(b"\n") + 1 if codec == "utf-8" else None
        byte = raw[offset] if e.reason != "unexpected end of data" else None
        raise error(_describe(path, expected, codec, offset, byte, line, prefix), hint=_HINT) from None
    nul = text.find("\x00")
    if nul >= 0:
        offset = skip + len(text[:nul].encode(codec))
        raise error(_describe(path, expected, codec, offset, 0, text.count("\n", 0, nul) + 1, prefix), hint=_HINT)
    return text


def locate_decode_error(path: str | Path, chunk: int = 1 << 20) -> tuple[int, int | None, int, str] | None:
    """Where the first undecodable byte (or NUL) of the file is: ``(offset, byte, line,
    codec)``, with ``byte`` None for a character cut off at the end; None when the file
    decodes. Streams the file in ``chunk`` bytes."""
    with open(path, "rb") as f:
        head = f.read(4)
        codec, skip = raw_codec(head)
        f.seek(skip)
        decoder = codecs.getincrementaldecoder(codec)("strict")
        pos, line = skip, 1
        while True:
            data = f.read(chunk)
            pending = decoder.getstate()[0]
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as e:
                offset = pos - len(pending) + e.start
                joined = pending + data
                byte = joined[e.start] if e.start < len(joined) and e.reason != "unexpected end of data" else None
                line += joined[:e.start].decode(codec, errors="replace").count("\n")
                return offset, byte, line, codec
            nul = text.find("\x00")
            if nul >= 0:
                before = len(text[:nul].encode(codec))
                return pos - len(pending) + before, 0, line + text.count("\n", 0, nul), codec
            line += text.count("\n")
            if not data:
                return None
            pos += len(data)


class TextLines:
    """The lines of a text file (ends kept), streamed in its encoding (see the module
    docstring). Use as a context manager and iterate; ``error`` (a
    :class:`~fakebench.errors.FakebenchError` subclass) is raised for undecodable bytes,
    with ``prefix`` before the message (e.g. ``"asvspoof19-la: "``)."""

    def __init__(self, path: str | Path, *, error: type = ConfigError, expected: str = "UTF-8 text",
                 prefix: str = "", newline: str | None = ""):
        self.path = Path(path)
        self.error = error
        self.expected = expected
        self.prefix = prefix
        raw = open(self.path, "rb")  # OSError (missing file, a folder...) is the caller's to word
        try:
            head = raw.read(4)
            self.codec, skip = raw_codec(head)
            raw.seek(skip)
            self._file = io.TextIOWrapper(raw, encoding=self.codec, errors="strict", newline=newline)
        except BaseException:
            raw.close()
            raise
        self.lineno = 0

    def __enter__(self) -> "TextLines":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._file)
        except UnicodeDecodeError:
            self._fail()
        self.lineno += 1
        if "\x00" in line:
            self._fail()
        return line

    def _fail(self):
        found = locate_decode_error(self.path)
        if found is None:  # cannot happen for a file that did not change meanwhile
            raise self.error(f"{self.prefix}{str(self.path)!r} is not {self.expected} (it changed while being read?)",
                             hint=_HINT) from None
        offset, byte, line, codec = found
        raise self.error(_describe(self.path, self.expected, codec, offset, byte, line, self.prefix),
                         hint=_HINT) from None


def open_text(path: str | Path, *, error: type = ConfigError, expected: str = "UTF-8 text", prefix: str = "",
              newline: str | None = "") -> TextLines:
    """:class:`TextLines` of ``path``: ``with open_text(p) as lines: for line in lines: ...``."""
    return TextLines(path, error=error, expected=expected, prefix=prefix, newline=newline)
