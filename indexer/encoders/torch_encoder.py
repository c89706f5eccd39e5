"""The reference backend: the sentence-transformers folder run by torch in fp32.

Slow on a CPU (4–8 passages/s of ~1,000 characters on 2 cores) but it is the source of
truth the ONNX export is measured against, and it runs any sentence-transformers model."""
from __future__ import annotations

import numpy as np

from indexer.encoders.base import BaseEncoder


class TorchEncoder(BaseEncoder):
    backend = "torch"

    def __init__(self, name: str, local: bool, threads: int, device: str = "cpu"):
        super().__init__()
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self.threads = threads
        self.name = name
        self.model = SentenceTransformer(name, device=device, local_files_only=local)
        self.dim = int(self.model.get_sentence_embedding_dimension())
        self.max_length = int(self.model.max_seq_length or 512)
        prompts = getattr(self.model, "prompts", {}) or {}
        self.query_prefix = prompts.get("query", "")
        self.passage_prefix = prompts.get("passage", prompts.get("document", ""))
        self._normalized = any(type(m).__name__ == "Normalize" for m in self.model)
        self._pad_id = self.model.tokenizer.pad_token_id or 0

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return self.model.tokenizer(list(texts), truncation=True, max_length=self.max_length,
                                    padding=False)["input_ids"]

    def _forward(self, token_ids: list[list[int]]) -> np.ndarray:
        import torch

        ids, mask = self.padded(token_ids, self._pad_id)
        features = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
        with torch.inference_mode():
            vectors = self.model(features)["sentence_embedding"]
            if not self._normalized:
                vectors = torch.nn.functional.normalize(vectors, dim=-1)
        return vectors.float().numpy()
