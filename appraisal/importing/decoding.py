"""Turn a file's bytes into UTF-8: UTF-8 (with or without BOM), else GB18030.

GB18030 is a superset of GBK and GB2312, the encodings Chinese Excel writes.
Decoding is strict: a byte sequence that is not text in the chosen encoding is
an error naming its line, never a silent replacement character.
"""

from __future__ import annotations

import codecs

from appraisal.errors import UserError
from appraisal.importing.raw import SourceError, SourceRef, file_issue

BOM = codecs.BOM_UTF8
FALLBACK = "gb18030"


def check_encoding(name: str) -> str:
    """The codec name for ``--encoding``, or a UserError naming the problem."""
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise UserError(
            f"unknown encoding {name!r} (expected e.g. utf-8, utf-8-sig, gb18030, gbk)"
        ) from exc


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def to_utf8(data: bytes, source: SourceRef, encoding: str | None = None) -> tuple[bytes, str]:
    """UTF-8 bytes without BOM, and the encoding the file was read as."""
    if encoding is not None:
        return _decode_as(data, source, check_encoding(encoding))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode(FALLBACK).encode("utf-8"), FALLBACK
        except UnicodeDecodeError:
            line = _line_of(data, utf8_error.start)
            raise SourceError(
                file_issue(
                    source,
                    "IMP002",
                    f"not UTF-8 (byte 0x{data[utf8_error.start]:02x} on line {line}) "
                    "and not GB18030 either",
                    line,
                    hint="pass --encoding with the file's encoding",
                )
            ) from None
    return (data[len(BOM) :] if data.startswith(BOM) else data), "utf-8"


def _decode_as(data: bytes, source: SourceRef, encoding: str) -> tuple[bytes, str]:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        raise SourceError(
            file_issue(
                source,
                "IMP002",
                f"not valid {encoding} (byte 0x{data[exc.start]:02x} on line {line})",
                line,
                hint="check --encoding, or leave it out to detect UTF-8 / GB18030",
            )
        ) from None
    return text.removeprefix("\ufeff").encode("utf-8"), encoding
