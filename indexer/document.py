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


def env_limit(name: str, default: float) -> float:
    """A limit set by environment variable `name` (a positive number), else `default`."""
    raw = os.environ.get(name)
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = default
    return value if value > 0 else default


# Bounded work per file (issue 24): each limit is a setting; a file over it is refused with
# a reason naming the setting (an upload answers 422 with that reason, file by file).
MAX_UNCOMPRESSED_MB_ENV = "TRACUU_MAX_UNCOMPRESSED_MB"  # zip-based formats: all parts together
DEFAULT_MAX_UNCOMPRESSED_MB = 100.0
MAX_ZIP_RATIO_ENV = "TRACUU_MAX_ZIP_RATIO"  # zip-based formats: one part's expansion
DEFAULT_MAX_ZIP_RATIO = 100.0  # real .docx parts expand 10–17:1; the 153 KB bomb of issue 24, 341:1
MAX_PASSAGES_ENV = "TRACUU_MAX_PASSAGES"  # passages of one document
DEFAULT_MAX_PASSAGES = 5000  # the longest law of vlc-laws-2 makes a few hundred
MAX_PDF_PAGES_ENV = "TRACUU_MAX_PDF_PAGES"
DEFAULT_MAX_PDF_PAGES = 2000


def max_passages() -> int:
    return int(env_limit(MAX_PASSAGES_ENV, DEFAULT_MAX_PASSAGES))


def max_pdf_pages() -> int:
    return int(env_limit(MAX_PDF_PAGES_ENV, DEFAULT_MAX_PDF_PAGES))


def check_page_count(path: Path, pages: int) -> None:
    """Before a paged document's pages are read (or OCR'd): refused above TRACUU_MAX_PDF_PAGES."""
    limit = max_pdf_pages()
    if pages > limit:
        raise IngestError(str(path), f"refused: {pages} pages, more than {MAX_PDF_PAGES_ENV}={limit} "
                                     f"(split the file, or raise the limit)")


def check_passage_count(path: str, passages: int) -> None:
    """A document chunked into more passages than TRACUU_MAX_PASSAGES is refused before
    anything of it is segmented or embedded."""
    limit = max_passages()
    if passages > limit:
        raise IngestError(path, f"refused: more than {MAX_PASSAGES_ENV}={limit} passages in one document "
                                f"(split the file, or raise the limit)")


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
