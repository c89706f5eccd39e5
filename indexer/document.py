"""What a reader makes of a file: a `Document`, or an `IngestError` that says which file
and why. Apart from indexer/documents.py (which walks a corpus and picks a reader) so the
readers in indexer/readers/ and documents.py both import it and not each other."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


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
