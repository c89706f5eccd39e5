"""Is this document one the index already holds? Near-duplicates by MinHash over word shingles.

The same report often arrives twice: under another name, as .doc and .pdf, with one page
more or less (an annex, a cover page), or as a second scan of the same signed text (OCR
reads a few words differently). Comparing checksums misses all of these, so documents are
compared by their words:
- words: the text folded to lower case without diacritics (indexer.textnorm.search_key;
  OCR loses marks more often than letters), split on anything not a letter or digit;
- shingles: every run of SHINGLE_WORDS consecutive words, hashed (crc32);
- a fingerprint: the MinHash signature of the shingle set (PERMUTATIONS minima of
  universal hashes, stored as hex with the shingle count in the document record's `extra`,
  so the check reads fingerprints through the store, not the files);
- similarity: containment of the smaller document in the larger, |A∩B| / min(|A|, |B|),
  estimated from the signatures (Jaccard J from equal minima; |A∩B| = J(|A|+|B|)/(1+J)).
  Containment, not Jaccard, so one page more or less still counts as the same document;
  the size ratio min/max must be at least MIN_SIZE_RATIO, so a one-page excerpt quoted in a
  long report is not "the same document".
Thresholds measured in eval/duplicates_bench.py (eval/results/duplicates.md).
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
import numpy as np

from indexer.document import IngestError

SHINGLE_WORDS = 4
PERMUTATIONS = 128
CONTAINMENT_THRESHOLD = 0.75
MIN_SIZE_RATIO = 0.5
MIN_SHINGLES = 20  # shorter texts (a title, a one-line note) are not compared
_PRIME = np.uint64(4294967311)  # > 2**32: (a·x + b) mod p on 32-bit hashes stays in uint64
_rng = np.random.default_rng(20240321)
_A = _rng.integers(1, 2**32 - 1, PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, 2**32 - 1, PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"[a-z0-9]+")


def normalized_words(text: str) -> list[str]:
    from indexer.textnorm import search_key

    return _WORD.findall(search_key(text))


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[int]:
    words = normalized_words(text)
    return {zlib.crc32(" ".join(words[i:i + size]).encode()) for i in range(max(0, len(words) - size + 1))}


@dataclass
class Fingerprint:
    signature: np.ndarray  # uint64[PERMUTATIONS]; all 2**64-1 for an empty text
    shingles: int

    def to_dict(self) -> dict:
        return {"minhash": self.signature.astype(">u8").tobytes().hex(), "shingles": self.shingles,
                "scheme": f"w{SHINGLE_WORDS}-m{PERMUTATIONS}"}

    @classmethod
    def from_dict(cls, data) -> "Fingerprint | None":
        if not isinstance(data, dict) or data.get("scheme") != f"w{SHINGLE_WORDS}-m{PERMUTATIONS}":
            return None  # another scheme (or none): recomputed from the text by the caller
        try:
            signature = np.frombuffer(bytes.fromhex(data["minhash"]), dtype=">u8").astype(np.uint64)
            return cls(signature, int(data["shingles"])) if signature.shape == (PERMUTATIONS,) else None
        except (KeyError, TypeError, ValueError):
            return None


def fingerprint(text: str) -> Fingerprint:
    hashed = np.fromiter(shingles(text), dtype=np.uint64)
    if not len(hashed):
        return Fingerprint(np.full(PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64), 0)
    signature = ((hashed[None, :] * _A[:, None] + _B[:, None]) % _PRIME).min(axis=1)
    return Fingerprint(signature, len(hashed))


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated |A∩B| / min(|A|, |B|) of the two shingle sets (0 when either is empty)."""
    if not a.shingles or not b.shingles:
        return 0.0
    jaccard = float(np.mean(a.signature == b.signature))
    common = jaccard * (a.shingles + b.shingles) / (1 + jaccard)
    return min(1.0, common / min(a.shingles, b.shingles))


def size_ratio(a: Fingerprint, b: Fingerprint) -> float:
    return min(a.shingles, b.shingles) / max(a.shingles, b.shingles, 1)


def is_duplicate(a: Fingerprint, b: Fingerprint) -> tuple[bool, float]:
    """(the same document?, estimated containment)."""
    if min(a.shingles, b.shingles) < MIN_SHINGLES or size_ratio(a, b) < MIN_SIZE_RATIO:
        return False, 0.0
    score = containment(a, b)
    return score >= CONTAINMENT_THRESHOLD, score


def record_fingerprint(record: dict) -> Fingerprint:
    """A document record's stored fingerprint, or one computed from its text (an index built
    before fingerprints were stored)."""
    stored = Fingerprint.from_dict(((record.get("extra") or {}).get("fingerprint")))
    return stored if stored is not None else fingerprint(record.get("text") or "")


class DuplicateError(IngestError):
    """A file not indexed because its text repeats a document already indexed (or kept
    earlier in the same run): `of` names that document, `score` the estimated containment."""

    def __init__(self, path: str, of: str, score: float):
        super().__init__(path, f"duplicate of {of!r} (the same text: {score:.0%} of its word sequences "
                               f"match); not indexed twice — --allow-duplicates (API: allow_duplicates=true) "
                               f"indexes it anyway")
        self.of, self.score = of, score


class DuplicateIndex:
    """The documents kept so far, their signatures side by side: one new document is compared
    with all of them in one numpy step (10 000 documents: about 1 ms)."""

    def __init__(self):
        self.doc_ids: list[str] = []
        self._signatures: list[np.ndarray] = []
        self._sizes: list[int] = []
        self._matrix: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.doc_ids)

    def add(self, doc_id: str, fp: Fingerprint) -> None:
        if fp.shingles < MIN_SHINGLES:
            return
        self.doc_ids.append(doc_id)
        self._signatures.append(fp.signature)
        self._sizes.append(fp.shingles)
        self._matrix = None

    def find(self, doc_id: str, fp: Fingerprint) -> tuple[str, float] | None:
        """(doc_id of the kept document `fp` repeats best, estimated containment), or None."""
        if not self.doc_ids or fp.shingles < MIN_SHINGLES:
            return None
        if self._matrix is None:
            self._matrix = np.vstack(self._signatures)
        sizes = np.asarray(self._sizes, dtype=np.float64)
        jaccard = (self._matrix == fp.signature[None, :]).mean(axis=1)
        smaller = np.minimum(sizes, fp.shingles)
        score = np.minimum(1.0, jaccard * (sizes + fp.shingles) / (1 + jaccard) / smaller)
        ratio = smaller / np.maximum(sizes, fp.shingles)
        score[(ratio < MIN_SIZE_RATIO) | (np.asarray(self.doc_ids) == doc_id)] = 0.0
        best = int(np.argmax(score))
        return (self.doc_ids[best], float(score[best])) if score[best] >= CONTAINMENT_THRESHOLD else None


def indexed_fingerprints(store) -> DuplicateIndex:
    """The fingerprints of every document `store` serves, read through the store: from the
    document summaries, or (an index built before fingerprints were stored) from the text."""
    index = DuplicateIndex()
    for summary in store.documents():
        fp = Fingerprint.from_dict((summary.extra or {}).get("fingerprint"))
        if fp is None:
            fp = record_fingerprint(store.document(summary.doc_id) or {})
        index.add(summary.doc_id, fp)
    return index
