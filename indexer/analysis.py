"""Text → BM25 terms, the same way for passages and queries.

Streams (each can be switched off for ablations; the manifest records which were on):
- words: pyvi word segmentation ("khiếu_nại", "tố_cáo"), lower-cased;
- syllables: plain syllables ("s:khiếu");
- folded: diacritics-folded syllables ("f:khieu"), so "khieu nai to cao" finds
  "khiếu nại, tố cáo";
- folded_bigrams: adjacent folded syllables ("g:khieu_nai"), which restore some of
  the precision an unaccented query loses ("to cao" is also "tờ cao").
The glossary expands administrative abbreviations (KNTC → khiếu nại, tố cáo) on both
sides, so an abbreviation in a query finds the spelled-out words and vice versa.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, asdict, fields

from indexer.textnorm import fold_diacritics, lower_preserving_length, normalize_text

# Abbreviations of Vietnamese public administration, keyed by their folded upper-case form.
GLOSSARY = {
    "KNTC": "khiếu nại, tố cáo",
    "KNPA": "kiến nghị, phản ánh",
    "KNPAKN": "kiến nghị, phản ánh, khiếu nại",
    "CCHC": "cải cách hành chính",
    "TTHC": "thủ tục hành chính",
    "QCDC": "quy chế dân chủ",
    "UBND": "ủy ban nhân dân",
    "HDND": "hội đồng nhân dân",
    "MTTQ": "mặt trận tổ quốc",
    "TCD": "tiếp công dân",
    "DVCQ": "dân vận chính quyền",
    "BCD": "ban chỉ đạo",
    "BCS": "ban cán sự",
    "BTV": "ban thường vụ",
    "CBCC": "cán bộ, công chức",
    "CBCCVC": "cán bộ, công chức, viên chức",
    "CT-XH": "chính trị - xã hội",
    "KT-XH": "kinh tế - xã hội",
    "NTM": "nông thôn mới",
    "DBQH": "đại biểu quốc hội",
    "HTCT": "hệ thống chính trị",
    "TW": "trung ương",
    "TU": "tỉnh ủy",
    "BDV": "ban dân vận",
    "DVK": "dân vận khéo",
}

SYLLABLE = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)
ABBREVIATION = re.compile(r"\b[A-ZĐ]{2,}(?:-[A-ZĐ]{2,})?\b|\b[a-zđ]{2,6}\b")


@dataclass(frozen=True)
class AnalyzerConfig:
    words: bool = True
    syllables: bool = False
    folded: bool = True
    folded_bigrams: bool = True
    glossary: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "AnalyzerConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def expand_abbreviations(text: str) -> str:
    """`text` followed by the spelled-out form of each glossary abbreviation it contains."""
    expansions = []
    for match in ABBREVIATION.finditer(text):
        key = fold_diacritics(match.group()).upper()
        if key in GLOSSARY and (match.group().isupper() or len(key) >= 3):
            expansions.append(GLOSSARY[key])
    return text if not expansions else text + " \n " + " ; ".join(expansions)


_SEGMENTER_LOCK = threading.Lock()


def load_segmenter():
    """pyvi's ViTokenizer, without the temporary file it leaves behind.

    Unpickling pyvi's CRF model writes the model to /tmp/model*.crfsuite (637 KB) and
    deletes it only when the model object is garbage-collected, which a class attribute
    never is: every process that segmented text left one behind. The tagger is opened
    now (crfsuite reads the whole file into memory) and the file removed at once, so not
    even a killed process leaves it."""
    with _SEGMENTER_LOCK:  # two first requests at once: one must not delete the file the other opens
        from pyvi import ViTokenizer  # loads the CRF model: only when words are wanted

        model = ViTokenizer.ViTokenizer.model  # the module, and its class holding the model
        resource = getattr(model, "modelfile", None)
        if getattr(resource, "auto", False) and getattr(resource, "name", None):
            model.tagger_  # opens the tagger from the file and keeps it
            resource.cleanup()
        return ViTokenizer


class Analyzer:
    def __init__(self, config: AnalyzerConfig | None = None):
        self.config = config or AnalyzerConfig()
        self._segmenter = None

    def _segment(self, text: str) -> list[str]:
        if self._segmenter is None:
            self._segmenter = load_segmenter()
        if not text.isprintable() and any("\ud800" <= ch <= "\udfff" for ch in text):
            # the segmenter's native code cannot encode a lone surrogate (UnicodeEncodeError)
            text = text.encode("utf-8", "replace").decode("utf-8")
        words = self._segmenter.tokenize(text).split()
        return [lower_preserving_length(w) for w in words if any(c.isalnum() for c in w)]

    def terms(self, text: str) -> list[str]:
        cfg = self.config
        text = normalize_text(text)
        if cfg.glossary:
            text = expand_abbreviations(text)
        terms: list[str] = []
        if cfg.words:
            terms += self._segment(text)
        syllables = [lower_preserving_length(s) for s in SYLLABLE.findall(text)]
        if cfg.syllables:
            terms += ["s:" + s for s in syllables]
        if cfg.folded or cfg.folded_bigrams:
            folded = [fold_diacritics(s) for s in syllables]
            if cfg.folded:
                terms += ["f:" + s for s in folded]
            if cfg.folded_bigrams:
                terms += ["g:" + a + "_" + b for a, b in zip(folded, folded[1:])]
        return terms

    def terms_many(self, texts, progress: bool = False) -> list[list[str]]:
        if progress:
            from tqdm import tqdm

            texts = tqdm(texts, desc="segmenting", unit="passage", leave=False)
        return [self.terms(t) for t in texts]
