"""The embedding step of an index build: new passage texts in, their vectors out, in order.

    vectors = embed_passages(texts, encoder, plan=EmbedPlan(workers=2), checkpoints=dir,
                             progress=BuildProgress())

How the work is cut: the texts are sorted by length and cut into chunks of
CHUNK_PASSAGES (`chunk_plan`); inside a chunk the encoder batches by token length. The
plan depends only on the texts, so a chunk's vectors are the same whoever embeds it:
this process, a local worker process (`--workers N`) or a Ray actor on another machine
(`--ray ADDRESS`, indexer/embed_ray.py).

Checkpoints: every finished chunk is saved as CHECKPOINT_DIR/<key>.npy, where the key
hashes the encoder (model, backend) and the content hashes of the chunk's texts. A build
that is killed and started again finds the chunks already done and embeds only the rest,
and since the chunks are the same, the index it writes is identical to an uninterrupted
build. Checkpoints are keyed by content, not by index, so the folder may be anywhere (next
to a local index by default, or $TRACUU_CHECKPOINT_DIR for any store); the build removes
the chunks it used once its new version is published.

One index, one backend: `check_backend` refuses to add vectors of one backend to an
index embedded with another.
"""
from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.encoders import BACKENDS, LEGACY_BACKEND, EncoderSettingError, default_threads

CHUNK_PASSAGES = 256
CHUNK_ENV = "TRACUU_EMBED_CHUNK"  # passages per chunk (checkpoint and scheduling unit)
CHECKPOINT_ENV = "TRACUU_CHECKPOINT_DIR"
CHECKPOINT_DIR_NAME = ".embed-checkpoints"
WORKERS_ENV = "TRACUU_WORKERS"


@dataclass
class EmbedPlan:
    """How to spread the embedding: `workers` local processes (1 = in this process), or a
    Ray cluster at `ray_address` ("auto", "ray://host:10001", "host:6379")."""
    workers: int = 1
    ray_address: str | None = None
    ray_actors: int | None = None  # default: one per CPU slot the cluster offers
    threads_per_actor: int = 1
    chunk_passages: int = field(default_factory=lambda: int(os.environ.get(CHUNK_ENV) or CHUNK_PASSAGES))

    def describe(self) -> str:
        if self.ray_address:
            return f"Ray cluster {self.ray_address}"
        return f"{self.workers} worker process{'es' if self.workers != 1 else ''}" if self.workers > 1 \
            else "this process"


def default_workers() -> int:
    """Processes for `--workers` when not given: one per two cores (each then runs two
    compute threads), at least one."""
    env = os.environ.get(WORKERS_ENV)
    if env:
        return max(1, int(env))
    return max(1, default_threads() // 2)


def threads_per_worker(workers: int) -> int:
    """Cores divided between the worker processes, so they never oversubscribe."""
    return max(1, default_threads() // max(1, workers))


def check_backend(index_backend: str | None, requested: str, explicit: bool, where: str) -> None:
    """Refuse to mix backends in one index (vectors of two backends differ slightly, and
    queries are encoded with one). `index_backend` None: nothing indexed yet."""
    if index_backend is None or index_backend == requested:
        return
    if requested not in BACKENDS:
        raise EncoderSettingError(f"unknown encoder {requested!r}; choose one of {', '.join(BACKENDS)}")
    raise EncoderSettingError(
        f"the index in {where} was embedded with the {index_backend!r} encoder and this run asks for "
        f"{requested!r}{' (--encoder / TRACUU_ENCODER)' if explicit else ''}; one index never mixes "
        f"vectors of two encoders. Re-embed everything with `tracuu index CORPUS --index-dir {where} "
        f"--encoder {requested} --force`, or keep {index_backend!r} with `--encoder {index_backend}`.")


def choose_backend(served_manifest: dict | None, encoder=None, explicit: str | None = None, force: bool = False,
                   where: str = "the index") -> str:
    """The backend a build embeds with: the encoder object's, else --encoder /
    $TRACUU_ENCODER, else the one the served version (its manifest, from the store) was
    built with, else the default. Asking for another backend than the index's is refused
    unless `force` (a full rebuild re-embeds everything, so nothing is mixed)."""
    from indexer.encoders import DEFAULT_BACKEND, requested_backend

    asked = getattr(encoder, "backend", None) if encoder is not None else None
    asked = asked or requested_backend(explicit)
    # an index from before backends were recorded was built with a different settings
    # shape: it is rebuilt whole, nothing to mix
    served = ((served_manifest or {}).get("settings") or {}).get("encoder")
    if asked is None:
        return served if served and not force else DEFAULT_BACKEND
    if not force:
        check_backend(served, asked, explicit=encoder is None, where=where)
    return asked


def manifest_backend(manifest: dict | None) -> str | None:
    """The backend an index was embedded with (None: no index yet)."""
    if not manifest:
        return None
    model = manifest.get("model") or {}
    settings = manifest.get("settings") or {}
    return settings.get("encoder") or model.get("encoder") or LEGACY_BACKEND


# --- the plan ---------------------------------------------------------------------------------
def chunk_plan(texts: list[str], chunk: int = CHUNK_PASSAGES) -> list[list[int]]:
    """Indexes into `texts`: sorted by (length, position), cut every `chunk` texts."""
    order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
    return [order[s:s + chunk] for s in range(0, len(order), chunk)]


def encoder_key(encoder) -> str:
    return f"{getattr(encoder, 'id', '?')}|{getattr(encoder, 'backend', LEGACY_BACKEND)}|{getattr(encoder, 'dim', '?')}"


def chunk_key(encoder_tag: str, texts: list[str]) -> str:
    digest = hashlib.sha256(encoder_tag.encode("utf-8"))
    for text in texts:
        digest.update(hashlib.sha256(text.encode("utf-8")).digest())
    return digest.hexdigest()[:40]


class Checkpoints:
    """Finished chunks on disk, one .npy per chunk, written atomically."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder) if folder else None
        self.used: list[Path] = []
        self.restored: set[str] = set()  # texts whose vectors came from a checkpoint (an earlier run's work)

    def path(self, key: str) -> Path | None:
        return self.folder / f"{key}.npy" if self.folder else None

    def load(self, key: str, rows: int, dim: int | None) -> np.ndarray | None:
        path = self.path(key)
        if path is None or not path.exists():
            return None
        try:
            vectors = np.load(path)
        except (OSError, ValueError):
            return None  # a torn file: embed the chunk again
        if vectors.shape[0] != rows or (dim is not None and vectors.shape[1] != dim):
            return None
        self.used.append(path)
        return vectors

    def save(self, key: str, vectors: np.ndarray) -> None:
        path = self.path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        self.used.append(path)

    def discard(self) -> None:
        """After the new version is published: the chunks are in the index now."""
        for path in self.used:
            path.unlink(missing_ok=True)
        self.used = []
        if self.folder and self.folder.exists():
            try:
                self.folder.rmdir()  # only when empty: other builds' chunks stay
            except OSError:
                pass


def checkpoint_folder(index_location: Path | str | None) -> Path | None:
    """$TRACUU_CHECKPOINT_DIR, else a folder inside a local index directory."""
    env = os.environ.get(CHECKPOINT_ENV)
    if env:
        return Path(env)
    if index_location is None or "://" in str(index_location):
        return None
    return Path(index_location) / CHECKPOINT_DIR_NAME


# --- running it -------------------------------------------------------------------------------
def embed_passages(texts: list[str], encoder, plan: EmbedPlan | None = None,
                   checkpoints: Checkpoints | None = None, progress=None, log=None) -> np.ndarray:
    """Vectors of `texts` (normalised float32, in order), embedded as `plan` says,
    resuming from and saving to `checkpoints`, reporting to `progress`."""
    plan = plan or EmbedPlan()
    checkpoints = checkpoints or Checkpoints(None)
    dim = getattr(encoder, "dim", None)
    out = np.zeros((len(texts), dim or 0), dtype=np.float32) if dim else None
    tag = encoder_key(encoder)
    chunks = chunk_plan(texts, max(1, plan.chunk_passages))
    keys = [chunk_key(tag, [texts[i] for i in chunk]) for chunk in chunks]
    todo: list[int] = []
    restored = 0
    for n, (chunk, key) in enumerate(zip(chunks, keys)):
        vectors = checkpoints.load(key, len(chunk), dim)
        if vectors is None:
            todo.append(n)
            continue
        out[chunk] = vectors
        restored += len(chunk)
        checkpoints.restored.update(texts[i] for i in chunk)
    if progress is not None:
        progress.start_embedding(len(texts), restored)
    if restored and log:
        log(f"resuming: {restored} of {len(texts)} passages restored from checkpoints in {checkpoints.folder}")

    def done(n: int, vectors: np.ndarray) -> None:
        nonlocal out
        if out is None:  # an encoder without .dim (a test double): size from the first chunk
            out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        out[chunks[n]] = vectors
        checkpoints.save(keys[n], vectors)
        if progress is not None:
            progress.passages(len(chunks[n]))

    jobs = [(n, [texts[i] for i in chunks[n]]) for n in todo]
    if not jobs:
        pass
    elif plan.ray_address:
        from indexer.embed_ray import embed_on_ray

        embed_on_ray(jobs, encoder, plan, done, log=log)
    elif plan.workers > 1 and len(jobs) > 1:
        _embed_with_workers(jobs, encoder, plan.workers, done)
    else:
        for n, chunk_texts in jobs:
            done(n, encoder.encode_passages(chunk_texts))
    if out is None:
        out = np.zeros((len(texts), 0), dtype=np.float32)
    return out


# --- local worker processes -------------------------------------------------------------------
_worker_encoder = None


def _worker_init(name: str, backend: str, threads: int) -> None:
    global _worker_encoder
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from indexer.encoders import Encoder

    _worker_encoder = Encoder(name, backend=backend, threads=threads)


def _worker_embed(job: tuple[int, list[str]]) -> tuple[int, np.ndarray]:
    n, chunk_texts = job
    return n, _worker_encoder.encode_passages(chunk_texts)


def _embed_with_workers(jobs, encoder, workers: int, done) -> None:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    backend = getattr(encoder, "backend", None)
    if not backend or not hasattr(encoder, "name"):
        raise EncoderSettingError("--workers needs a real encoder (model folder and backend)")
    threads = threads_per_worker(workers)
    context = mp.get_context("spawn")  # never fork a process holding ORT/torch thread pools
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init,
                             initargs=(encoder.name, backend, threads)) as pool:
        pending = iter(jobs)
        running = set()
        # at most two chunks queued per worker: results are checkpointed as they come
        for job in pending:
            running.add(pool.submit(_worker_embed, job))
            if len(running) >= 2 * workers:
                break
        while running:
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                n, vectors = future.result()
                done(n, vectors)
                nxt = next(pending, None)
                if nxt is not None:
                    running.add(pool.submit(_worker_embed, nxt))


def log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def query_backend(manifest: dict, where) -> str:
    """The backend that encodes queries for an index: the one its passages were embedded
    with. Asking for another one ($TRACUU_ENCODER) is refused with the way out."""
    from indexer.encoders import requested_backend

    built = manifest_backend(manifest)
    asked = requested_backend(None)
    if asked is not None and asked != built:
        raise EncoderSettingError(
            f"the index in {where} was embedded with the {built!r} encoder, and {asked!r} is asked for "
            f"(TRACUU_ENCODER); queries must be encoded like the passages. Unset TRACUU_ENCODER, or "
            f"rebuild with `tracuu index CORPUS --index-dir {where} --encoder {asked} --force`.")
    return built
