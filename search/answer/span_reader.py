"""The span reader: which words of a passage answer a question, read by a neural network.

    SpanReader().read(question, passages) -> list[Span]   # best first

The shipped encoder (models/multilingual-e5-small, a 12-layer BERT with the XLM-R
tokenizer) reads "<s> query: QUESTION </s></s> PASSAGE-WINDOW </s>" and a linear head gives
every token a start and an end score; a span's score is start + end, and the no-answer score
is the same sum at <s> (SQuAD 2.0 style: a window without the answer is trained to point at
<s>). A passage longer than one window is read in overlapping windows.

What is trained (eval/span_reader_train.py, `make span-reader`, on UIT-ViQuAD 1.0): low-rank
adapters (LoRA) on every layer's attention (query, key, value, output) and FFN (both dense
layers), every layer's biases and layer norms, and the head; the embedding table and the
full-rank weights stay as converted. That is one small file, span_reader.safetensors beside
this one (in git). At set-up (`make model`) the adapters are merged into a copy of the
converted weights and exported to ONNX, fp32 and int8 (search/answer/span_reader_export.py),
inside the model folder, never in git; the int8 export is served, with onnxruntime and numpy
only (the word embeddings are rows of an fp16 table beside the graph, read as needed).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ADAPTER_PATH = Path(__file__).with_name("span_reader.safetensors")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "multilingual-e5-small"
EXPORT_FOLDER = "span-reader"

BOS, EOS, PAD = 0, 2, 1
QUESTION_PREFIX = "query: "  # the encoder was pre-trained with it (E5)
MAX_LEN = 256            # tokens per window, question included
MAX_QUESTION_TOKENS = 48
STRIDE = 64              # tokens two consecutive windows share
MAX_ANSWER_TOKENS = 40
TOP_K = 20               # start and end positions considered per window

# adapted modules of each BertLayer and the LoRA shape (read back from the adapter file)
LORA_TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value",
                "attention.output.dense", "intermediate.dense", "output.dense")
LORA_RANK = 16
LORA_ALPHA = 32

_OPEN, _CLOSE = "([{“‘\"'", ")]}”’\"'"
_EDGE_PUNCT = " \t\n,.;:!?…–-"


@dataclass
class Window:
    """One model input: token ids and, for each passage token, its characters in the passage."""
    ids: list[int]
    context_start: int                   # index of the first passage token in ids
    offsets: list[tuple[int, int]]       # per passage token, (start, end) characters in the passage


@dataclass
class Span:
    passage: int            # index into the passages read
    start: int              # characters in that passage's text
    end: int
    text: str
    score: float            # start + end logits
    no_answer: float        # start + end logits at <s> of the window the span was read in
    window: int = 0          # which of the windows read in this call (passages in order) it came from
    extra: dict = field(default_factory=dict)

    @property
    def margin(self) -> float:
        """How much more the span is believed than "no answer here"."""
        return self.score - self.no_answer


def load_tokenizer(model_dir: Path):
    """The model folder's tokenizer (no truncation, no padding), the one copy the process's
    encoder reads too (indexer.encoders.shared_tokenizer)."""
    from indexer.encoders import shared_tokenizer

    return shared_tokenizer(model_dir)


def question_ids(tokenizer, question: str) -> list[int]:
    ids = tokenizer.encode(QUESTION_PREFIX + question.strip(), add_special_tokens=False).ids
    return ids[:MAX_QUESTION_TOKENS]


def passage_tokens(tokenizer, passage: str) -> tuple[list[int], list[tuple[int, int]]]:
    encoding = tokenizer.encode(passage, add_special_tokens=False)
    return list(encoding.ids), [tuple(o) for o in encoding.offsets]


def make_windows(q_ids: list[int], p_ids: list[int], p_offsets: list[tuple[int, int]],
                 max_len: int = MAX_LEN, stride: int = STRIDE) -> list[Window]:
    """Overlapping windows over the passage, each with the whole question in front."""
    room = max_len - len(q_ids) - 4
    if room < 16:
        raise ValueError(f"question of {len(q_ids)} tokens leaves no room in a {max_len}-token window")
    head = [BOS, *q_ids, EOS, EOS]
    windows, first = [], 0
    while True:
        last = min(first + room, len(p_ids))
        windows.append(Window(ids=head + p_ids[first:last] + [EOS], context_start=len(head),
                              offsets=p_offsets[first:last]))
        if last >= len(p_ids):
            return windows
        first = last - stride if last - stride > first else last


def batch_arrays(windows: list[Window]) -> tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask, padded to the longest window."""
    width = max(len(w.ids) for w in windows)
    ids = np.full((len(windows), width), PAD, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for row, window in enumerate(windows):
        ids[row, :len(window.ids)] = window.ids
        mask[row, :len(window.ids)] = 1
    return ids, mask


def clean_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim what a token boundary drags in: spaces, edge punctuation, an unmatched bracket or quote."""
    while start < end and text[start] in _EDGE_PUNCT:
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCT:
        end -= 1
    for _ in range(2):
        inner = text[start:end]
        if len(inner) > 2 and inner[0] in _OPEN and inner[-1] in _CLOSE and not any(
                c in inner[1:-1] for c in _OPEN + _CLOSE):  # "(81,93%)": the whole span in one pair
            start, end = start + 1, end - 1
        inner = text[start:end]
        if inner and inner[0] in _OPEN and not any(c in inner[1:] for c in _CLOSE):
            start += 1
        inner = text[start:end]
        if inner and inner[-1] in _CLOSE and not any(c in inner[:-1] for c in _OPEN):
            end -= 1
        while start < end and text[start] in _EDGE_PUNCT:
            start += 1
        while end > start and text[end - 1] in _EDGE_PUNCT:
            end -= 1
    return start, end


def best_spans(start_logits: np.ndarray, end_logits: np.ndarray, window: Window, passage: str,
               top_k: int = TOP_K, max_tokens: int = MAX_ANSWER_TOKENS) -> list[tuple[float, int, int]]:
    """(score, start char, end char) of the window's best spans, best first, one per character span."""
    first = window.context_start
    n = len(window.offsets)
    starts = start_logits[first:first + n]
    ends = end_logits[first:first + n]
    k = min(top_k, n)
    top_s = np.argsort(-starts)[:k]
    top_e = np.argsort(-ends)[:k]
    seen: dict[tuple[int, int], float] = {}
    for s in top_s:
        for e in top_e:
            if e < s or e - s + 1 > max_tokens:
                continue
            a, b = clean_span(passage, window.offsets[s][0], window.offsets[e][1])
            if b <= a:
                continue
            score = float(starts[s] + ends[e])
            if score > seen.get((a, b), -math.inf):
                seen[(a, b)] = score
    return sorted(((score, a, b) for (a, b), score in seen.items()), reverse=True)


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD's token F1 over lower-cased words without punctuation."""
    p, g = _words(prediction), _words(gold)
    if not p or not g:
        return float(p == g)
    overlap = 0
    pool = list(g)
    for w in p:
        if w in pool:
            pool.remove(w)
            overlap += 1
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(p), overlap / len(g)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, gold: str) -> float:
    return float(_words(prediction) == _words(gold))


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


class EmbeddingRows:
    """The fp16 word-embedding table (.npy, 250k × 384, 192 MB) read row by row with pread, the
    rows read kept (768 bytes each; the tokens of Vietnamese text are a few ten thousand of the
    250k). Memory-mapped, the kernel's read-ahead and fault-around made most of the table
    resident after a few questions (+144 MB for one question's 15 windows)."""

    def __init__(self, path: Path):
        from numpy.lib import format as npy

        with open(path, "rb") as fh:
            version = npy.read_magic(fh)
            read_header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            shape, fortran, dtype = read_header(fh)
            self.offset = fh.tell()
        if fortran or len(shape) != 2:
            raise ValueError(f"{path}: not a C-ordered 2-D table")
        self.shape, self.dtype = shape, np.dtype(dtype)
        self.row_bytes = shape[1] * self.dtype.itemsize
        self.fd = os.open(path, os.O_RDONLY)
        self.rows: dict[int, np.ndarray] = {}

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """float32 rows for an array of token ids (any shape)."""
        unique, inverse = np.unique(ids, return_inverse=True)
        rows = np.empty((len(unique), self.shape[1]), dtype=self.dtype)
        for i, token in enumerate(unique.tolist()):
            row = self.rows.get(token)
            if row is None:
                if not 0 <= token < self.shape[0]:
                    raise IndexError(f"token id {token} outside the embedding table ({self.shape[0]} rows)")
                row = self.rows[token] = np.frombuffer(
                    os.pread(self.fd, self.row_bytes, self.offset + token * self.row_bytes), dtype=self.dtype)
            rows[i] = row
        return rows.astype(np.float32)[inverse.reshape(ids.shape)]

    def __del__(self):
        try:
            os.close(self.fd)
        except (AttributeError, OSError):
            pass


class SpanReader:
    """The exported span reader served with onnxruntime (one session; two threads, or one where
    the process may run on one core only, as the encoder)."""

    def __init__(self, model_dir: Path | str = DEFAULT_MODEL_DIR, onnx_file: Path | str | None = None,
                 threads: int | None = None):
        import onnxruntime as ort

        from indexer.encoders import default_threads, onnx_session_options
        from search.answer.span_reader_export import embeddings_path, served_path

        threads = threads or min(2, default_threads())

        model_dir = Path(model_dir)
        onnx_file = Path(onnx_file) if onnx_file else served_path(model_dir)
        if not onnx_file.exists():
            raise FileNotFoundError(f"{onnx_file} is missing: the span reader is exported at set-up "
                                    f"(`make model`, python -m search.answer.span_reader_export)")
        self.tokenizer = load_tokenizer(model_dir)
        options = onnx_session_options(threads)
        # no arena and no memory pattern: a batch of windows needs ~150 MB of activations that
        # an arena would keep for the process's life (measured: eval/results/ask_latency.md)
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.onnx_file = onnx_file
        self.embeddings = EmbeddingRows(embeddings_path(model_dir))

    def logits(self, windows: list[Window]) -> tuple[np.ndarray, np.ndarray]:
        ids, mask = batch_arrays(windows)
        embeds = self.embeddings.lookup(ids)
        start, end = self.session.run(["start_logits", "end_logits"], {"inputs_embeds": embeds,
                                                                        "attention_mask": mask})
        return start, end

    def read(self, question: str, passages: list[str], top_k: int = 5) -> list[Span]:
        """The best spans over all passages, best score first (at most top_k per passage); each
        with the no-answer score of the window it was read in (span.margin = score − no_answer)."""
        q_ids = question_ids(self.tokenizer, question)
        windows: list[tuple[int, Window]] = []
        for index, passage in enumerate(passages):
            if not passage or not passage.strip():
                continue
            p_ids, p_offsets = passage_tokens(self.tokenizer, passage)
            if not p_ids:
                continue
            windows.extend((index, w) for w in make_windows(q_ids, p_ids, p_offsets))
        if not windows:
            return []
        start, end = self.logits([w for _, w in windows])
        per_passage: dict[int, dict[tuple[int, int], Span]] = {}
        for row, (index, window) in enumerate(windows):
            length = len(window.ids)
            s, e = start[row, :length], end[row, :length]
            found = per_passage.setdefault(index, {})
            for score, a, b in best_spans(s, e, window, passages[index])[:top_k]:
                if (a, b) not in found or found[(a, b)].score < score:
                    found[(a, b)] = Span(passage=index, start=a, end=b, text=passages[index][a:b], score=score,
                                         no_answer=float(s[0] + e[0]), window=row)
        spans = []
        for found in per_passage.values():
            spans.extend(sorted(found.values(), key=lambda x: -x.score)[:top_k])
        return sorted(spans, key=lambda x: -x.score)
