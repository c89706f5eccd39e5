import unicodedata

from indexer.textnorm import fold_diacritics, normalize_text, normalize_tone_placement, search_key


def test_old_and_new_tone_placement_match():
    for old, new in [("hòa", "hoà"), ("khóa", "khoá"), ("khỏe", "khoẻ"), ("thủy", "thuỷ"),
                     ("Thái Hòa", "Thái Hoà"), ("ủy ban", "uỷ ban"), ("Khánh Hòa", "Khánh Hoà")]:
        assert normalize_tone_placement(old) == normalize_tone_placement(new), (old, new)


def test_tone_placement_leaves_other_syllables_alone():
    # "của", "quả", "hoàn", "quý" are spelled one way only
    for word in ["của", "quả", "hoàn", "quý", "thuở", "huyện", "khuyến", "mùa"]:
        assert normalize_tone_placement(word) == word


def test_nfd_input_is_composed():
    decomposed = unicodedata.normalize("NFD", "khiếu nại, tố cáo")
    assert normalize_text(decomposed) == "khiếu nại, tố cáo"


def test_folding_is_length_preserving():
    text = "Đơn thư khiếu nại, tố cáo; Thái Hòa – Nghệ An: 84,7% (3.849 km²)"
    assert fold_diacritics(text) == "Don thu khieu nai, to cao; Thai Hoa – Nghe An: 84,7% (3.849 km²)"
    assert len(search_key(text)) == len(text)
    assert search_key("KHIẾU NẠI") == search_key("khieu nai") == "khieu nai"
