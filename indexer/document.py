"""What a reader makes of a file: a `Document` (`make_document`), or an `IngestError` that
says which file and why; the file-size limit every reader checks first. Apart from
indexer/documents.py (which walks a corpus) and indexer/readers/ (one reader per format),
which both import it and not each other."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path


class IngestError(Exception):
    """A file that cannot be indexed; `path` says which and `reason` says why."""

    def __init__(self, path: str, reason: str, skipped: bool = False):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        # skipped: nothing to index (empty, unsupported type); otherwise the file failed
        self.skipped = skipped or reason.startswith(("empty file", "unsupported file type",
                                                     "no text found"))


@dataclass
class Document:
    doc_id: str
    title: str
    text: str
    source: str  # file the document came from (relative to the corpus root when possible)
    checksum: str  # sha256 of the normalised text
    extra: dict = field(default_factory=dict)


def text_checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


MAX_FILE_MB_ENV = "TRACUU_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 50.0


def max_file_bytes() -> int:
    raw = os.environ.get(MAX_FILE_MB_ENV)
    try:
        mb = float(raw) if raw else DEFAULT_MAX_FILE_MB
    except ValueError:
        mb = DEFAULT_MAX_FILE_MB
    return int(mb * 1024 * 1024)


def check_size(path: Path) -> int:
    size = path.stat().st_size
    limit = max_file_bytes()
    if size > limit:
        raise IngestError(str(path), f"file too large ({size / 1048576:.1f} MB > limit "
                                     f"{limit / 1048576:g} MB; raise it with --max-file-mb or "
                                     f"{MAX_FILE_MB_ENV})")
    if size == 0:
        raise IngestError(str(path), "empty file")
    return size


def make_document(path: Path, doc_id: str, text: str, extra: dict | None = None,
                  title: str | None = None) -> Document:
    from indexer.chunker import guess_title
    from indexer.textnorm import normalize_source

    text = normalize_source(text)
    if not text.strip():
        raise IngestError(str(path), "no text found (empty document)")
    return Document(doc_id=doc_id, title=title or guess_title(text), text=text, source=doc_id,
                    checksum=text_checksum(text), extra=extra or {})
