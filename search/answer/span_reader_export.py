"""Merge the span reader's adapters into the converted encoder and export it to ONNX.

    python -m search.answer.span_reader_export [--model models/multilingual-e5-small] [--force]

Input: the converted model folder (`make model`) and search/answer/span_reader.safetensors (in
git; `make span-reader` retrains it). Output: MODEL/span-reader/span-reader.onnx with its
marker (never in git), redone only when the folder's conversion, the adapter file or this
recipe changed. Served is its dynamic int8 quantisation (span-reader-int8.onnx, written beside
it): for the two-epoch adapter it reads within 0.01 F1 of fp32 in about two thirds of the time
and a quarter of the weights' memory (eval/results/span_reader.md).
The graph: inputs_embeds (the word embeddings of the tokens), attention_mask →
start_logits, end_logits (batch × tokens); fused by ONNX Runtime's transformer optimiser like
the encoder's export (indexer/encoders/onnx_export.py), fp32, then int8 (MatMul and Attention,
weights per output channel), which is what SpanReader loads. The word-embedding table (250k ×
384, frozen in training) is kept out of the graph, as fp16 in a .npy file whose rows the reader
reads as needed (span_reader.EmbeddingRows): in the graph it would cost 384 MB resident.
A self-check compares the ONNX logits with the merged torch model's and refuses a drifting export.
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

from search.answer.span_reader import (ADAPTER_PATH, DEFAULT_MODEL_DIR, EXPORT_FOLDER, LORA_TARGETS, Window,
                                       batch_arrays, load_tokenizer, make_windows, passage_tokens, question_ids)

MARKER = ".complete"
OPSET = 17
EXPORT_FILE = "span-reader.onnx"
INT8_FILE = "span-reader-int8.onnx"
EMBEDDINGS_FILE = "word-embeddings-fp16.npy"
MAX_LOGIT_DIFF = 0.1  # fp32 ONNX with fp16 embeddings vs torch fp32, on the self-check's windows
MAX_INT8_LOGIT_DIFF = 2.0  # the int8 export vs torch fp32: a broken quantisation is off by tens
CHECK = ("Ai ký báo cáo này?",
         "Báo cáo do Phó Chủ tịch UBND tỉnh Nguyễn Văn Thành ký ngày 12/3/2021; toàn tỉnh đã tiếp nhận "
         "1.215 đơn thư khiếu nại.")


class ExportError(RuntimeError):
    pass


def export_path(model_dir: Path | str = DEFAULT_MODEL_DIR, int8: bool = False) -> Path:
    return Path(model_dir) / EXPORT_FOLDER / (INT8_FILE if int8 else EXPORT_FILE)


def served_path(model_dir: Path | str = DEFAULT_MODEL_DIR) -> Path:
    """The export SpanReader serves: the int8 one."""
    return export_path(model_dir, int8=True)


def embeddings_path(model_dir: Path | str = DEFAULT_MODEL_DIR) -> Path:
    return Path(model_dir) / EXPORT_FOLDER / EMBEDDINGS_FILE


def build_span_model(model_dir: Path):
    """BertModel + a start/end head (torch); the head starts at zero."""
    import torch
    from transformers import AutoModel

    class SpanModel(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert
            self.head = torch.nn.Linear(bert.config.hidden_size, 2)
            torch.nn.init.normal_(self.head.weight, std=0.02)
            torch.nn.init.zeros_(self.head.bias)

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            logits = self.head(hidden)
            return logits[..., 0], logits[..., 1]

    bert = AutoModel.from_pretrained(str(model_dir), add_pooling_layer=False)
    return SpanModel(bert)


def adapter_fingerprint(adapter: Path) -> str:
    return hashlib.sha256(Path(adapter).read_bytes()).hexdigest()


def merge_adapter(model, adapter: Path):
    """Load the adapter file into a SpanModel: LoRA pairs become W += scale · B A; every other
    tensor (biases, layer norms, head) replaces the model's."""
    import torch
    from safetensors import safe_open

    params = dict(model.named_parameters())
    with safe_open(str(adapter), framework="pt") as f:
        meta = f.metadata() or {}
        scale = float(meta["lora_alpha"]) / float(meta["lora_rank"])
        names = list(f.keys())
        with torch.no_grad():
            for name in names:
                if name.endswith(".lora_a"):
                    base = name[: -len(".lora_a")]
                    a, b = f.get_tensor(name), f.get_tensor(base + ".lora_b")
                    params[base + ".weight"].add_(scale * (b @ a))
                elif name.endswith(".lora_b"):
                    continue
                elif name in params:
                    params[name].copy_(f.get_tensor(name))
                else:
                    raise ExportError(f"{adapter}: tensor {name} matches nothing in the model")
    return model


def _marker_info(model_dir: Path, adapter: Path) -> dict:
    conversion = Path(model_dir) / ".complete"
    return {"source": hashlib.sha256(conversion.read_bytes()).hexdigest() if conversion.exists() else None,
            "adapter": adapter_fingerprint(adapter),
            "recipe": {"opset": OPSET, "fused": "bert", "precision": "fp32",
                       "served": "int8 dynamic per channel", "targets": list(LORA_TARGETS),
                       "inputs": "inputs_embeds", "word_embeddings": "fp16 npy"}}


def is_current(model_dir: Path, adapter: Path = ADAPTER_PATH) -> bool:
    try:
        info = json.loads((Path(model_dir) / EXPORT_FOLDER / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    want = _marker_info(model_dir, adapter)
    return (all(info.get(k) == v for k, v in want.items()) and export_path(model_dir).exists()
            and served_path(model_dir).exists() and embeddings_path(model_dir).exists())


def ensure_export(model_dir: Path = DEFAULT_MODEL_DIR, adapter: Path = ADAPTER_PATH, log=None) -> Path:
    """The export's path, exporting first when it is missing or stale (minutes)."""
    if not is_current(model_dir, adapter):
        log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        log(f"exporting the span reader into {model_dir} (once; a few minutes)")
        export(Path(model_dir), Path(adapter), log=log)
    return served_path(model_dir)


def _check_windows(model_dir: Path) -> list[Window]:
    tokenizer = load_tokenizer(model_dir)
    q = question_ids(tokenizer, CHECK[0])
    ids, offsets = passage_tokens(tokenizer, CHECK[1])
    return make_windows(q, ids, offsets)


def export(model_dir: Path = DEFAULT_MODEL_DIR, adapter: Path = ADAPTER_PATH, log=print) -> Path:
    import warnings

    import numpy as np
    import onnxruntime as ort
    import torch
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    model_dir, adapter = Path(model_dir), Path(adapter)
    if not adapter.exists():
        raise ExportError(f"{adapter} is missing: train it with `make span-reader`")
    started = time.perf_counter()
    model = merge_adapter(build_span_model(model_dir), adapter).eval()
    config = model.bert.config
    work = model_dir / f".span-reader-build-tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        raw = work / "raw.onnx"

        class FromEmbeddings(torch.nn.Module):
            def __init__(self, span_model):
                super().__init__()
                self.span_model = span_model

            def forward(self, inputs_embeds, attention_mask):
                hidden = self.span_model.bert(inputs_embeds=inputs_embeds,
                                              attention_mask=attention_mask).last_hidden_state
                logits = self.span_model.head(hidden)
                return logits[..., 0], logits[..., 1]

        table = model.bert.embeddings.word_embeddings.weight.detach()
        ids = torch.ones(2, 16, dtype=torch.long)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(FromEmbeddings(model).eval(), (table[ids], torch.ones_like(ids)), str(raw),
                              dynamo=False, input_names=["inputs_embeds", "attention_mask"],
                              output_names=["start_logits", "end_logits"],
                              dynamic_axes={name: {0: "batch", 1: "tokens"} for name in
                                            ("inputs_embeds", "attention_mask", "start_logits", "end_logits")},
                              opset_version=OPSET, do_constant_folding=True)
        fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=int(config.num_attention_heads),
                                         hidden_size=int(config.hidden_size),
                                         optimization_options=FusionOptions("bert"), opt_level=0)
        out_dir = work / EXPORT_FOLDER
        out_dir.mkdir()
        out = out_dir / EXPORT_FILE
        fused.save_model_to_file(str(out))
        raw.unlink()
        np.save(out_dir / EMBEDDINGS_FILE, table.numpy().astype(np.float16))
        log(f"  span reader → ONNX fp32, fused ({time.perf_counter() - started:.0f} s)")
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(out), str(out_dir / INT8_FILE), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Attention"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        log(f"  int8 ({time.perf_counter() - started:.0f} s)")

        windows = _check_windows(model_dir)
        ids_np, mask_np = batch_arrays(windows)
        with torch.no_grad():
            ref = [t.numpy() for t in model(torch.from_numpy(ids_np), torch.from_numpy(mask_np))]
        embeds = np.load(out_dir / EMBEDDINGS_FILE, mmap_mode="r")[ids_np].astype(np.float32)
        diffs = {}
        for name, path, bound in (("fp32", out, MAX_LOGIT_DIFF), ("int8", out_dir / INT8_FILE, MAX_INT8_LOGIT_DIFF)):
            session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            got = session.run(["start_logits", "end_logits"], {"inputs_embeds": embeds, "attention_mask": mask_np})
            diffs[name] = max(float(np.abs(r - g).max()) for r, g in zip(ref, got))
            log(f"  self-check ({name}): max |logit difference| to torch {diffs[name]:.5f}")
            if diffs[name] > bound:
                raise ExportError(f"span reader {name} export drifts from torch: max logit difference "
                                  f"{diffs[name]:.4f} (bound {bound})")
        info = _marker_info(model_dir, adapter) | {"self_check_max_diff": diffs["fp32"],
                                                    "self_check_max_diff_int8": diffs["int8"],
                                                    "seconds": round(time.perf_counter() - started, 1)}
        (out_dir / MARKER).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        final_dir = model_dir / EXPORT_FOLDER
        old = model_dir / f".{EXPORT_FOLDER}-old-{os.getpid()}"
        if final_dir.exists():
            final_dir.rename(old)
        out_dir.rename(final_dir)
        shutil.rmtree(old, ignore_errors=True)
        log(f"wrote {final_dir} in {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return export_path(model_dir)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="python -m search.answer.span_reader_export",
                                     description="Merge the span reader's adapters and export it to ONNX.")
    parser.add_argument("--model", type=Path, default=Path("models/multilingual-e5-small"))
    parser.add_argument("--adapter", type=Path, default=ADAPTER_PATH)
    parser.add_argument("--force", action="store_true", help="export even when the export is current")
    args = parser.parse_args(argv)
    if not (args.model / "config.json").exists():
        print(f"error: {args.model} is not a converted model folder; run `make model` first", file=sys.stderr)
        return 1
    if not args.force and is_current(args.model, args.adapter):
        (args.model / EXPORT_FOLDER / MARKER).touch()  # for make: newer than its prerequisites
        print(f"{served_path(args.model)} is current; nothing to do")
        return 0
    try:
        export(args.model, args.adapter)
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
