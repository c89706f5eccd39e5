"""Export the converted sentence-transformers model to ONNX for the `onnx-fp32` (default)
and `onnx-int8` encoders.

    python -m indexer.encoders.onnx_export [--model models/multilingual-e5-small]
                                           [--backend onnx-fp32|onnx-int8]... [--force]

The converted model folder stays the source of truth; the exports are derived from it at
set-up (`make model`), live inside it (MODEL/onnx-fp32/ and MODEL/onnx/, never in git), each
with its own marker, and are redone only when the folder's conversion marker or the
export's recipe changed. Steps:

1. torch → ONNX: BERT + mean pooling + L2 normalisation in one graph (inputs input_ids,
   attention_mask; output the normalised vectors), fp32.
2. ONNX Runtime's transformer optimiser fuses embeddings + layer norm, skip + layer norm,
   bias + GELU, and attention (one Attention node with the packed Q/K/V projection).
   That graph is `onnx-fp32`: the same vectors as torch fp32 (cosine ≥ 0.9999), about
   twice as fast on this CPU.
3. `onnx-int8`: dynamic int8 quantisation of every MatMul and Attention (QAttention):
   weights int8 with one scale per output channel, activations uint8 with a scale
   computed per forward pass. Per-channel weight scales hold the cosine (per-tensor, the
   first try in issue 11: 0.978 min / 0.983 mean; per-channel ≥ 0.99 min) but not
   retrieval quality: nDCG@10 on our labelled set drops beyond the issue's 0.005 (dense
   −0.027). Partial int8 did not help (eval/results/encoder_variants.md, `python -m
   eval.encoder_variants`): first and last layer fp32 moved nDCG@10 by −0.048 dense /
   +0.011 hybrid at the speed of fp32; attention fp32, or int8 in the FFN only, ran no
   faster than fp32. Hence fp32 is the default and int8 a choice.
   The activation scale spans the whole input of a pass, so the encoder runs one text per
   pass (indexer/encoders/onnx_encoder.py): a text's vector never depends on other texts.
4. Self-check: cosine to the torch fp32 vectors of a few fixed texts must stay above the
   backend's bar (EXPORTS), else the export is refused and the old one kept.
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

MARKER = ".complete"
OPSET = 17
# backend → its folder inside the model folder, its file, and the self-check's bar (cosine
# to torch fp32 for every check text). Each backend has its own folder and marker, so
# exporting one never invalidates another.
EXPORTS = {
    "onnx-fp32": {"folder": "onnx-fp32", "file": "model-fp32.onnx", "min_cosine": 0.999},
    "onnx-int8": {"folder": "onnx", "file": "model-int8.onnx", "min_cosine": 0.98},  # issue 11's per-text bar
}
EXPORT_DIR = EXPORTS["onnx-int8"]["folder"]
MIN_COSINE = EXPORTS["onnx-int8"]["min_cosine"]

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
    spec = EXPORTS[backend]
    return Path(model_dir) / spec["folder"] / spec["file"]


def marker_path(model_dir: Path, backend: str = "onnx-int8") -> Path:
    return Path(model_dir) / EXPORTS[backend]["folder"] / MARKER


def is_current(model_dir: Path, backend: str = "onnx-int8") -> bool:
    try:
        info = json.loads(marker_path(model_dir, backend).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (info.get("source") == source_fingerprint(Path(model_dir)) and info.get("recipe") == recipe(backend)
            and export_path(model_dir, backend).exists())


def recipe(backend: str = "onnx-int8") -> dict:
    if backend == "onnx-fp32":
        return {"quantization": "none", "precision": "fp32", "opset": OPSET, "attention": "Attention"}
    # unchanged since the first int8 export, so markers written then stay current
    return {"quantization": "dynamic int8", "weights": "int8 per output channel", "activations": "uint8 per pass",
            "ops": ["MatMul", "Attention"], "opset": OPSET, "attention": "Attention"}


def ensure_export(model_dir: Path, backend: str = "onnx-int8", log=None) -> Path:
    """The export's path, exporting first when it is missing or stale (a few minutes)."""
    if not is_current(model_dir, backend):
        log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        log(f"exporting {model_dir} to ONNX for the {backend} encoder (once; a few minutes)")
        export(Path(model_dir), [backend], log=log)
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


def export(model_dir: Path, backends: list[str] | None = None, log=print) -> list[Path]:
    """Export `backends` (default: all of EXPORTS) from one fused fp32 graph; each lands in
    its own folder with its marker, replacing the old one only after its self-check."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    model_dir = Path(model_dir)
    backends = list(backends or EXPORTS)
    _check_pooling(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    work = model_dir / f".onnx-build-tmp-{os.getpid()}"
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

        written = []
        for backend in sorted(backends, key=lambda b: b != "onnx-int8"):  # int8 reads the fused file
            spec = EXPORTS[backend]
            out_dir = work / spec["folder"]
            out_dir.mkdir()
            out = out_dir / spec["file"]
            if backend == "onnx-int8":
                quantize_dynamic(str(fused_path), str(out), weight_type=QuantType.QInt8, per_channel=True,
                                 op_types_to_quantize=["MatMul", "Attention"],
                                 extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
                ops = [n.op_type for n in onnx.load(str(out), load_external_data=False).graph.node]
                if "MatMul" in ops or "Attention" in ops:
                    raise ExportError(f"{ops.count('MatMul')} MatMul / {ops.count('Attention')} Attention node(s) "
                                      f"left unquantised")
                log(f"  int8: {ops.count('QAttention')} QAttention, {ops.count('MatMulInteger')} MatMulInteger "
                    f"({time.perf_counter() - started:.0f} s)")
            else:
                shutil.copyfile(fused_path, out)

            check = self_check(model_dir, out)
            log(f"  {backend} self-check: cosine to torch fp32 min {check['cosine_min']:.5f} over "
                f"{len(CHECK_TEXTS)} texts")
            if check["cosine_min"] < spec["min_cosine"]:
                raise ExportError(f"{backend} export of {model_dir} drifts from the torch model: cosine "
                                  f"{check['cosine_min']:.4f} < {spec['min_cosine']}")
            marker = {"source": source_fingerprint(model_dir), "recipe": recipe(backend), "self_check": check,
                      "seconds": round(time.perf_counter() - started, 1)}
            (out_dir / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            final_dir = model_dir / spec["folder"]
            old = model_dir / f".{spec['folder']}-old-{os.getpid()}"
            if final_dir.exists():
                final_dir.rename(old)
            out_dir.rename(final_dir)
            shutil.rmtree(old, ignore_errors=True)
            written.append(export_path(model_dir, backend))
            log(f"wrote {final_dir} in {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return written


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
                                     description="Export the converted model to ONNX for the onnx-* encoders.")
    parser.add_argument("--model", type=Path, default=Path("models/multilingual-e5-small"))
    parser.add_argument("--backend", choices=sorted(EXPORTS), action="append",
                        help="export only this backend (repeatable; default: all)")
    parser.add_argument("--force", action="store_true", help="export even when the export is current")
    args = parser.parse_args(argv)
    if not (args.model / "config.json").exists():
        print(f"error: {args.model} is not a converted model folder; run `make model` first", file=sys.stderr)
        return 1
    wanted = args.backend or sorted(EXPORTS)
    stale = [b for b in wanted if args.force or not is_current(args.model, b)]
    for backend in wanted:
        if backend not in stale:
            marker_path(args.model, backend).touch()  # for make: newer than the model's marker
            print(f"{export_path(args.model, backend)} is current; nothing to do")
    if stale:
        try:
            export(args.model, stale)
        except ExportError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        # make's target is the int8 marker: keep it newer than the model's when only fp32 was redone
        if "onnx-int8" not in stale and marker_path(args.model, "onnx-int8").exists():
            marker_path(args.model, "onnx-int8").touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
