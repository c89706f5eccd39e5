"""Post-correction of OCR'd tone marks (indexer/readers/syllables.py): real misreadings of
Tesseract's `vie` model on qn-02.pdf and qn-17.pdf (eval/results/ocr.md), real words kept."""
import pytest

pytest.importorskip("wordfreq")

from indexer.readers.syllables import correct_syllables, document_pairs, toneless  # noqa: E402


def _correct(line: str, confidences: list[float], document: list[str]) -> str:
    pairs = document_pairs([[(w, 96.0) for w in text.split()] for text in document])
    return " ".join(correct_syllables(line.split(), confidences, pairs))


def test_toneless_keeps_vowel_marks():
    assert toneless("Cổ") == "cô" and toneless("xuất") == "xuât" and toneless("Đường") == "đương"


def test_a_form_that_is_no_syllable_is_corrected_whatever_its_confidence():
    # 'xuât' and 'biêu' are no Vietnamese syllables (a -t coda takes only sắc or nặng)
    assert _correct("đề xuât biêu mẫu", [96, 92, 93, 96], []) == "đề xuất biểu mẫu"
    assert _correct("Truyên thông", [88, 97], []) == "Truyền thông"


def test_an_unsure_real_syllable_takes_the_pair_the_document_prints_elsewhere():
    document = ["công tác cổ phần hóa doanh nghiệp", "Quảng Ngãi, ngày 08 tháng 01"]
    assert _correct("thực hiện cô phần hóa", [96, 96, 62, 96, 96], document) == "thực hiện cổ phần hóa"
    assert _correct("TỈNH QUANG NGAI", [97, 70, 65], document) == "TỈNH QUẢNG NGÃI"


def test_sure_or_unpaired_real_syllables_are_left_as_read():
    document = ["công tác cổ phần hóa doanh nghiệp"]
    # read surely: kept, though the document has 'cổ phần'
    assert _correct("cô phần", [98, 96], document) == "cô phần"
    # a syllable with a tone mark is left as read: the model drops marks, seldom adds them
    assert _correct("cỗ phần", [60, 96], document) == "cỗ phần"
    # unsure but no pair elsewhere: frequency alone does not decide between real words
    assert _correct("rà soát thực tiễn", [70, 96, 96, 70], document) == "rà soát thực tiễn"
    # an unsure word's pair is no evidence for changing a sure one
    pairs = document_pairs([[("sửa", 96), ("đối", 68)]])
    assert correct_syllables(["sửa", "đổi"], [96, 96], pairs) == ["sửa", "đổi"]


def _in_context(line: str, confidences: list[float] | None = None) -> str:
    from indexer.readers.syllables import correct_by_context

    tokens = line.split()
    return " ".join(correct_by_context(tokens, confidences or [96.0] * len(tokens)))


def test_the_corpus_pairs_restore_marks_the_model_dropped_over_circumflex_breve_horn():
    # qn-17.pdf and qn-02.pdf as OCR'd (eval/results/ocr.md): read at 75-97
    assert _in_context("nêu trên; tông hợp, báo cáo") == "nêu trên; tổng hợp, báo cáo"
    assert _in_context("văn bản và điêu hành), Chủ") == "văn bản và điều hành), Chủ"
    assert _in_context("đối, bô sung một số", [69, 75, 97, 97, 97]) == "đối, bổ sung một số"
    assert _in_context("Quyết định sửa đối, bổ sung", [97, 97, 97, 69, 77, 97]) == "Quyết định sửa đổi, bổ sung"
    assert _in_context("xác định việc cô phần hóa") == "xác định việc cổ phần hóa"
    # a swapped mark read unsure (qn-03.pdf), case kept
    assert _in_context("CỘNG SẢN HỖ CHÍ MINH", [97, 97, 85, 97, 97]) == "CỘNG SẢN HỒ CHÍ MINH"


def test_the_corpus_pairs_leave_right_words_and_bare_vowels_alone():
    # one neighbour only and a weak pair: "thời gian qua," is no "quá" (the laws print "gian quá" 32 times)
    assert _in_context("trong thời gian qua, nhất là") == "trong thời gian qua, nhất là"
    # a bare vowel the model reads well gets no mark: "điểm thi" stays, though the laws say "thì trong" 240 times
    assert _in_context("các điểm thi trong quá trình") == "các điểm thi trong quá trình"
    # a mark read surely stands against the corpus ("quyền hưởng" 105, but "hướng xử lý" is what was printed)
    assert _in_context("thẩm quyền hướng xử lý,", [95, 83, 96, 97, 97]) == "thẩm quyền hướng xử lý,"
    assert _in_context("thực hiện cổ phần hóa") == "thực hiện cổ phần hóa"


def test_capitals_mid_sentence_are_lowered_only_where_the_corpus_never_capitalises():
    assert _in_context("phối hợp với Các CƠ quan, đơn vị", [97, 97, 97, 95, 78, 97, 97, 96]) == \
        "phối hợp với các cơ quan, đơn vị"
    assert _in_context("Hệ thống quản Lý văn bản", [97, 94, 96, 68, 97, 96]) == "Hệ thống quản lý văn bản"
    # a name's capital read surely stands ("trên Hệ thống"), and so does a department's ("các Chi cục" 2 %)
    assert _in_context("gửi trên Hệ thống quản") == "gửi trên Hệ thống quản"
    assert _in_context("tại các Chi cục thuế", [97, 97, 76, 97, 97]) == "tại các Chi cục thuế"


def test_formulas_of_the_header_and_closing_blocks_get_their_marks_back():
    from indexer.readers.formulas import restore_formulas

    assert restore_formulas("TINH QUANG NGAI Độc lập - Tự do - Hạnh phúc".split()) == \
        "TỈNH QUẢNG NGÃI Độc lập - Tự do - Hạnh phúc".split()
    assert restore_formulas("ÚY BAN NHÂN DÂN CỌNG HÒA XÃ HỘI CHÚ NGHĨA VIỆT NAM".split()) == \
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".split()
    assert restore_formulas("(tính Quảng Ngãi), khiếu".split()) == "(tỉnh Quảng Ngãi), khiếu".split()
    # one word alone is no formula; nor a province's name without "tỉnh" / "thành phố"
    assert restore_formulas("tinh thần Quang Ngai".split()) == "tinh thần Quang Ngai".split()
