from search.diacritics import DiacriticRestorer, needs_restoring

CORPUS_LINES = [
    "Nghệ An đã tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo của công dân",
    "Công tác tiếp công dân, giải quyết khiếu nại, tố cáo được quan tâm",
    "Chủ tịch UBND huyện Bình Sơn tiếp công dân định kỳ",
    "cải cách thủ tục hành chính",
]


def test_restores_an_unaccented_question_from_corpus_syllables():
    restorer = DiacriticRestorer(CORPUS_LINES)
    assert restorer.restore("nghe an da giai quyet bao nhieu don khieu nai") == \
        "nghệ an đã giải quyết bao nhiêu đơn khiếu nại"
    assert restorer.restore("Tiep cong dan huyen Binh Son, UBND") == "Tiếp công dân huyện Bình Sơn, UBND"


def test_english_and_accented_queries_are_left_alone():
    restorer = DiacriticRestorer(CORPUS_LINES)
    assert not needs_restoring("How many complaints did Nghe An resolve?", restorer)
    assert not needs_restoring("Nghệ An đã giải quyết bao nhiêu đơn", restorer)
    assert needs_restoring("nghe an giai quyet bao nhieu don khieu nai", restorer)
