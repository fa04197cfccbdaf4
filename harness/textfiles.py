"""Reading user text files (manifests, protocols, config files) in the right encoding.

:func:`decode_text` accepts UTF-8 (with or without a BOM) and BOM-marked UTF-16/32. Any
other byte sequence is refused with one error naming the file, the byte offset and the
encoding expected, instead of a bare ``UnicodeDecodeError``.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from .errors import ConfigError

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def sniff_encoding(head: bytes) -> str:
    """The encoding a file starting with ``head`` is read in: from its BOM, else UTF-8."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return "utf-8"


def decode_text(raw: bytes, path: str | Path, *, expected: str = "UTF-8 text", error: type = ConfigError) -> str:
    """``raw`` decoded (see the module docstring); ``error`` is the exception type raised."""
    encoding = sniff_encoding(raw[:4])
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as e:
        raise error(f"{str(path)!r} is not {expected}: byte 0x{raw[e.start]:02x} at offset {e.start} "
                    f"cannot be decoded as {encoding}",
                    hint="save the file as UTF-8 (or UTF-16 with a byte-order mark)") from None
