"""The ONNX backends (`onnx-fp32`, the default, and `onnx-int8`): an export of the
converted model, run by ONNX Runtime.

The export (indexer/encoders/onnx_export.py, made by `make model`) holds the whole
sentence-transformers pipeline — BERT, mean pooling, L2 normalisation — so a forward
pass returns the final vectors. Tokenisation is the model folder's own tokenizer.json
(the `tokenizers` library, the same pipeline sentence-transformers runs).

One text per forward pass, for both exports: the int8 activations share one scale per
pass, so texts run together would nudge each other's vectors (cosine 0.997 between a
passage embedded alone and in a batch of 16, measured); fp32 rows are independent but
padding and summation order still move the last bits; and a text's vector must not
depend on what else is embedded with it (incremental builds, checkpoints, workers, Ray, concurrent
queries). It costs nothing: without padding a pass over one ~265-token passage is
already a large enough matrix product, and was faster per passage than batches of 16
(eval/results/encoder_bench.md)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer.encoders.base import BaseEncoder, onnx_session_options, shared_tokenizer


class OnnxEncoder(BaseEncoder):
    def __init__(self, name: str, model_file: Path, backend: str, threads: int):
        super().__init__()
        import onnxruntime as ort

        folder = Path(name)
        self.backend = backend
        self.threads = threads
        self.name = name
        self.model_file = model_file
        options = onnx_session_options(threads)
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.dim = int(self.session.get_outputs()[0].shape[-1])

        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8")) \
            if (folder / "sentence_bert_config.json").exists() else {}
        self.max_length = int(config.get("max_seq_length") or 512)
        st_config = folder / "config_sentence_transformers.json"
        prompts = json.loads(st_config.read_text(encoding="utf-8")).get("prompts", {}) if st_config.exists() else {}
        self.query_prefix = prompts.get("query", "")
        self.passage_prefix = prompts.get("passage", prompts.get("document", ""))
        self.tokenizer = shared_tokenizer(folder)  # shared with the span reader: never reconfigured
        model_config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self._pad_id = int(model_config.get("pad_token_id") or 0)

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        # truncated as the tokenizer's own truncation at max_length does: <s>, the first
        # max_length - 2 tokens, </s>
        return [ids if len(ids) <= self.max_length else ids[:self.max_length - 1] + ids[-1:]
                for ids in (e.ids for e in self.tokenizer.encode_batch(list(texts)))]

    def _forward(self, token_ids: list[list[int]]) -> np.ndarray:
        out = np.empty((len(token_ids), self.dim), dtype=np.float32)
        for row, ids in enumerate(token_ids):
            ids = np.asarray([ids], dtype=np.int64)
            out[row] = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        return out
