"""The sentence encoder shared by indexing (passages) and search (queries).

Kept for the names callers import (`Encoder`, `ModelNotFound`, `model_id`, …); the
backends live in `indexer/encoders/` (ONNX Runtime int8 by default, torch fp32).
"""
from indexer.encoders import (BACKEND_ENV, BACKENDS, DEFAULT_BACKEND, DEFAULT_MODEL_DIR, MODEL_ENV,  # noqa: F401
                              PROJECT_ROOT, Encoder, EncoderSettingError, ModelNotFound, model_id,
                              resolve_backend, resolve_model)
