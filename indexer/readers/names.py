"""Which file names may enter the corpus folder, and what a file's bytes say it is.

Names: an uploaded or added file is stored in the corpus folder under its own name, so
the name must be one the folder can hold and the indexer will read: not empty, not
hidden (a leading "." — `read_corpus` skips hidden files, so it would never be
indexed), no control or invisible characters, at most MAX_NAME_BYTES bytes of UTF-8
(file systems stop at 255; the indexer adds a temporary prefix and suffix), and a
supported suffix.

Content: the suffix chooses the reader, but the bytes must agree with it. A PDF named
x.txt used to be indexed as text titled "%PDF-1.4"; now it is refused with the fix
(rename it .pdf). Only unmistakable signatures are checked (PDF, ZIP, OLE, images,
archives, executables): plain text and HTML have none.
"""
from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

MAX_NAME_BYTES = 200

# (signature at offset 0, what it is, the suffixes whose reader expects it)
SIGNATURES = (
    (b"%PDF-", "PDF", (".pdf",)),
    (b"PK\x03\x04", "ZIP (.docx, .xlsx, .ods, .odt, .zip, …)", (".docx", ".xlsx", ".ods", ".odt")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Microsoft Office 97–2003 (.doc, .xls)", (".doc", ".xls")),
    (b"{\\rtf", "RTF", (".rtf",)),
    (b"\x89PNG\r\n\x1a\n", "PNG image", (".png",)),
    (b"\xff\xd8\xff", "JPEG image", (".jpg", ".jpeg")),
    (b"II*\x00", "TIFF image", (".tif", ".tiff")),
    (b"MM\x00*", "TIFF image", (".tif", ".tiff")),
    (b"GIF87a", "GIF image", ()),
    (b"GIF89a", "GIF image", ()),
    (b"\x1f\x8b", "gzip archive", ()),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive", ()),
    (b"Rar!\x1a\x07", "RAR archive", ()),
    (b"\x7fELF", "executable (ELF)", ()),
)


def base_name(name: str) -> str:
    """The last path component, whatever the client's separator."""
    return PurePosixPath((name or "").replace("\\", "/")).name


def file_name_problem(name: str, suffixes: tuple[str, ...]) -> tuple[str, str] | None:
    """None when `name` (a base name) may enter the corpus folder; else (code, English reason).
    Codes: no_name, hidden, control, too_long, unsupported."""
    if not name or name in (".", ".."):
        return "no_name", "no file name"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in name):
        return "control", "the file name holds control or invisible characters"
    if name.startswith("."):
        return "hidden", "hidden file name (starts with '.'): the indexer skips hidden files; rename it"
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        return "too_long", f"file name too long ({size} bytes of UTF-8; at most {MAX_NAME_BYTES})"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in suffixes:
        return "unsupported", f"unsupported file type {suffix or '(none)'}; supported: {', '.join(suffixes)}"
    return None


def sniff(head: bytes) -> tuple[str, tuple[str, ...]] | None:
    """(what the bytes are, the suffixes that may hold it) for a recognised binary signature."""
    for signature, what, suffixes in SIGNATURES:
        if head.startswith(signature):
            return what, suffixes
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"%PDF-"):
        return "PDF", (".pdf",)
    return None


def content_mismatch(head: bytes, suffix: str) -> str | None:
    """Why bytes starting with `head` cannot be read as a `suffix` file, or None."""
    suffix = suffix.lower()
    found = sniff(head)
    if found is not None:
        what, holders = found
        if suffix in holders:
            return None
        fix = f"; rename it {holders[0]}" if holders else ""
        return f"the content is {what}, not {suffix}{fix}"
    if suffix == ".pdf" and b"%PDF-" not in head[:1024]:  # readers tolerate a little junk first
        return "not a PDF (no %PDF- signature)"
    if suffix in (".docx", ".xlsx", ".ods", ".odt"):
        return f"not a zip archive, so not a {suffix} (no ZIP signature)"
    if suffix in (".doc", ".xls"):
        return f"not a Microsoft Office 97–2003 file, so not a {suffix} (no OLE signature)"
    if suffix == ".rtf":
        return "not an RTF file (no {\\rtf signature)"
    if suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        return f"not a {suffix[1:].upper()} image (no image signature)"
    return None
