"""Plain text and Markdown in any common encoding.

Order of decisions:
1. a byte-order mark says it: UTF-8-BOM, UTF-16 LE/BE, UTF-32 LE/BE;
2. NUL bytes without a BOM: UTF-16 without BOM if every other byte is NUL-heavy,
   otherwise binary data → rejected;
3. valid UTF-8 → UTF-8;
4. invalid UTF-8 that still contains valid multi-byte UTF-8 sequences is broken UTF-8
   (a legacy encoding would decode it as mojibake) → rejected, naming the offset;
5. otherwise charset-normalizer's best guess (Windows-1258 for legacy Vietnamese).
Windows-1258 writes tones as combining marks ("ê" + U+0301), so the text is NFC
normalised after decoding (make_document does it) and "ế" is one character again.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from indexer.document import Document, IngestError

BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    return bool(sample) and len(CONTROL.findall(sample)) > max(2, len(sample) // 200)


def _utf16_without_bom(data: bytes) -> str | None:
    even, odd = data[0::2][:4096], data[1::2][:4096]
    for zeros, encoding in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros and zeros.count(0) > 0.3 * len(zeros):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if not _looks_binary(text):
                return text
    return None


def decode_bytes(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding name) or IngestError."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as err:
                raise IngestError(str(path), f"undecodable text: {encoding} byte-order mark but invalid "
                                             f"{encoding} at offset {err.start}") from None
    if b"\x00" in data[:8192]:
        text = _utf16_without_bom(data)
        if text is None:
            raise IngestError(str(path), "binary data (NUL bytes), not a text file")
        return text, "utf-16"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        if UTF8_MULTIBYTE.search(data):
            raise IngestError(str(path), f"undecodable text: not valid UTF-8 (byte 0x{data[err.start]:02x} "
                                         f"at offset {err.start}) and not a legacy encoding either") from None
    else:
        if _looks_binary(text):
            raise IngestError(str(path), "binary data (control characters), not a text file")
        return text, "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise IngestError(str(path), "undecodable text: no known encoding fits (not UTF-8, UTF-16 "
                                     "or Windows-1258)")
    text = str(best)
    if _looks_binary(text):
        raise IngestError(str(path), "binary data, not a text file")
    return text, best.encoding


def read_text_file(path: Path, doc_id: str) -> Document:
    from indexer.document import make_document

    text, encoding = decode_bytes(path, path.read_bytes())
    text = unicodedata.normalize("NFC", text).lstrip("\ufeff")
    extra = {} if encoding in ("utf-8", "utf-8-sig") else {"encoding": encoding}
    return make_document(path, doc_id, text, extra)
