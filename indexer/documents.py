"""Reading documents from a corpus path: `.txt`/`.md` (any common encoding), `.docx`,
`.pdf`, `.html` (see indexer/readers/) and BEIR-style `.jsonl`.

A document's `text` is the source text in NFC (see textnorm.normalize_source);
every character span in a citation points into this text, which is also what
`GET /documents/{doc_id}` serves.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterator

from indexer.document import Document, IngestError, text_checksum  # noqa: F401 (public names of this module)
from indexer.store.files import file_sha256
from indexer.textnorm import normalize_source

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".xlsx", ".xls", ".ods", ".doc", ".odt",
                      ".rtf", ".jsonl")
# Sidecar metadata files live beside documents and are not documents themselves.
SIDECAR_NAMES = ("metadata.jsonl",)
SIDECAR_SUFFIXES = (".meta.json",)


def decode_utf8(path: Path, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise IngestError(str(path), "binary data (NUL bytes), not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IngestError(
            str(path), f"not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start})"
        ) from None
    return text


def read_txt(path: Path, doc_id: str) -> Document:
    text = normalize_source(decode_utf8(path, path.read_bytes()))
    if not text.strip():
        raise IngestError(str(path), "empty file")
    from indexer.chunker import guess_title  # chunker knows the document layouts

    return Document(doc_id=doc_id, title=guess_title(text), text=text, source=doc_id,
                    checksum=text_checksum(text))


def read_jsonl(path: Path, source: str) -> Iterator[Document]:
    """One BEIR record per line: {"_id", "title", "text"}; `_id` becomes `doc_id`."""
    text = decode_utf8(path, path.read_bytes())
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise IngestError(f"{path}:{lineno}", f"invalid JSON ({err.msg})") from None
        if not isinstance(record, dict) or "_id" not in record or "text" not in record:
            raise IngestError(f"{path}:{lineno}", 'expected an object with "_id" and "text"')
        body = normalize_source(str(record["text"]))
        title = normalize_source(str(record.get("title") or "")).strip()
        if not title:
            from indexer.chunker import guess_title

            title = guess_title(body)
        yield Document(doc_id=str(record["_id"]), title=title, text=body, source=source,
                       checksum=text_checksum(title + "\n" + body))


def is_sidecar(path: Path) -> bool:
    return path.name in SIDECAR_NAMES or path.name.endswith(SIDECAR_SUFFIXES)


def iter_corpus_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.exists():
        raise IngestError(str(root), "no such file or directory")
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


def read_path(path: Path, root: Path, rel: str | None = None) -> list[Document]:
    """Documents in one file; raises IngestError for anything that cannot be read. `rel`:
    its name in the corpus when it is not there yet (a file being added, indexer/updates.py)."""
    rel = rel or (path.name if root.is_file() else path.relative_to(root).as_posix())
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        from indexer.document import check_size

        check_size(path)
        return list(read_jsonl(path, rel))
    from indexer.readers import READERS, read_file

    if suffix in READERS:
        return [read_file(path, rel)]
    raise IngestError(str(path), f"unsupported file type {suffix or '(none)'}; "
                                 f"supported: {', '.join(SUPPORTED_SUFFIXES)}")


def read_corpus(root: Path) -> tuple[list[Document], list[IngestError]]:
    """All documents under `root` (a file or a folder), and the files that were rejected."""
    root = Path(root)
    documents: list[Document] = []
    errors: list[IngestError] = []
    seen: dict[str, str] = {}
    for path in iter_corpus_files(root):
        if is_sidecar(path):
            continue
        try:
            for doc in read_path(path, root):
                if doc.doc_id in seen:
                    raise IngestError(str(path), f"duplicate doc_id {doc.doc_id!r} "
                                                 f"(also in {seen[doc.doc_id]})")
                seen[doc.doc_id] = str(path)
                documents.append(doc)
        except IngestError as err:
            errors.append(err)
    return documents, errors


def corpus_checksum(documents: list[Document]) -> str:
    digest = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.doc_id):
        digest.update(doc.doc_id.encode("utf-8") + b"\0" + doc.checksum.encode() + b"\n")
    return digest.hexdigest()


def scan_corpus(root: Path) -> list[tuple[Path, str, str]]:
    """(path, name relative to the corpus root, sha256 of the bytes) of every candidate
    file: what incremental indexing compares with the previous manifest."""
    root = Path(root)
    found = []
    for path in iter_corpus_files(root):
        if is_sidecar(path):
            continue
        rel = path.name if root.is_file() else path.relative_to(root).as_posix()
        found.append((path, rel, file_sha256(path)))
    return found
