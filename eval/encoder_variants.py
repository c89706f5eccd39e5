"""Which ONNX export holds retrieval quality? `python -m eval.encoder_variants` (issue 11).

The first default (every MatMul and the fused attention int8, per-channel weights) kept
cosine ≥ 0.995 to torch fp32 but lost 0.027 dense / 0.009 hybrid nDCG@10 on our labelled
set, outside the issue's 0.005. This script exports the variants below into a scratch
folder (never into the model folder or git) and measures, in one run:

- speed side by side: the passages in slices of 32; each slice is embedded by torch fp32
  and then by every variant, one right after the other, so all see the same machine
  load; the ratio is torch seconds / variant seconds over the same slices;
- cosine to torch fp32 over the same passages (real vlc-laws-2 text, consecutive chunker
  passages joined to ~1,000 characters, as eval/encoder_bench.py builds them);
- nDCG@10 dense and hybrid on our labelled set (`corpus`), each variant with its own
  embedding cache folder so caches never mix.

Variants (all from one fused fp32 graph: EmbedLayerNormalization, Attention, BiasGelu,
SkipLayerNormalization; quantisation dynamic, weights int8 per output channel):
  fp32            the fused graph, not quantised
  int8-all        MatMul + Attention int8 (the first default)
  int8-matmul     MatMul int8, the 12 Attention nodes (QKV projection + softmax) fp32
  int8-ffn        only the FFN MatMuls int8 (attention and its output projection fp32)
  int8-all-edges  int8-all but layers 0 and 11 fp32
  int8-all-rr     int8-all with reduce_range (7-bit weights)
Writes eval/results/encoder_variants.json and .md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SLICE = 32
VARIANTS = ("fp32", "int8-all", "int8-matmul", "int8-ffn", "int8-all-edges", "int8-all-rr")


def log(msg: str) -> None:
    print(f"[encoder-variants {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def layer_of_nodes(graph) -> dict[str, int]:
    """Node name → encoder layer, by graph order: a layer starts at its Attention node."""
    layer, out = -1, {}
    for node in graph.node:
        if node.op_type == "Attention":
            layer += 1
        out[node.name] = layer
    return out


def export_variants(model_dir: Path, work: Path, names) -> dict[str, Path]:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    from indexer.encoders.onnx_export import _torch_export

    work.mkdir(parents=True, exist_ok=True)
    fused_path = work / "fp32.onnx"
    if not fused_path.exists():
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        raw = work / "raw.onnx"
        _torch_export(model_dir, raw)
        fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=int(config["num_attention_heads"]),
                                         hidden_size=int(config["hidden_size"]),
                                         optimization_options=FusionOptions("bert"), opt_level=0)
        fused.save_model_to_file(str(fused_path))
        raw.unlink()
    graph = onnx.load(str(fused_path)).graph
    layers = layer_of_nodes(graph)
    n_layers = max(layers.values()) + 1
    matmuls = [n for n in graph.node if n.op_type == "MatMul"]
    # within a layer the MatMuls come in order: attention output, FFN in, FFN out
    attention_out = set()
    for layer in range(n_layers):
        in_layer = [n.name for n in matmuls if layers[n.name] == layer]
        attention_out.add(in_layer[0])
    edges = [n.name for n in graph.node if layers[n.name] in (0, n_layers - 1)
             and n.op_type in ("MatMul", "Attention")]
    recipes = {
        "int8-all": dict(op_types_to_quantize=["MatMul", "Attention"]),
        "int8-matmul": dict(op_types_to_quantize=["MatMul"]),
        "int8-ffn": dict(op_types_to_quantize=["MatMul"], nodes_to_exclude=sorted(attention_out)),
        "int8-all-edges": dict(op_types_to_quantize=["MatMul", "Attention"], nodes_to_exclude=edges),
        "int8-all-rr": dict(op_types_to_quantize=["MatMul", "Attention"], reduce_range=True),
    }
    paths = {"fp32": fused_path}
    for name in names:
        if name == "fp32":
            continue
        out = work / f"{name}.onnx"
        if not out.exists():
            quantize_dynamic(str(fused_path), str(out), weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}, **recipes[name])
        ops = [n.op_type for n in onnx.load(str(out), load_external_data=False).graph.node]
        log(f"  {name}: {ops.count('QAttention')} QAttention, {ops.count('Attention')} Attention, "
            f"{ops.count('MatMulInteger')} MatMulInteger, {ops.count('MatMul')} MatMul")
        paths[name] = out
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.encoder_variants")
    parser.add_argument("--passages", type=int, default=224, help="vlc-laws-2 passages for speed and cosine")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/tracuu-encoder-variants"),
                        help="scratch folder for the exports and the embedding caches")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "multilingual-e5-small")
    parser.add_argument("--skip-ndcg", action="store_true")
    parser.add_argument("--skip-speed", action="store_true", help="nDCG only (no speed, no cosine)")
    parser.add_argument("--skip-torch-ndcg", action="store_true", help="nDCG of the variants only")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    names = [v for v in args.variants.split(",") if v]

    from eval.datasets import ensure_index, load_dataset
    from eval.encoder_bench import LAWS, law_passages
    from eval.retrieval import machine_info, run, versions
    from indexer.encoders import Encoder, default_threads
    from indexer.encoders.onnx_encoder import OnnxEncoder

    if not LAWS.exists():
        print(f"error: {LAWS} is absent; this benchmark reads the shared datasets", file=sys.stderr)
        return 2
    started = time.perf_counter()
    results: dict = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                     "machine": machine_info(), "versions": versions(), "load_average_before": os.getloadavg(),
                     "command": "python -m eval.encoder_variants " + " ".join(argv or sys.argv[1:])}
    log("exporting variants")
    paths = export_variants(args.model, args.work / "onnx", names)
    results["sizes_mb"] = {n: round(p.stat().st_size / 2**20, 1) for n, p in paths.items()}
    texts = [] if args.skip_speed else law_passages(args.passages)
    results["passages"] = {"source": "vlc-laws-2, consecutive chunker passages of one law joined to ≥ 900 "
                                     "characters (cut at 1,200)", "count": len(texts),
                           "mean_chars": float(np.mean([len(t) for t in texts])) if texts else 0.0}
    torch_enc = Encoder(str(args.model), backend="torch")
    encoders = {n: OnnxEncoder(str(args.model), paths[n], "onnx-int8", default_threads()) for n in names}
    for enc in encoders.values():
        enc.id = torch_enc.id  # what the Encoder factory sets; the cache folder per variant keeps them apart
    for enc in [torch_enc, *encoders.values()]:
        enc.encode_passages(texts[:2])  # warm-up
    seconds = {n: 0.0 for n in ["torch", *names]}
    ratios: dict[str, list[float]] = {n: [] for n in names}
    vectors: dict[str, list] = {n: [] for n in ["torch", *names]}
    log(f"speed + cosine over {len(texts)} passages, slice by slice")
    for start in range(0, 0 if args.skip_speed else len(texts), SLICE):
        part = texts[start:start + SLICE]
        t0 = time.perf_counter()
        vectors["torch"].append(torch_enc.encode_passages(part))
        slow = time.perf_counter() - t0
        seconds["torch"] += slow
        for n in names:
            t0 = time.perf_counter()
            vectors[n].append(encoders[n].encode_passages(part))
            fast = time.perf_counter() - t0
            seconds[n] += fast
            ratios[n].append(slow / fast)
        log(f"  {start + len(part)}/{len(texts)}: " + ", ".join(f"{n} {statistics.median(r):.2f}×"
                                                                for n, r in ratios.items()))
    rows = results["variants"] = {}
    for n in names if not args.skip_speed else []:
        ref = np.concatenate(vectors["torch"])
        cos = (np.concatenate(vectors[n]) * ref).sum(axis=1)
        rows[n] = {"speedup_total": seconds["torch"] / seconds[n], "speedup_median_of_slices":
                   statistics.median(ratios[n]), "passages_per_s": len(texts) / seconds[n],
                   "cosine_min": float(cos.min()), "cosine_mean": float(cos.mean()),
                   "cosine_p01": float(np.percentile(cos, 1))}
        log(f"{n}: {rows[n]}")
    results["torch_passages_per_s"] = len(texts) / seconds["torch"] if seconds["torch"] else None
    save(args.out, results)

    if not args.skip_ndcg:
        dataset = load_dataset("corpus")
        results["ndcg@10"] = {}
        for n in (names if args.skip_torch_ndcg else ["torch", *names]):
            enc = torch_enc if n == "torch" else encoders[n]
            index_dir = ensure_index(dataset, encoder=enc, cache_dir=args.work / f"cache-{n}", log=lambda m: None)
            report = run("corpus", ("dense", "hybrid"), index_dir=index_dir, out_dir=None, encoder=enc,
                         log=lambda m: None)
            results["ndcg@10"][n] = {m: report["results"][m]["all"]["ndcg@10"] for m in ("dense", "hybrid")}
            log(f"nDCG@10 {n}: {results['ndcg@10'][n]}")
            save(args.out, results)
    results["load_average_after"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started, 1)
    save(args.out, results)
    return 0


def save(out: Path, results: dict) -> None:
    from eval.retrieval import save_partial

    save_partial(out, "encoder_variants", results, markdown)


def markdown(r: dict) -> str:
    nd = r.get("ndcg@10", {})
    t = nd.get("torch")
    lines = [f"# ONNX encoder variants ({r['date']}{'; partial' if r.get('partial') else ''})", "",
             f"`{r['command'].strip()}` — machine: {r['machine']['cpu']}, {r['machine']['cores']} cores; load average "
             f"before {', '.join(f'{x:.1f}' for x in r['load_average_before'])}, after "
             f"{', '.join(f'{x:.1f}' for x in r['load_average_after'])} (shared machine: compare the ratios, "
             f"measured side by side slice by slice, more than absolute rates).", "",
             f"Passages: {r['passages']['count']} × {r['passages']['mean_chars']:.0f} characters on average — "
             f"{r['passages']['source']}. torch fp32: {r.get('torch_passages_per_s') or 0:.2f} passages/s.", "",
             "| variant | size MB | × torch fp32 (total / median slice) | cosine min / mean / p1 | "
             "nDCG@10 ours dense / hybrid | Δ dense / Δ hybrid vs torch |", "|---|---|---|---|---|---|"]
    if t:
        lines.append(f"| torch fp32 (reference) | — | 1.00 | 1 | {t['dense']:.3f} / {t['hybrid']:.3f} | — |")
    for n, row in r["variants"].items():
        v = nd.get(n)
        lines.append(f"| {n} | {r['sizes_mb'].get(n, '—')} | " + (
            f"{row['speedup_total']:.2f} / {row['speedup_median_of_slices']:.2f} | {row['cosine_min']:.4f} / "
            f"{row['cosine_mean']:.4f} / {row['cosine_p01']:.4f}" if row else "not run | not run")
                     + " | " + (f"{v['dense']:.3f} / {v['hybrid']:.3f}" if v else "—") + " | "
                     + (f"{v['dense'] - t['dense']:+.3f} / {v['hybrid'] - t['hybrid']:+.3f}" if v and t else "—")
                     + " |")
    lines += ["", "Variants: fp32 = fused graph unquantised; int8-all = MatMul + Attention int8 (the first "
                  "default); int8-matmul = MatMul int8, Attention fp32; int8-ffn = FFN MatMuls only; "
                  "int8-all-edges = int8-all with layers 0 and 11 fp32; int8-all-rr = int8-all with reduce_range. "
                  "Dynamic quantisation, weights int8 per output channel, one text per forward pass.", "",
              *([r["note"], ""] if r.get("note") else []),
              *([f"Runs: {'; '.join(f'`{c}`' for c in r['runs_today'])}.", ""] if r.get("runs_today") else []),
              f"Versions: {', '.join(f'{k} {v}' for k, v in r['versions'].items() if v)}.",
              f"Run time {r['seconds']:.0f} s." if "seconds" in r else "Run interrupted."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
