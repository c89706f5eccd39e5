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
