"""Train the span reader (search/answer/span_reader.py) on UIT-ViQuAD 1.0.

    python -m eval.span_reader_train [--windows N] [--epochs E] [--measure 3]   # `make span-reader`

Data: ../shared/datasets/viquad-1.0 (dev.json + test.json of UIT-ViQuAD 1.0: 4,495 questions
over 36 Wikipedia articles). Whole articles (titles) are held out for a dev score
(DEV_SHARE of the titles, seeded; the adapter's metadata lists them); viwiki-qa is never trained
on (it is the held-out test, eval/span_reader_bench.py). Every question becomes windows of
TRAIN_MAX_LEN tokens (question + passage part, TRAIN_STRIDE shared; served windows are MAX_LEN);
a window holding the answer is trained to point at its first and last token, a window
without it at <s> (the no-answer score); only NEGATIVE_SHARE of those are kept.

Trained: LoRA (rank LORA_RANK) on every layer's query, key, value, attention output and both
FFN layers, every bias and layer norm, and the start/end head; the embedding table and the
full-rank weights are frozen. Saved as one file, search/answer/span_reader.safetensors
(fp32), which the export merges (search/answer/span_reader_export.py). Fixed seeds; one
thread (on the shared machine two waited on each other). The committed adapter is two epochs
(`make span-reader`): the defaults (every window, one epoch, 306 steps, 40 min here), then
`--init <that> --order-seed 1 --lr 5e-4` (306 more steps in another order, 38 min); span F1 0.571 →
0.598 on the held-out ViQuAD articles, 0.476 → 0.497 on viwiki-qa (eval/results/span_reader.md).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from search.answer.span_reader import (ADAPTER_PATH, LORA_ALPHA, LORA_RANK, LORA_TARGETS, MAX_LEN, STRIDE,
                                       load_tokenizer, make_windows, passage_tokens, question_ids)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRACUU_SHARED", ROOT.parent / "shared")) / "datasets"
VIQUAD = SHARED / "viquad-1.0"
MODEL_DIR = ROOT / "models" / "multilingual-e5-small"
SEED = 13
DEV_SHARE = 0.12          # of the articles, held out whole
NEGATIVE_SHARE = 0.3      # of the windows without the answer, kept for training
BATCH = 16
LR = 8e-4
HEAD_LR = 2e-3
# Training windows as long as the served ones (MAX_LEN, STRIDE), every window, one epoch.
# Threads: on a quiet 2-core AVX2 machine a step of 16 windows took ~3.6-5 s with two threads,
# but with other jobs running two threads wait on each other (42 s per step measured, the
# scheduler running the others between the two threads' hand-offs) while one thread kept
# ~7-9 s; so one thread by default.
TRAIN_MAX_LEN = MAX_LEN
TRAIN_STRIDE = STRIDE
TRAIN_WINDOWS = 0          # all of them
TRAIN_EPOCHS = 1
WARMUP = 0.08


def load_viquad(path: Path = VIQUAD) -> list[dict]:
    """[{title, context, question, answers: [(start, text)], id}] over dev.json and test.json."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is absent: the shared datasets sit beside the repository (../shared)")
    rows = []
    for name in ("dev.json", "test.json"):
        for article in json.loads((path / name).read_text(encoding="utf-8"))["data"]:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    answers = [(a["answer_start"], a["text"]) for a in qa["answers"]
                               if paragraph["context"][a["answer_start"]:a["answer_start"] + len(a["text"])] == a["text"]]
                    rows.append({"title": f"{name}:{article['title']}", "context": paragraph["context"],
                                 "question": qa["question"], "answers": answers, "id": qa["id"]})
    return rows


def split_titles(rows: list[dict], seed: int = SEED) -> tuple[list[dict], list[dict]]:
    titles = sorted({r["title"] for r in rows})
    rng = random.Random(seed)
    dev = set(rng.sample(titles, max(1, round(DEV_SHARE * len(titles)))))
    return [r for r in rows if r["title"] not in dev], [r for r in rows if r["title"] in dev]


def training_windows(rows: list[dict], tokenizer, rng: random.Random, max_len: int = MAX_LEN,
                     stride: int = STRIDE) -> list[tuple[list[int], int, int]]:
    """(ids, start token, end token) per kept window; 0, 0 when the answer is not in it."""
    out = []
    cache: dict[str, tuple] = {}
    for row in rows:
        if not row["answers"]:
            continue
        if row["context"] not in cache:
            cache[row["context"]] = passage_tokens(tokenizer, row["context"])
        p_ids, p_offsets = cache[row["context"]]
        a_start, a_text = row["answers"][0]
        a_end = a_start + len(a_text)
        for window in make_windows(question_ids(tokenizer, row["question"]), p_ids, p_offsets, max_len, stride):
            offs = window.offsets
            inside = offs and offs[0][0] <= a_start and offs[-1][1] >= a_end
            if inside:
                s = next(i for i, (a, b) in enumerate(offs) if b > a_start)
                e = max(i for i, (a, b) in enumerate(offs) if a < a_end)
                out.append((window.ids, window.context_start + s, window.context_start + e))
            elif rng.random() < NEGATIVE_SHARE:
                out.append((window.ids, 0, 0))
    return out


def add_lora(model, rank: int = LORA_RANK, alpha: int = LORA_ALPHA):
    """Wrap every target Linear of every layer with a low-rank adapter; freeze the rest but
    biases, layer norms and the head."""
    import torch

    class LoRALinear(torch.nn.Module):
        def __init__(self, base: torch.nn.Linear):
            super().__init__()
            self.base = base
            self.lora_a = torch.nn.Parameter(torch.empty(rank, base.in_features))
            self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            torch.nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
            self.scale = alpha / rank

        def forward(self, x):
            return self.base(x) + (x @ self.lora_a.t() @ self.lora_b.t()) * self.scale

    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.bert.encoder.layer:
        for target in LORA_TARGETS:
            parent_path, _, leaf = target.rpartition(".")
            parent = layer.get_submodule(parent_path)
            setattr(parent, leaf, LoRALinear(getattr(parent, leaf)))
    for name, p in model.named_parameters():
        if (name.startswith("head.") or "LayerNorm" in name or name.endswith(".bias")
                or ".lora_" in name) and "word_embeddings" not in name:
            p.requires_grad_(True)
    return model


def adapter_state(model) -> dict:
    """Trained tensors under the names the export merges them by (".base." dropped)."""
    return {name.replace(".base.", "."): p.detach().contiguous().clone()
            for name, p in model.named_parameters() if p.requires_grad}


def load_adapter(model, path: Path) -> None:
    """Start from a saved adapter (a second epoch with its own learning-rate schedule)."""
    import torch
    from safetensors.torch import load_file

    saved = load_file(str(path))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.requires_grad:
                p.copy_(saved[name.replace(".base.", ".")])


def save_adapter(model, path: Path, meta: dict) -> None:
    from safetensors.torch import save_file

    save_file(adapter_state(model), str(path), metadata={k: str(v) for k, v in meta.items()})


def train(args) -> dict:
    import torch

    from search.answer.span_reader_export import build_span_model

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    tokenizer = load_tokenizer(MODEL_DIR)
    rows = load_viquad()
    train_rows, dev_rows = split_titles(rows)
    windows = training_windows(train_rows, tokenizer, rng, args.max_len, args.stride)
    rng.shuffle(windows)
    total_windows = len(windows)
    if args.windows:
        windows = windows[:args.windows]
    print(f"{len(train_rows)} training questions ({len({r['title'] for r in train_rows})} articles), "
          f"{len(dev_rows)} dev ({len({r['title'] for r in dev_rows})} articles); {total_windows} windows, "
          f"using {len(windows)} × {args.epochs} epochs", flush=True)

    model = add_lora(build_span_model(MODEL_DIR))
    if args.init:
        load_adapter(model, args.init)
        print(f"continuing from {args.init}", flush=True)
    if args.order_seed:
        # same windows (the negatives kept are drawn above), another order of batches
        rng = random.Random(SEED + args.order_seed)
    model.train()
    head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("head.")]
    rest = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")]
    optimizer = torch.optim.AdamW([{"params": rest, "lr": args.lr}, {"params": head, "lr": HEAD_LR}],
                                  weight_decay=0.01)
    steps = math.ceil(len(windows) / BATCH) * args.epochs
    if args.measure:
        steps = args.measure
    warmup = max(1, int(WARMUP * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: min((i + 1) / warmup, max(0.0, (steps - i) / max(1, steps - warmup))))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"trainable parameters: {trainable:,}; {steps} steps of {BATCH}", flush=True)

    started = time.perf_counter()
    step, losses = 0, []
    for epoch in range(args.epochs):
        order = list(range(len(windows)))
        rng.shuffle(order)
        # batches of similar length pad less: sort within chunks of 50 batches
        chunks = [order[i:i + BATCH * 50] for i in range(0, len(order), BATCH * 50)]
        batches = []
        for chunk in chunks:
            chunk.sort(key=lambda i: len(windows[i][0]))
            batches.extend(chunk[i:i + BATCH] for i in range(0, len(chunk), BATCH))
        rng.shuffle(batches)
        for batch in batches:
            if step >= steps:
                break
            width = max(len(windows[i][0]) for i in batch)
            ids = torch.full((len(batch), width), 1, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, i in enumerate(batch):
                ids[r, :len(windows[i][0])] = torch.tensor(windows[i][0])
                mask[r, :len(windows[i][0])] = 1
            starts = torch.tensor([windows[i][1] for i in batch])
            ends = torch.tensor([windows[i][2] for i in batch])
            s_logits, e_logits = model(ids, mask)
            neg = (mask == 0)
            s_logits = s_logits.masked_fill(neg, -1e4)
            e_logits = e_logits.masked_fill(neg, -1e4)
            loss = (torch.nn.functional.cross_entropy(s_logits, starts)
                    + torch.nn.functional.cross_entropy(e_logits, ends)) / 2
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(rest + head, 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            losses.append(loss.item())
            if step % 5 == 0 or args.measure:
                elapsed = time.perf_counter() - started
                print(f"step {step}/{steps} loss {np.mean(losses[-20:]):.3f} "
                      f"{elapsed / step:.2f} s/step, {elapsed / 60:.1f} min", flush=True)
            if args.checkpoint_every and step % args.checkpoint_every == 0 and step < steps and not args.measure:
                save_adapter(model, args.out, _info(args, step, steps, windows, train_rows, dev_rows, losses,
                                                    time.perf_counter() - started, trainable))
                print(f"checkpoint: step {step} → {args.out}", flush=True)
    seconds = time.perf_counter() - started
    info = _info(args, step, steps, windows, train_rows, dev_rows, losses, seconds, trainable)
    if not args.measure:
        save_adapter(model, args.out, info)
        print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) after {seconds / 60:.1f} min", flush=True)
    return info


def _info(args, step, steps, windows, train_rows, dev_rows, losses, seconds, trainable) -> dict:
    """The settings and outcome stored in the adapter file's metadata."""
    return {"seconds": round(seconds, 1), "steps": step, "planned_steps": steps, "windows": len(windows),
            "epochs": args.epochs, "max_len": args.max_len, "stride": args.stride, "batch": BATCH, "lr": args.lr,
            "head_lr": HEAD_LR, "lora_rank": LORA_RANK, "lora_alpha": LORA_ALPHA, "targets": ",".join(LORA_TARGETS),
            "trainable_parameters": trainable, "seed": SEED, "negative_share": NEGATIVE_SHARE,
            "train_questions": len(train_rows),
            "dev_titles": json.dumps(sorted({r["title"] for r in dev_rows}), ensure_ascii=False),
            "final_loss": round(float(np.mean(losses[-20:])), 4), "threads": args.threads,
            "init": args.init.name if args.init else "", "order_seed": args.order_seed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.span_reader_train", description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=TRAIN_WINDOWS, help="train on the first N shuffled windows (0: all)")
    parser.add_argument("--epochs", type=int, default=TRAIN_EPOCHS)
    parser.add_argument("--max-len", type=int, default=TRAIN_MAX_LEN)
    parser.add_argument("--stride", type=int, default=TRAIN_STRIDE)
    parser.add_argument("--lr", type=float, default=LR)
    # one thread (see TRAIN_EPOCHS above); --threads 2 halves the time on an otherwise idle machine
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--checkpoint-every", type=int, default=20,
                        help="save the adapter every N steps too (a long run stopped early still leaves one)")
    parser.add_argument("--measure", type=int, default=0, help="only time this many steps; save nothing")
    parser.add_argument("--out", type=Path, default=ADAPTER_PATH)
    parser.add_argument("--init", type=Path, help="start from this adapter instead of zero adapters")
    parser.add_argument("--order-seed", type=int, default=0, help="another order of the batches (a second epoch)")
    args = parser.parse_args(argv)
    try:
        train(args)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
