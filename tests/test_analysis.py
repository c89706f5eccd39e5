from indexer.analysis import Analyzer, AnalyzerConfig, expand_abbreviations


def test_streams():
    terms = Analyzer().terms("Giải quyết khiếu nại, tố cáo")
    assert "khiếu_nại" in terms and "tố_cáo" in terms  # pyvi words
    assert "f:khieu" in terms and "f:cao" in terms  # folded syllables
    assert "g:khieu_nai" in terms and "g:to_cao" in terms  # folded bigrams


def test_unaccented_query_shares_folded_terms_with_accented_text():
    analyzer = Analyzer()
    doc = set(analyzer.terms("toàn tỉnh đã tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo"))
    query = set(analyzer.terms("khieu nai to cao"))
    assert {"f:khieu", "f:nai", "g:khieu_nai", "g:to_cao"} <= doc & query


def test_numbers_stay_whole():
    terms = Analyzer(AnalyzerConfig(words=False, syllables=True, folded=False, folded_bigrams=False)).terms(
        "tiếp nhận 1.215 đơn, đạt 84,4%")
    assert "s:1.215" in terms and "s:84,4" in terms


def test_glossary_expands_abbreviations_both_ways():
    assert "khiếu nại, tố cáo" in expand_abbreviations("kết quả giải quyết KNTC năm 2019")
    assert "hội đồng nhân dân" in expand_abbreviations("HĐND tỉnh")
    assert "cải cách hành chính" in expand_abbreviations("cchc")  # typed lower-case
    analyzer = Analyzer()
    assert "khiếu_nại" in analyzer.terms("KNTC")
    assert "kntc" not in analyzer.terms("khiếu nại")  # plain text gains nothing it does not say


def test_switching_streams_off():
    terms = Analyzer(AnalyzerConfig(words=True, folded=False, folded_bigrams=False, glossary=False)).terms(
        "khiếu nại")
    assert not any(t.startswith(("f:", "g:", "s:")) for t in terms)
