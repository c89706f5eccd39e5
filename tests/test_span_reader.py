"""The span reader (search/answer/span_reader.py): the real trained adapters merged into the real
converted model, exported to ONNX (`make model` does it; the fixture exports when it is stale)
and read with onnxruntime."""
from __future__ import annotations

import pytest

from search.answer.span_reader import (ADAPTER_PATH, MAX_LEN, clean_span, exact_match, load_tokenizer,
                                       make_windows, passage_tokens, question_ids, token_f1)

SIGNED = ("Báo cáo tổng kết công tác dân vận chính quyền năm 2021 của huyện Bình Sơn do Phó Chủ tịch "
          "UBND huyện Nguyễn Văn Thành ký ngày 15 tháng 12 năm 2021.")
COMPLAINTS = ("Công tác tiếp dân, giải quyết khiếu nại, tố cáo của công dân được quan tâm; toàn tỉnh đã tiếp "
              "nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo của công dân và tập trung giải quyết đạt 100% "
              "đơn thư khiếu nại, tố cáo.")
FILLER = ("Ủy ban nhân dân tỉnh tiếp tục chỉ đạo các sở, ban, ngành và địa phương thực hiện nghiêm các "
          "quy định về cải cách hành chính, nâng cao chất lượng phục vụ người dân và doanh nghiệp. ")


@pytest.fixture(scope="session")
def span_reader(model_dir):
    from search.answer.span_reader import SpanReader
    from search.answer.span_reader_export import ensure_export

    ensure_export(model_dir)
    return SpanReader(model_dir)


def test_adapter_is_one_small_file_without_the_embedding_table():
    from safetensors import safe_open

    assert ADAPTER_PATH.stat().st_size <= 10 * 1024 * 1024
    with safe_open(str(ADAPTER_PATH), framework="np") as f:
        names = list(f.keys())
        meta = f.metadata()
    assert not [n for n in names if "word_embeddings" in n]
    layers = {n.split(".")[3] for n in names if n.startswith("bert.encoder.layer.") and n.endswith(".lora_a")}
    assert layers == {str(i) for i in range(12)}  # every layer is adapted
    assert "head.weight" in names and int(meta["steps"]) > 0


def test_windows_cover_a_long_passage_and_keep_the_question(model_dir):
    tokenizer = load_tokenizer(model_dir)
    passage = FILLER * 12 + COMPLAINTS
    q = question_ids(tokenizer, "Toàn tỉnh tiếp nhận bao nhiêu đơn thư khiếu nại?")
    ids, offsets = passage_tokens(tokenizer, passage)
    windows = make_windows(q, ids, offsets)
    assert len(windows) > 1 and all(len(w.ids) <= MAX_LEN for w in windows)
    assert all(w.ids[1:1 + len(q)] == q for w in windows)
    covered = {o for w in windows for o in w.offsets}
    assert covered == set(offsets)


def test_clean_span_and_scores():
    text = "chỉ số CCHC (81,93%), tăng"
    a, b = clean_span(text, text.index(" ("), text.index(")") + 2)
    assert text[a:b] == "81,93%"
    assert token_f1("Nguyễn Văn Thành", "ông Nguyễn Văn Thành") == pytest.approx(6 / 7)
    assert exact_match("1.215", "1.215.") == 1.0 and exact_match("1.215", "684") == 0.0


def test_reads_a_figure(span_reader):
    spans = span_reader.read("Toàn tỉnh đã tiếp nhận bao nhiêu đơn thư khiếu nại?", [COMPLAINTS])
    assert spans and "1.215" in spans[0].text, spans[:3]
    for span in spans:
        assert COMPLAINTS[span.start:span.end] == span.text


def test_reads_who_signed(span_reader):
    spans = span_reader.read("Ai ký báo cáo của huyện Bình Sơn năm 2021?", [SIGNED])
    assert spans and "Nguyễn Văn Thành" in spans[0].text, spans[:3]


def test_reads_every_passage_and_window(span_reader):
    long_passage = FILLER * 12 + COMPLAINTS  # the answer lies beyond the first window
    question = "Toàn tỉnh đã tiếp nhận bao nhiêu đơn thư khiếu nại?"
    spans = span_reader.read(question, [FILLER, SIGNED, COMPLAINTS])
    assert spans[0].passage == 2 and "1.215" in spans[0].text, spans[:3]
    assert spans == sorted(spans, key=lambda s: -s.score)
    assert {s.passage for s in spans} == {0, 1, 2}
    far = [s for s in span_reader.read(question, [long_passage], top_k=10) if "1.215" in s.text]
    assert far and far[0].window > 0, "the last window's answer is read"
    assert long_passage[far[0].start:far[0].end] == far[0].text


def test_empty_input(span_reader):
    assert span_reader.read("Ai ký?", []) == []
    assert span_reader.read("Ai ký?", ["", "   "]) == []


def test_embedding_rows_are_the_exported_table(span_reader, model_dir):
    """The rows read with pread (span_reader.EmbeddingRows) are the .npy table's own, repeated
    ids and all, whichever were read before; an id outside the table is an error, not garbage."""
    import numpy as np

    from search.answer.span_reader_export import embeddings_path

    table = np.load(embeddings_path(model_dir), mmap_mode="r")
    ids = np.array([[0, 5, 5, 249_999, 17], [2, 17, 1, 1, 1]])
    for _ in range(2):  # read, then from the rows kept
        assert np.array_equal(span_reader.embeddings.lookup(ids), table[ids].astype(np.float32))
    with pytest.raises(IndexError, match="outside the embedding table"):
        span_reader.embeddings.lookup(np.array([[table.shape[0]]]))


def test_the_encoder_and_the_span_reader_read_one_tokenizer(span_reader, encoder, model_dir):
    """Served, both tokenise with the one copy of tokenizer.json (~290 MB resident each), so the
    encoder truncates by hand, exactly as the tokenizer's own truncation did."""
    from tokenizers import Tokenizer

    if not hasattr(encoder, "tokenizer"):
        pytest.skip(f"the {encoder.backend} backend reads its own tokenizer")
    assert span_reader.tokenizer is encoder.tokenizer
    own = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    own.no_padding()
    own.enable_truncation(encoder.max_length)
    texts = ["passage: " + FILLER * 40, "query: Toàn tỉnh tiếp nhận bao nhiêu đơn thư khiếu nại?"]
    assert encoder.tokenize(texts) == [e.ids for e in own.encode_batch(texts)]
    assert len(encoder.tokenize(texts)[0]) == encoder.max_length
