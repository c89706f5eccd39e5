"""Export the converted sentence-transformers model to ONNX for the `onnx-int8` encoder.

    python -m indexer.encoders.onnx_export [--model models/multilingual-e5-small] [--force]

The converted model folder stays the source of truth; the export is derived from it at
set-up (`make model`), lives inside it (MODEL/onnx/, never in git) and is redone only
when the folder's conversion marker changed. Steps:

1. torch → ONNX: BERT + mean pooling + L2 normalisation in one graph (inputs input_ids,
   attention_mask; output the normalised vectors), fp32.
2. ONNX Runtime's transformer optimiser fuses embeddings + layer norm, skip + layer norm,
   bias + GELU, and attention (one Attention node with the packed Q/K/V projection).
3. Dynamic int8 quantisation of every MatMul and Attention (QAttention): weights int8 with
   one scale per output channel, activations uint8 with a scale computed per forward pass.
   Per-channel weight scales are what holds the quality: per-tensor weight scales (the
   first try in issue 11) gave cosine 0.978 min / 0.983 mean to fp32, per-channel 0.996 /
   0.997 on the same passages. Measured and rejected (eval/results/encoder_bench.md):
   keeping the FFN output MatMuls in fp32 (+0.002 cosine, slower), MatMulNBits 8-bit and
   4-bit weights with int8 compute (cosine 0.9995 but slower than fp32 on this AVX2 CPU).
   The activation scale spans the whole input of a pass, so the encoder runs one text per
   pass (indexer/encoders/onnx_encoder.py): a text's vector never depends on other texts.
4. Self-check: cosine to the torch fp32 vectors of a few fixed texts must stay above
   MIN_COSINE, else the export is refused.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

EXPORT_DIR = "onnx"
MARKER = ".complete"
FILES = {"onnx-int8": "model-int8.onnx"}
OPSET = 17
MIN_COSINE = 0.98  # the per-text bar of issue 11

CHECK_TEXTS = [
    "query: Nghệ An đã giải quyết bao nhiêu đơn khiếu nại giai đoạn 2015–2020?",
    "query: nghe an giai quyet bao nhieu don khieu nai",
    "query: How many complaints did Nghe An resolve between 2015 and 2020?",
    "passage: Công tác tiếp dân, giải quyết khiếu nại, tố cáo của công dân được quan tâm; toàn tỉnh "
    "đã tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo của công dân và tập trung giải quyết "
    "đạt 100% đơn thư khiếu nại, tố cáo – đạt tỷ lệ 84,4%.",
    "passage: Điều 12. Quyền và nghĩa vụ của người lao động 1. Người lao động có quyền làm việc, tự do "
    "lựa chọn việc làm, nơi làm việc, nghề nghiệp, học nghề, nâng cao trình độ chuyên môn.",
]


class ExportError(RuntimeError):
    pass


def source_fingerprint(model_dir: Path) -> str:
    """What the export is derived from: the conversion marker (written last by
    `make model`) when there is one, else the weights file's size and mtime."""
    marker = model_dir / ".complete"
    if marker.exists():
        return hashlib.sha256(marker.read_bytes()).hexdigest()
    weights = next((p for p in (model_dir / "model.safetensors", model_dir / "pytorch_model.bin") if p.exists()),
                   None)
    if weights is None:
        raise ExportError(f"{model_dir} has no model weights to export")
    stat = weights.stat()
    return hashlib.sha256(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()


def export_path(model_dir: Path, backend: str = "onnx-int8") -> Path:
    return Path(model_dir) / EXPORT_DIR / FILES[backend]


def is_current(model_dir: Path, backend: str = "onnx-int8") -> bool:
    marker = Path(model_dir) / EXPORT_DIR / MARKER
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (info.get("source") == source_fingerprint(Path(model_dir)) and info.get("recipe") == recipe()
            and export_path(model_dir, backend).exists())


def recipe() -> dict:
    return {"quantization": "dynamic int8", "weights": "int8 per output channel", "activations": "uint8 per pass",
            "ops": ["MatMul", "Attention"], "opset": OPSET, "attention": "Attention"}


def ensure_export(model_dir: Path, backend: str = "onnx-int8", log=None) -> Path:
    """The export's path, exporting first when it is missing or stale (about a minute)."""
    if not is_current(model_dir, backend):
        log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        log(f"exporting {model_dir} to ONNX for the {backend} encoder (once; about a minute)")
        export(Path(model_dir), log=log)
    return export_path(model_dir, backend)


def _torch_export(model_dir: Path, out: Path) -> None:
    import warnings

    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir), add_pooling_layer=False).eval()

    class Pipeline(torch.nn.Module):
        """BERT → mean over real tokens → unit length (the model folder's Pooling + Normalize)."""

        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    ids = torch.ones(2, 16, dtype=torch.long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pipeline(bert), (ids, torch.ones_like(ids)), str(out), dynamo=False,
                          input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "embedding": {0: "batch"}},
                          opset_version=OPSET, do_constant_folding=True)


def _check_pooling(model_dir: Path) -> None:
    pooling = model_dir / "1_Pooling" / "config.json"
    if pooling.exists():
        config = json.loads(pooling.read_text(encoding="utf-8"))
        if not config.get("pooling_mode_mean_tokens") or config.get("pooling_mode_cls_token"):
            raise ExportError(f"{model_dir}: the ONNX export implements mean pooling only; "
                              f"use --encoder torch for this model")


def export(model_dir: Path, log=print) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    model_dir = Path(model_dir)
    _check_pooling(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    final_dir = model_dir / EXPORT_DIR
    work = model_dir / f".{EXPORT_DIR}-tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        fp32 = work / "fp32.onnx"
        _torch_export(model_dir, fp32)
        log(f"  torch → ONNX fp32 ({time.perf_counter() - started:.0f} s)")

        fused = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=int(config["num_attention_heads"]),
                                         hidden_size=int(config["hidden_size"]),
                                         optimization_options=FusionOptions("bert"), opt_level=0)
        stats = {k: v for k, v in fused.get_fused_operator_statistics().items() if v}
        fused_path = work / "fused.onnx"
        fused.save_model_to_file(str(fused_path))
        fp32.unlink()
        log(f"  fused {stats} ({time.perf_counter() - started:.0f} s)")

        out = work / FILES["onnx-int8"]
        quantize_dynamic(str(fused_path), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Attention"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        fused_path.unlink()
        ops = [n.op_type for n in onnx.load(str(out), load_external_data=False).graph.node]
        if "MatMul" in ops or "Attention" in ops:
            raise ExportError(f"{ops.count('MatMul')} MatMul / {ops.count('Attention')} Attention node(s) "
                              f"left unquantised")
        log(f"  int8: {ops.count('QAttention')} QAttention, {ops.count('MatMulInteger')} MatMulInteger "
            f"({time.perf_counter() - started:.0f} s)")

        check = self_check(model_dir, out)
        log(f"  self-check: cosine to torch fp32 min {check['cosine_min']:.5f} over {len(CHECK_TEXTS)} texts")
        if check["cosine_min"] < MIN_COSINE:
            raise ExportError(f"ONNX export of {model_dir} drifts from the torch model: cosine "
                              f"{check['cosine_min']:.4f} < {MIN_COSINE}")
        marker = {"source": source_fingerprint(model_dir), "recipe": recipe(), "self_check": check,
                  "seconds": round(time.perf_counter() - started, 1)}
        (work / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        old = model_dir / f".{EXPORT_DIR}-old-{os.getpid()}"
        if final_dir.exists():
            final_dir.rename(old)
        work.rename(final_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"wrote {final_dir} in {time.perf_counter() - started:.0f} s")
    return export_path(model_dir)


def self_check(model_dir: Path, onnx_file: Path) -> dict:
    import numpy as np
    import onnxruntime as ort
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    reference = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True).encode(
        CHECK_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(512)
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    cosines = []
    for text, ref in zip(CHECK_TEXTS, reference):
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
        vector = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        cosines.append(float(vector @ ref))
    return {"cosine_min": min(cosines), "cosine_mean": float(np.mean(cosines))}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="python -m indexer.encoders.onnx_export",
                                     description="Export the converted model to ONNX (int8) for the default encoder.")
    parser.add_argument("--model", type=Path, default=Path("models/multilingual-e5-small"))
    parser.add_argument("--force", action="store_true", help="export even when the export is current")
    args = parser.parse_args(argv)
    if not (args.model / "config.json").exists():
        print(f"error: {args.model} is not a converted model folder; run `make model` first", file=sys.stderr)
        return 1
    if is_current(args.model) and not args.force:
        (args.model / EXPORT_DIR / MARKER).touch()  # for make: newer than the model's marker
        print(f"{export_path(args.model)} is current; nothing to do")
        return 0
    try:
        export(args.model)
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
