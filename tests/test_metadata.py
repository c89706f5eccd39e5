"""Metadata extraction and the gazetteer, on the five real corpus documents and unit cases."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from indexer.gazetteer import (
    HO_CHI_MINH_CITY,
    PROVINCES,
    canonical_province,
    find_districts,
    find_provinces,
    fold,
    province_of_district,
)
from indexer.metadata import (
    FIELDS,
    REFERENCE_KEYS,
    SidecarError,
    apply_overrides,
    extract_metadata,
    find_references,
    load_sidecar,
    normalize_reference,
    strip_web_chrome,
)

from conftest import BAC_GIANG, BINH_SON, CORPUS, THAI_HOA
from conftest import CONFERENCE as CONFERENCE_2018
from conftest import NGHE_AN as NGHE_AN_114
ALL_DOCUMENTS = (NGHE_AN_114, BAC_GIANG, BINH_SON, THAI_HOA, CONFERENCE_2018)


def _text(doc_id: str) -> str:
    return (CORPUS / doc_id).read_text(encoding="utf-8")


_cache: dict[str, dict] = {}


def metadata_of(doc_id: str) -> dict:
    if doc_id not in _cache:
        _cache[doc_id] = extract_metadata(doc_id, "", _text(doc_id))
    return _cache[doc_id]


def reference_ids(doc_id: str) -> list[str]:
    return [r["id"] for r in metadata_of(doc_id)["references"]]


def reference(doc_id: str, ref_id: str) -> dict:
    return next(r for r in metadata_of(doc_id)["references"] if r["id"] == ref_id)


# ---------------------------------------------------------------------------
# The real documents
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", ALL_DOCUMENTS)
def test_exact_keys_and_reference_shape(doc_id):
    metadata = metadata_of(doc_id)
    assert tuple(metadata) == FIELDS
    assert metadata["doc_type"] in {"báo cáo", "tin bài"}
    ids = [r["id"] for r in metadata["references"]]
    assert len(ids) == len(set(ids)), "references are deduplicated by id"
    for entry in metadata["references"]:
        assert tuple(entry) == REFERENCE_KEYS
        assert entry["count"] >= 1


def test_nghe_an_114_article():
    metadata = metadata_of(NGHE_AN_114)
    assert metadata["province"] == "Nghệ An"
    assert metadata["district"] is None and metadata["district_type"] is None
    assert metadata["period"] == {"from": 2015, "to": 2020}
    assert metadata["doc_type"] == "tin bài"
    assert metadata["signer"] == "Nguyễn Mạnh Khôi"
    assert metadata["issuer"] == "Ban Dân vận Tỉnh ủy"
    assert metadata["number"] is None
    assert metadata["date"] is None  # the article states no date of its own
    ids = reference_ids(NGHE_AN_114)
    assert {"114-KL/TW", "16/CT-TTg", "209-KH/TU"} <= set(ids)
    kl114 = reference(NGHE_AN_114, "114-KL/TW")
    assert kl114["type"] == "kết luận"
    assert kl114["date"] == "2015-07-14"
    assert kl114["issuer"] == "Ban Bí thư Trung ương Đảng"
    # "Kết luận số 114-KL/TW", "114 - KL/TW", "114 –KL/TW", "114-KL/TW", all one id
    assert kl114["count"] == 11
    ct16 = reference(NGHE_AN_114, "16/CT-TTg")
    assert ct16["date"] == "2016-05-16" and ct16["issuer"] == "Thủ tướng Chính phủ"
    # "Kế hoạch 209 KH/TU" (space) and "Kế hoạch số 209-KH/TU" merge
    assert reference(NGHE_AN_114, "209-KH/TU")["count"] == 2
    # "Chỉ thị 17/CT ngày 03/12/2013" is resolved to "Chỉ thị 17-CT/TU" in the same text
    ct17 = reference(NGHE_AN_114, "17-CT/TU")
    assert ct17["count"] == 2 and ct17["date"] == "2013-12-03"
    assert "17/CT" not in ids
    # one directive written in party and state style (same number, issuer code, date): one id,
    # the other spelling kept (issue 25)
    assert {"13/CT-UBND", "25-NQ/TW"} <= set(ids) and not {"13-CT/UBND", "25/NQ-TW"} & set(ids)
    ct13 = reference(NGHE_AN_114, "13/CT-UBND")
    assert ct13["spellings"] == ["13/CT-UBND", "13-CT/UBND"] and ct13["count"] == 3
    assert ct13["date"] == "2016-09-01"
    assert reference(NGHE_AN_114, "25-NQ/TW")["spellings"] == ["25-NQ/TW", "25/NQ-TW"]


def test_two_directives_numbered_alike_with_different_dates_stay_apart():
    from indexer.metadata import find_references

    text = ("Chỉ thị số 13/CT-UBND ngày 01/9/2016 của UBND tỉnh. "
            "Chỉ thị số 13-CT/UBND ngày 05/3/2019 của UBND huyện.")
    assert [r["id"] for r in find_references(text)] == ["13/CT-UBND", "13-CT/UBND"]
    same = "Chỉ thị số 13/CT-UBND ngày 01/9/2016 của UBND tỉnh. Chỉ thị 13-CT/UBND ngày 01/9/2016."
    assert [r["id"] for r in find_references(same)] == ["13/CT-UBND", "13/CT-UBND"]


def test_bac_giang_department_report():
    metadata = metadata_of(BAC_GIANG)
    assert metadata["province"] == "Bắc Giang"
    assert metadata["district"] is None  # districts are only mentioned in the body
    assert metadata["issuer"] == "Sở Nội vụ"
    assert metadata["doc_type"] == "báo cáo"
    assert metadata["number"] == "/BC-SNV"
    assert metadata["date"] == "2020-07"  # "ngày   tháng 7 năm 2020": the day is blank
    assert metadata["period"] == {"from": 2015, "to": 2020}
    assert metadata["signer"] == "Khuông Văn Thông"
    ids = reference_ids(BAC_GIANG)
    assert ids[0] == "114-KL/TW"
    # the heading "KẾT LUẬN SỐ 114" and the typo "114-KL/W" count for 114-KL/TW
    assert "114-KL/W" not in ids
    assert reference(BAC_GIANG, "114-KL/TW")["count"] == 16
    assert {"1849/QĐ-TTg", "12/2018/NQ-HĐND", "39-NQ/TW", "11-QĐi/TW", "2891/UBND-TCD"} <= set(ids)
    assert reference(BAC_GIANG, "1849/QĐ-TTg")["date"] == "2018-12-27"
    assert reference(BAC_GIANG, "01-QĐ/TU")["type"] == "quy định"  # "Quy định số 01-QĐ/TU"
    assert reference(BAC_GIANG, "108/2014/NĐ-CP")["type"] == "nghị định"


def test_binh_son_district_report():
    metadata = metadata_of(BINH_SON)
    assert metadata["district"] == "Bình Sơn"
    assert metadata["district_type"] == "huyện"
    assert metadata["province"] == "Quảng Ngãi"
    assert metadata["period"] == {"from": 2021, "to": 2021}  # not 2022, the next year's tasks
    assert metadata["doc_type"] == "báo cáo"
    assert metadata["issuer"] == "UBND huyện Bình Sơn"
    assert metadata["signer"] == "Phạm Quang Sự"
    assert metadata["number"] is None and metadata["date"] is None  # neither is written
    assert reference(BINH_SON, "20/2013/QĐ-UBND")["issuer"] == "UBND tỉnh"
    assert {"31/KH-UBND", "26/CT-TTg", "31-CT/TU", "22-CT/TU"} <= set(reference_ids(BINH_SON))


def test_thai_hoa_article():
    metadata = metadata_of(THAI_HOA)
    assert metadata["district"] == "Thái Hòa"
    assert metadata["district_type"] == "thị xã"
    assert metadata["province"] == "Nghệ An"
    assert metadata["doc_type"] == "tin bài"
    assert metadata["signer"] == "Nguyễn Mạnh Khôi"
    assert metadata["period"] is None  # the title names no period
    assert reference_ids(THAI_HOA) == ["23-QĐ/TW", "07-QC/TU", "04-QC/ThU"]
    assert reference(THAI_HOA, "07-QC/TU")["date"] == "2021-12-08"


def test_conference_report_names_no_province():
    metadata = metadata_of(CONFERENCE_2018)
    assert metadata["province"] is None
    assert metadata["district"] is None
    assert metadata["date"] == "2019-02-26"  # "Sáng ngày 26/02/2019, …" opens the lead
    assert metadata["doc_type"] == "tin bài"
    assert metadata["issuer"] is None and metadata["signer"] is None and metadata["number"] is None
    assert metadata["period"] == {"from": 2018, "to": 2018}
    assert reference_ids(CONFERENCE_2018) == ["24-CT/TU", "05-CT/TW"]


def test_title_argument_does_not_change_the_result():
    text = _text(NGHE_AN_114)
    headline = strip_web_chrome(text).text.strip().splitlines()[0]
    assert extract_metadata(NGHE_AN_114, headline, text) == metadata_of(NGHE_AN_114)


# ---------------------------------------------------------------------------
# Web chrome: banner and related-links tail
# ---------------------------------------------------------------------------


def test_related_links_tail_is_ignored_on_real_articles():
    # The tails list Thị xã Thái Hòa, Huyện Quỳ Hợp, huyện Nghi Lộc, Chỉ thị 21-CT/TW, …
    assert "Tin cùng chuyên mục" in _text(NGHE_AN_114)
    assert metadata_of(NGHE_AN_114)["district"] is None
    assert "21-CT/TW" in _text(THAI_HOA)
    tail_only = {"21-CT/TW", "24-NQ/TW", "218-QĐ/TW", "39-NQ/TW", "65-KL/TW", "2683-QĐi/TU", "33-CT/TW"}
    assert not tail_only & set(reference_ids(THAI_HOA))
    body = strip_web_chrome(_text(THAI_HOA))
    assert body.is_web_page
    assert "Banner" not in body.text and "Tin cùng chuyên mục" not in body.text


def test_related_links_tail_is_ignored_synthetic():
    text = (
        "Banner Tỉnh ủy Hà Tĩnh (Home)\n\n"
        "Huyện Quế Phong làm tốt công tác dân vận\n\n"
        "Sáng ngày 05/3/2021, Huyện ủy Quế Phong tổng kết Kế hoạch số 12-KH/HU ở tỉnh Nghệ An.\n\n"
        "Nguyễn Văn An\n\n"
        "Tin cùng chuyên mục\n\n"
        "Hà Tĩnh, Quảng Bình, Quảng Bình, Quảng Bình tổng kết Kết luận số 65-KL/TW\n"
        "Thực hiện tốt quy chế dân chủ ở huyện Bình Sơn\n"
    )
    metadata = extract_metadata("synthetic.txt", "", text)
    assert metadata["province"] == "Nghệ An"
    assert metadata["district"] == "Quế Phong" and metadata["district_type"] == "huyện"
    assert metadata["date"] == "2021-03-05"
    assert metadata["signer"] == "Nguyễn Văn An"
    assert [r["id"] for r in metadata["references"]] == ["12-KH/HU"]


def test_a_law_is_typed_as_a_law():
    # the header of the vlc-laws-2 files: "LUẬT" / "BỘ LUẬT" on a line of its own (they were "tin bài")
    law = ("QUỐC HỘI\n-------\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập – Tự do – Hạnh phúc ---------------\n"
           "Luật số: 02/2011/QH13\nHà Nội, ngày 11 tháng 11 năm 2011\nLUẬT\nKHIẾU NẠI\n"
           "Quốc hội ban hành Luật khiếu nại.\nĐiều 1. Phạm vi điều chỉnh\nLuật này quy định về khiếu nại.\n")
    metadata = extract_metadata("Luat-khieu-nai-2011.txt", "", law)
    assert metadata["doc_type"] == "luật" and metadata["date"] == "2011-11-11"
    code = law.replace("Luật số: 02/2011/QH13", "Luật số: 45/2019/QH14").replace("LUẬT\nKHIẾU NẠI", "BỘ LUẬT\nLAO ĐỘNG")
    assert extract_metadata("Bo-luat-lao-dong-2019.txt", "", code)["doc_type"] == "bộ luật"


def test_absent_fields_are_null_not_guessed():
    metadata = extract_metadata("x.txt", "", "Một đoạn văn không nêu tỉnh, ngày hay văn bản nào.")
    assert metadata == {**{field: None for field in FIELDS}, "doc_type": "tin bài", "references": []}


def test_formal_header_with_place_date_line():
    text = (
        "UBND HUYỆN NGHI LỘC\n\nSố: 125/KH-UBND\n\nNghi Lộc, ngày 03 tháng 02 năm 2022\n\n"
        "KẾ HOẠCH\n\nThực hiện công tác dân vận chính quyền giai đoạn 2021 - 2025\n\n"
        "Căn cứ Chỉ thị số 16/CT-TTg ngày 16/5/2016 của Thủ tướng Chính phủ, …\n"
    )
    metadata = extract_metadata("kh.txt", "", text)
    assert metadata["doc_type"] == "kế hoạch"
    assert metadata["number"] == "125/KH-UBND"
    assert metadata["date"] == "2022-02-03"
    assert metadata["province"] == "Nghệ An"  # the place of the date line is a known district
    assert (metadata["district"], metadata["district_type"]) == ("Nghi Lộc", "huyện")  # header agency line
    assert metadata["period"] == {"from": 2021, "to": 2025}


# ---------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("Kết luận số 114-KL/TW", "114-KL/TW"),
        ("Kết luận 114 –KL/TW", "114-KL/TW"),
        ("Kết luận số 114 - KL/TW", "114-KL/TW"),
        ("KL 114", "114-KL/TW"),
        ("KL số 114", "114-KL/TW"),
        ("KẾT LUẬN SỐ 114", "114-KL/TW"),
        ("ket luan so 114-kl/tw", "114-KL/TW"),
        ("114-KL/TW", "114-KL/TW"),
        ("Chỉ thị số 16/CT-TTg", "16/CT-TTg"),
        ("chỉ thị 16/ct-ttg", "16/CT-TTg"),
        ("Kế hoạch số 209-KH/TU", "209-KH/TU"),
        ("Kế hoạch 209 KH/TU", "209-KH/TU"),
        ("Chỉ thị 13-CT/UBND", "13-CT/UBND"),
        ("Chỉ thị số 13/CT-UBND", "13/CT-UBND"),
        ("Nghị quyết số 39-NQ/TW", "39-NQ/TW"),
        ("Quyết định số 23-QĐ/TW", "23-QĐ/TW"),
        ("Quyết định số 23-QD/TW", "23-QĐ/TW"),
        ("Quy chế số 07-QC/TU", "07-QC/TU"),
        ("Nghị quyết số 12/2018/NQ-HĐND", "12/2018/NQ-HĐND"),
        ("nghi quyet 12/2018/nq-hdnd", "12/2018/NQ-HĐND"),
        ("Quyết định số 1849/QĐ-TTg", "1849/QĐ-TTg"),
        ("Quy định số 11-QĐi/TW", "11-QĐi/TW"),
        ("Nghị định số 108/2014/NĐ-CP", "108/2014/NĐ-CP"),
        ("Công văn số 2891/UBND-TCD", "2891/UBND-TCD"),
        ("Luật số 77/2015/QH13", "77/2015/QH13"),
        ("Kế hoạch số 97-KH/BDV-BCSĐ UBND ngày 01/3/2019", "97-KH/BDV-BCSĐ UBND"),
    ],
)
def test_normalize_reference(spelling, expected):
    assert normalize_reference(spelling) == expected


@pytest.mark.parametrize("text", ["năm 2020", "Kết luận số 999", "245/411 xã", "ngày 14/7/2015", ""])
def test_normalize_reference_none(text):
    assert normalize_reference(text) is None


def test_find_references_offsets_type_date_issuer():
    text = ("Thực hiện Kết luận số 114 - KL/TW ngày 14 tháng 7 năm 2015 của Ban Bí thư Trung ương Đảng (khoá XI) "
            "và Chỉ thị số 16/CT-TTg ngày 16/5/2016 của Thủ tướng Chính phủ; KL số 114.")
    found = find_references(text)
    assert [r["id"] for r in found] == ["114-KL/TW", "16/CT-TTg", "114-KL/TW"]
    first, second, bare = found
    assert text[first["start"]:first["end"]] == "Kết luận số 114 - KL/TW"
    assert first["type"] == "kết luận" and first["issuer_code"] == "TW"
    assert first["date"] == "2015-07-14" and first["issuer"] == "Ban Bí thư Trung ương Đảng"
    assert second["type"] == "chỉ thị" and second["issuer"] == "Thủ tướng Chính phủ"
    assert text[bare["start"]:bare["end"]] == "KL số 114"  # resolved from the same text


def test_bare_mentions_are_not_guessed_in_documents():
    # No full citation in the text: a bare "Kết luận số 114" is dropped, not mapped.
    assert find_references("Kết quả thực hiện Kết luận số 114 tại địa phương") == []
    # Lowercase codes in prose without a type word are not citations.
    assert find_references("có 21 ct/tu và 5-kh/tu") == []


def test_reference_types_from_code():
    types = {r["id"]: r["type"] for r in find_references(
        "Kết luận 1-KL/TW, Chỉ thị 2-CT/TU, Nghị quyết 3-NQ/TW, Kế hoạch 4-KH/TU, Quyết định 5-QĐ/TW, "
        "Quy chế 6-QC/TU, Công văn 7-CV/TU, Quy định 8-QĐ/TW, Chương trình 9-CTr/TU")}
    assert types == {
        "1-KL/TW": "kết luận", "2-CT/TU": "chỉ thị", "3-NQ/TW": "nghị quyết", "4-KH/TU": "kế hoạch",
        "5-QĐ/TW": "quyết định", "6-QC/TU": "quy chế", "7-CV/TU": "công văn", "8-QĐ/TW": "quy định",
        "9-CTr/TU": "chương trình",
    }


# ---------------------------------------------------------------------------
# Gazetteer
# ---------------------------------------------------------------------------


def test_fold():
    assert fold("  Nghệ   AN\tĐắk Lắk ") == "nghe an dak lak"
    assert fold("Khánh Hoà") == fold("Khánh Hòa") == "khanh hoa"
    assert fold(unicodedata.normalize("NFD", "Thừa Thiên Huế")) == "thua thien hue"


def test_sixty_three_provinces():
    assert len(PROVINCES) == len(set(PROVINCES)) == 63
    for province in PROVINCES:
        assert canonical_province(province) == province
        assert canonical_province(fold(province)) == province
        assert canonical_province(province.upper()) == province


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("nghe an", "Nghệ An"), ("NGHỆ AN", "Nghệ An"), ("tỉnh Nghệ An", "Nghệ An"),
        ("Khánh Hoà", "Khánh Hòa"), ("thanh hoa", "Thanh Hóa"), ("Đắc Lắc", "Đắk Lắk"),
        ("Ba Ria - Vung Tau", "Bà Rịa - Vũng Tàu"), ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
        ("Huế", "Thừa Thiên Huế"), ("TP.HCM", HO_CHI_MINH_CITY), ("Sài Gòn", HO_CHI_MINH_CITY),
        ("thành phố hồ chí minh", HO_CHI_MINH_CITY), ("thanh pho ha noi", "Hà Nội"),
        ("Hà Nam Ninh", None), ("Bình Sơn", None), ("xyz", None),
    ],
)
def test_canonical_province(name, expected):
    assert canonical_province(name) == expected


def test_find_provinces_with_and_without_diacritics():
    text = "Tỉnh ủy Nghệ An, UBND tỉnh Bac Giang, KHÁNH HOÀ và Thanh Hoá; Đắc Lắc"
    assert [p for p, _, _ in find_provinces(text)] == ["Nghệ An", "Bắc Giang", "Khánh Hòa", "Thanh Hóa", "Đắk Lắk"]
    name, start, end = find_provinces(text)[0]
    assert text[start:end] == "Nghệ An"
    decomposed = unicodedata.normalize("NFD", text)
    assert [p for p, _, _ in find_provinces(decomposed)][:2] == ["Nghệ An", "Bắc Giang"]


def test_find_provinces_ambiguous_cases():
    def names(text: str, query: bool = False) -> list[str]:
        return [p for p, _, _ in find_provinces(text, query=query)]

    assert names("hòa bình và long an") == []  # ordinary words
    assert names("hòa bình và long an", query=True) == ["Hòa Bình", "Long An"]
    assert names("nghe an") == [] and names("nghe an", query=True) == ["Nghệ An"]
    assert names("ở Nghệ An Giang") == ["Nghệ An"]  # never "An Giang"
    assert names("tỉnh Hà Nam Ninh cũ") == []  # the former province blocks "Hà Nam"
    assert names("ông Nguyễn Thái Bình") == []  # a person's name
    assert names("phong cách Hồ Chí Minh") == []  # the person, not the city
    assert names("TP.HCM, TPHCM, Tp. Hồ Chí Minh, thành phố Hồ Chí Minh") == [HO_CHI_MINH_CITY] * 4
    assert names("GIỮ GÌN HÒA BÌNH") == [] and names("UBND TỈNH HÒA BÌNH") == ["Hòa Bình"]
    assert names("Sài Gòn") == [] and names("Sài Gòn", query=True) == [HO_CHI_MINH_CITY]
    assert names("tỉnh Bà Rịa - Vũng Tàu, Bà Rịa–Vũng Tàu") == ["Bà Rịa - Vũng Tàu"] * 2


def test_find_districts():
    text = ("UBND huyện Bình Sơn, Thị xã Thái Hoà, Thành phố Vinh, thành phố Bắc Giang, "
            "thành phố Hải Phòng, TP. Hồ Chí Minh, các huyện, thành phố; chị Nguyễn Thị Huyền Trang; huyện Mường Lát.")
    found = find_districts(text)
    assert [(t, n) for t, n, _, _ in found] == [
        ("huyện", "Bình Sơn"), ("thị xã", "Thái Hòa"), ("thành phố", "Vinh"),
        ("thành phố", "Bắc Giang"), ("huyện", "Mường Lát"),
    ]
    kind, name, start, end = found[0]
    assert text[start:end] == "huyện Bình Sơn"


@pytest.mark.parametrize(
    ("district", "province"),
    [
        ("Bình Sơn", "Quảng Ngãi"), ("binh son", "Quảng Ngãi"), ("Thái Hòa", "Nghệ An"), ("Thái Hoà", "Nghệ An"),
        ("Sơn Động", "Bắc Giang"), ("huyện Quỳ Hợp", "Nghệ An"), ("Nghi Lộc", "Nghệ An"), ("Tân Kỳ", "Nghệ An"),
        ("Quế Phong", "Nghệ An"), ("Nam Đàn", "Nghệ An"), ("Vinh", "Nghệ An"), ("thành phố Bắc Giang", "Bắc Giang"),
        ("Kỳ Sơn", None), ("Sơn Tây", None), ("Hà Nội", None), ("Không Có", None),
    ],
)
def test_province_of_district(district, province):
    assert province_of_district(district) == province


# ---------------------------------------------------------------------------
# Sidecar overrides
# ---------------------------------------------------------------------------


def _corpus(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text("Văn bản A", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Văn bản B", encoding="utf-8")
    return tmp_path


def test_sidecar_jsonl_and_meta_json(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / "metadata.jsonl").write_text(
        json.dumps({"doc_id": "a.txt", "province": "Hà Tĩnh", "signer": "Lê Văn A"}, ensure_ascii=False) + "\n\n"
        + json.dumps({"doc_id": "b.txt", "date": "2021"}) + "\n",
        encoding="utf-8",
    )
    (corpus / "a.meta.json").write_text(json.dumps({"signer": "Trần Thị B", "period": None}), encoding="utf-8")
    overrides = load_sidecar(corpus)
    assert dict(overrides["a.txt"]) == {"province": "Hà Tĩnh", "signer": "Trần Thị B", "period": None}
    assert dict(overrides["b.txt"]) == {"date": "2021"}

    extracted = extract_metadata("a.txt", "", "Báo cáo năm 2020 của tỉnh Nghệ An.")
    merged = apply_overrides(extracted, overrides["a.txt"])
    assert merged["province"] == "Hà Tĩnh" and merged["signer"] == "Trần Thị B"
    assert merged["period"] is None  # an explicit null wins too
    assert merged["doc_type"] == extracted["doc_type"]  # untouched fields stay
    assert tuple(merged) == FIELDS
    assert extracted["province"] == "Nghệ An"  # the input is not modified


def test_sidecar_unknown_key_names_file_and_key(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / "metadata.jsonl").write_text(json.dumps({"doc_id": "a.txt", "provinse": "Hà Tĩnh"}) + "\n")
    with pytest.raises(SidecarError) as error:
        load_sidecar(corpus)
    assert "metadata.jsonl:1" in str(error.value) and "'provinse'" in str(error.value)

    (corpus / "metadata.jsonl").unlink()
    (corpus / "b.meta.json").write_text(json.dumps({"autor": "X"}))
    with pytest.raises(SidecarError) as error:
        load_sidecar(corpus)
    assert "b.meta.json" in str(error.value) and "'autor'" in str(error.value)


def test_sidecar_rejects_orphans_and_bad_values(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / "missing.meta.json").write_text("{}")
    with pytest.raises(SidecarError, match="missing.meta.json"):
        load_sidecar(corpus)
    (corpus / "missing.meta.json").unlink()
    (corpus / "a.meta.json").write_text(json.dumps({"doc_type": "thư"}))
    with pytest.raises(SidecarError, match="doc_type"):
        load_sidecar(corpus)


def test_apply_overrides_rejects_unknown_keys():
    with pytest.raises(SidecarError, match="'colour'"):
        apply_overrides(metadata_of(BINH_SON), {"colour": "red"})
    assert apply_overrides(metadata_of(BINH_SON), None) == metadata_of(BINH_SON)


def test_no_sidecar_files(tmp_path):
    assert load_sidecar(_corpus(tmp_path)) == {}


def test_vietnamese_citation_style():
    from indexer.citation import vietnamese_citation

    bac_giang = {"province": "Bắc Giang", "issuer": "Sở Nội vụ", "doc_type": "báo cáo", "number": "/BC-SNV",
                 "date": "2020-07"}
    assert vietnamese_citation("Báo cáo: Kết quả 05 năm …", bac_giang, "B. II. 4.2", 37) == \
        "Báo cáo số …/BC-SNV ngày …/7/2020 của Sở Nội vụ tỉnh Bắc Giang, mục B.II.4.2, đoạn 37"
    binh_son = {"province": "Quảng Ngãi", "district": "Bình Sơn", "issuer": "UBND huyện Bình Sơn",
                "doc_type": "báo cáo"}
    assert vietnamese_citation("Báo cáo: Kết quả công tác dân vận", binh_son, "II. 4. b)", 21, 22) == \
        "Báo cáo “Kết quả công tác dân vận” của UBND huyện Bình Sơn, tỉnh Quảng Ngãi, mục II.4.b), đoạn 21–22"
    nghe_an = {"province": "Nghệ An", "issuer": "Ban Dân vận Tỉnh ủy", "doc_type": "tin bài"}
    assert vietnamese_citation("Thái Hòa thực hiện tốt Quy chế", nghe_an, "", 8) == \
        "Bài viết “Thái Hòa thực hiện tốt Quy chế” của Ban Dân vận Tỉnh ủy Nghệ An, đoạn 8"
    law = {"doc_type": "luật", "number": "02/2011/QH13", "date": "2011-11-11", "issuer": "Quốc hội"}
    assert vietnamese_citation("Luật Khiếu nại", law, "Điều 12, khoản 2", 57) == \
        "Luật số 02/2011/QH13 ngày 11/11/2011 của Quốc hội, Điều 12, khoản 2, đoạn 57"
