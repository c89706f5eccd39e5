"""Highlights mark whole words and phrases the query names, never a syllable of another word."""
from search.highlight import highlight_spans, passage_words

TEXT = ("Công tác tiếp dân, giải quyết khiếu nại, tố cáo của công dân được quan tâm; toàn tỉnh đã tiếp nhận "
        "1.215 đơn thư khiếu nại theo quyết định số 12/QĐ-UBND của đơn vị; Các đơn khiếu nại đã giải quyết.")


def marked(query: str, text: str = TEXT) -> list[str]:
    return [text[s:e] for s, e in highlight_spans(text, query)]


def test_words_come_from_the_lexicon():
    words = [TEXT[s:e] for s, e, _ in passage_words(TEXT)]
    assert "quyết định" in words and "đơn vị" in words and "khiếu nại" in words and "giải quyết" in words


def test_no_syllable_inside_another_word():
    marks = marked("Nghệ An đã giải quyết bao nhiêu đơn khiếu nại?")
    assert "quyết" not in marks and not any("quyết định" in m for m in marks)  # "quyết" of "quyết định"
    assert not any("đơn vị" in m for m in marks)  # "đơn" of "đơn vị"
    assert "giải quyết khiếu nại" in marks  # adjacent matched words merge into one phrase
    assert "đơn" in marks  # "đơn" standing alone is the word asked
    assert marked("quyết") == []


def test_a_word_asked_as_a_whole_is_not_marked_piecewise():
    assert marked("đơn vị") == ["đơn vị"]
    assert marked("quyết định") == ["quyết định"]


def test_unaccented_abbreviated_and_english_queries():
    assert marked("khieu nai to cao")[:2] == ["khiếu nại", "tố cáo"]
    assert set(marked("KNTC")) == {"khiếu nại", "tố cáo"}
    assert "giải quyết khiếu nại" in marked("How many complaints were resolved?")


def test_function_words_alone_and_punctuation_between():
    assert marked("của các") == []
    assert "1.215" in marked("1.215")
    # a comma ends a phrase: "khiếu nại" and "tố cáo" are two marks, not one
    assert "khiếu nại, tố cáo" not in marked("khiếu nại tố cáo")
