"""What every encoder backend shares: the public API, token-length batching of passages
and the batching of concurrent query encodes.

A backend implements `_forward(token_ids)`: a list of token-id lists (prompt included,
already truncated) → L2-normalised float32 vectors, one row per text. Everything else
lives here:

- `batch_plan(lengths)`: passages sorted by token length and cut into batches, so a
  batch pads to the length of its longest text and short passages do not pay for long
  ones. The plan depends only on the lengths, so the same texts always form the same
  batches (checkpoints and distributed builds rely on it: indexer/embed_pipeline.py).
- query batching: `encode_queries` may be called from many server threads at once.
  One encoder thread runs every forward pass (several OpenMP/ORT thread teams fighting
  for two cores cost more than they give); queries that arrive while it is busy are
  taken together in one go: one padded forward pass for torch (fp32: a row's result
  does not depend on the others), text after text for onnx-int8 (its activation scale
  spans a pass, see onnx_encoder.py) — either way no query waits for a thread hand-off
  per earlier query, and the int8 encode itself is the cheap part.
"""
from __future__ import annotations

import abc
import functools
import os
import queue
import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np

PASSAGE_BATCH_TOKENS = 8192  # padded tokens per passage batch (32 passages of 256 tokens)
MAX_PASSAGE_BATCH = 64
MAX_QUERY_BATCH = 32


def batch_plan(lengths: list[int], max_tokens: int = PASSAGE_BATCH_TOKENS,
               max_batch: int = MAX_PASSAGE_BATCH) -> list[list[int]]:
    """Indexes into `lengths`, grouped into batches of similar token length: sorted by
    (length, position), a batch closes when its padded size would pass `max_tokens`."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = lengths[i]  # ascending: the newest is the longest
        if current and (len(current) + 1) * longest > max_tokens or len(current) >= max_batch:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def shared_tokenizer(model_dir: Path | str):
    """The model folder's tokenizer.json loaded once per process, without truncation or padding,
    for every reader of that file (the ONNX encoder, the span reader): XLM-R's 250k-piece
    vocabulary takes ~290 MB resident per loaded copy, and served, the encoder and the span
    reader read the same file. Shared, so callers truncate by hand and never reconfigure it."""
    return _load_tokenizer(str((Path(model_dir) / "tokenizer.json").resolve()))


@functools.lru_cache(maxsize=4)
def _load_tokenizer(tokenizer_file: str):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(tokenizer_file)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def onnx_session_options(threads: int):
    """onnxruntime options for one model served on the CPU (the encoder, the span reader):
    `threads` intra-op threads, one inter-op, and idle threads that do not spin on cores other
    processes (other workers, the web server, BM25) need."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def default_threads() -> int:
    """Threads one encoder may use: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class BaseEncoder(abc.ABC):
    """The sentence encoder used by indexing (passages) and search (queries).

    `.name` the model location, `.id` its stable name for the manifest, `.dim` the vector
    size, `.backend` the backend id ("onnx-int8", "torch") recorded in the manifest."""

    backend: str = ""
    name: str
    id: str
    dim: int
    threads: int
    max_length: int = 512

    def __init__(self) -> None:
        self._requests: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # --- what a backend provides ----------------------------------------------------------
    @abc.abstractmethod
    def tokenize(self, texts: list[str]) -> list[list[int]]:
        """Token ids per text (special tokens included, truncated to `max_length`)."""

    @abc.abstractmethod
    def _forward(self, token_ids: list[list[int]]) -> np.ndarray:
        """One batch → normalised float32 vectors; runs on the encoder thread only."""

    query_prefix: str = ""
    passage_prefix: str = ""

    # --- public API -------------------------------------------------------------------------
    def encode_passages(self, texts: list[str], batch_size: int | None = None,
                        progress: bool = False) -> np.ndarray:
        """Vectors for passages, in the order given. `batch_size` caps the passages per
        batch (batches are formed by token length, see `batch_plan`); `progress` is
        accepted for compatibility: indexer/embed_pipeline.py reports build progress."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = self.tokenize([self.passage_prefix + t for t in texts])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for batch in batch_plan([len(x) for x in ids], max_batch=batch_size or MAX_PASSAGE_BATCH):
            out[batch] = self._run([ids[i] for i in batch])
        return out

    def encode_token_batch(self, token_ids: list[list[int]]) -> np.ndarray:
        """One prepared batch (from `tokenize_passages` + `batch_plan`)."""
        return self._run(token_ids)

    def tokenize_passages(self, texts: list[str]) -> list[list[int]]:
        return self.tokenize([self.passage_prefix + t for t in texts])

    def encode_queries(self, texts: list[str], batch_size: int = MAX_QUERY_BATCH) -> np.ndarray:
        """Vectors for queries. Safe to call from many threads: concurrent calls are
        batched together on the encoder thread."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = self.tokenize([self.query_prefix + t for t in texts])
        future: Future = Future()
        self._ensure_thread()
        self._requests.put((ids, future))
        return future.result()

    # --- the encoder thread -----------------------------------------------------------------
    def _run(self, token_ids: list[list[int]]) -> np.ndarray:
        """A passage batch, run on the encoder thread (callers' threads never compute)."""
        future: Future = Future()
        self._ensure_thread()
        self._requests.put((token_ids, future, "passages"))
        return future.result()

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=f"tracuu-encoder-{self.backend}",
                                                daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            first = self._requests.get()
            if len(first) == 3:  # a passage batch: run as planned
                self._answer([first], planned=True)
                continue
            # queries: take every query request already waiting, up to MAX_QUERY_BATCH texts
            group, size, held = [first], len(first[0]), None
            while size < MAX_QUERY_BATCH:
                try:
                    nxt = self._requests.get_nowait()
                except queue.Empty:
                    break
                if len(nxt) == 3 or size + len(nxt[0]) > MAX_QUERY_BATCH:
                    held = nxt
                    break
                group.append(nxt)
                size += len(nxt[0])
            self._answer(group)
            if held is not None:
                self._answer([held], planned=len(held) == 3)

    def _answer(self, group: list, planned: bool = False) -> None:
        ids = [x for request in group for x in request[0]]
        try:
            vectors = (np.ascontiguousarray(self._forward(ids), dtype=np.float32) if planned
                       else self._forward_sorted(ids))
        except BaseException as err:  # noqa: BLE001 - handed to the callers
            for request in group:
                request[1].set_exception(err)
            return
        start = 0
        for request in group:
            n = len(request[0])
            request[1].set_result(vectors[start:start + n])
            start += n

    def _forward_sorted(self, ids: list[list[int]]) -> np.ndarray:
        if len(ids) <= 1:
            return np.ascontiguousarray(self._forward(ids), dtype=np.float32)
        # one padded batch per call, but long texts never pad short ones beyond need
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for batch in batch_plan([len(x) for x in ids], max_batch=len(ids)):
            out[batch] = self._forward([ids[i] for i in batch])
        return out

    @staticmethod
    def padded(token_ids: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
        longest = max(len(x) for x in token_ids)
        ids = np.full((len(token_ids), longest), pad_id, dtype=np.int64)
        mask = np.zeros((len(token_ids), longest), dtype=np.int64)
        for row, x in enumerate(token_ids):
            ids[row, :len(x)] = x
            mask[row, :len(x)] = 1
        return ids, mask
