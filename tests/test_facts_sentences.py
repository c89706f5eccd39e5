"""What a figure's sentence says of it (indexer/facts.py, issue 23): report sentences written for
this test, read as a document is read at index time (reader, chunker, document_facts)."""
from indexer.build import document_record
from indexer.chunker import chunk_document
from indexer.documents import read_path

REPORT = """UBND TỈNH BẮC GIANG

BÁO CÁO
Kết quả 5 năm thực hiện Kết luận 114-KL/TW, giai đoạn 2015-2020

Thực hiện sắp xếp 40 đơn vị hành chính cấp xã, giảm 21 đơn vị xã (từ 230 xã, phường, thị trấn xuống còn 209); thực hiện sắp xếp sáp nhập thôn, tổ dân phố từ năm 2015 đến nay giảm được 362 thôn, tổ dân phố.

Trong năm 2020 các cơ quan trên địa bàn cấp tỉnh đã tiếp nhận 634 đơn; với 45 vụ việc khiếu nại, tố cáo phải giải quyết; đến nay đã giải quyết được 38/45 vụ việc.

Trong năm 2020, Tỉnh đã tổ chức phát sóng trực tiếp 22 Chương trình “Đối thoại về cải cách hành chính”; xuất bản 06 bài viết tuyên truyền về cải cách hành chính.

Tỷ lệ hồ sơ giải quyết đúng hẹn cấp tỉnh chỉ đạt 93,5% (trường hợp dưới 95% thì tiêu chí này đạt 0 điểm).

Trong 5 năm qua tỉnh đã vận động tết vì người nghèo được gần 340 tỷ đồng, riêng năm 2020 vận động được hơn 75 tỷ đồng.
"""


# sentences whose figures' thing, level or period is said outside the figure's own clause
REPORT_STRUCTURE = """UBND TỈNH NGHỆ AN

BÁO CÁO
Kết quả thực hiện Kết luận 114-KL/TW, giai đoạn 2015-2020

Biên chế công chức, số người làm việc trong các đơn vị sự nghiệp công lập toàn tỉnh giảm từ 61.200 người xuống còn 58.300 người (giảm 2.900 biên chế) tương đương 4,7%.

Năm 2019 tỉnh xây dựng Cổng dịch vụ công trực tuyến cung cấp dịch vụ công trực tuyến mức độ 3, mức độ 4 với 210 TTHC (mức độ 3: 150, mức độ 4: 60).

Thực hiện sắp xếp 36 đơn vị hành chính cấp xã để thành lập 17 đơn vị hành chính cấp xã mới, giảm 19 đơn vị xã.

18/18 sở, ngành phân công lãnh đạo phụ trách công tác dân vận; 12/12 Ủy ban nhân dân huyện, thị xã; 300/300 UBND xã phân công cán bộ tham mưu công tác dân vận.

Tỷ lệ hồ sơ giải quyết đúng hẹn cấp tỉnh chỉ đạt 96,2% (trường hợp dưới 95% thì tiêu chí này đạt 0 điểm).

Tháng 9/2019, Thường trực Tỉnh ủy tổ chức gặp mặt 650 đồng chí lãnh đạo cấp phòng.

Tỉnh đã tập trung vào 4 nhóm giải pháp chính: khéo tham mưu, tổ chức thực hiện; khéo tuyên truyền, vận động; khéo động viên nhân dân.

Đến nay mô hình chính quyền địa phương 02 cấp vận hành ổn định.

Cấp huyện đã xây dựng được 900 điển hình tập thể và 2100 điển hình cá nhân; cấp tỉnh xây dựng được 400 điển hình tập thể và 640 điển hình cá nhân trong phong trào thi đua “Dân vận khéo”.

Tỉnh đã thành lập 130 Trung tâm Phục vụ hành chính công xã, phường; nhân sự được bố trí cho Trung tâm 760 cán bộ, công chức.
"""


def facts_of(tmp_path, report=REPORT, name="bac-giang-bao-cao-thu.txt"):
    path = tmp_path / name
    path.write_text(report, encoding="utf-8")
    (doc,) = read_path(path, tmp_path)
    record, parsed = document_record(doc)
    passages = [p.to_dict() for p in chunk_document(doc.doc_id, doc.title, doc.text, parsed)]
    from indexer.facts import document_facts

    return {f["raw"]: f for f in document_facts(record, passages)}


def test_what_report_sentences_say_of_their_figures(tmp_path):
    facts = facts_of(tmp_path)
    # a count of communes is filed under cấp xã; the figure a count changed to counts the same thing
    assert facts["230 xã"]["level"] == "xã"
    assert facts["209"]["level"] == "xã" and "phuong" in facts["209"]["words"]
    # "từ năm 2015 đến nay" in a report up to 2020 is 2015–2020, not 2015
    assert (facts["362 thôn"]["period"]["from"], facts["362 thôn"]["period"]["to"]) == (2015, 2020)
    # cases due to be resolved are neither received nor resolved
    assert facts["45 vụ việc khiếu nại"]["predicate"] == "due" and facts["38/45 vụ việc"]["predicate"] == "resolve"
    # a title in quotes gives no verb: the articles are not receptions of citizens
    articles = facts["06 bài viết tuyên truyền"]
    assert articles["predicate"] != "meet" and "cai" in articles["words"]
    # a rule's consequence ("thì tiêu chí này đạt 0 điểm") is no figure; the rate is of files resolved
    assert "0 điểm" not in facts and facts["93,5%"]["predicate"] == "resolve"
    # an amount of money counts money; a part singled out ("riêng năm 2020") counts what its total counts
    assert "tien" in facts["340 tỷ đồng"]["words"]
    assert {"tet", "ngheo", "tien"} <= set(facts["75 tỷ đồng"]["words"])
    assert facts["75 tỷ đồng"]["period"]["from"] == 2020


def test_what_a_figure_counts_said_outside_its_clause(tmp_path):
    facts = facts_of(tmp_path, REPORT_STRUCTURE, "nghe-an-bao-cao-thu.txt")
    # the sentence's first noun piece is listed with its subject; the count changed to and "tương đương X%" count it too
    for raw in ("61.200 người", "58.300 người", "4,7%"):
        assert {"bien", "che", "chuc"} <= set(facts[raw]["words"]), raw
    assert facts["58.300 người"]["predicate"] == "remain" and facts["4,7%"]["predicate"] == "reduce"
    # "mức độ 3, mức độ 4 … với 210 TTHC": a noun numbered twice does not end the clause; its parts count the same
    for raw in ("210 TTHC", "150", "60"):
        assert {"dich", "truc", "tuyen"} <= set(facts[raw]["words"]), raw
    # "21 đơn vị xã" after "đơn vị hành chính cấp xã": a short name counts what the full one counts
    assert {"hanh", "chinh"} <= set(facts["19 đơn vị xã"]["words"])
    # a ";" part with only a figure and its thing says what the part before it says
    assert {"phan", "lanh", "dao"} <= set(facts["12/12 Ủy ban nhân dân"]["words"])
    assert facts["12/12 Ủy ban nhân dân"]["level"] == "huyện"
    # a rule's threshold is its own indicator, not the rate achieved
    assert facts["95%"]["qualifiers"] == ["nguong"] and facts["96,2%"]["qualifiers"] == []
    assert facts["95%"]["indicator"] != facts["96,2%"]["indicator"]
    # a month written as a date dates the event within its year: no "tháng 9" sub-period
    met = facts["650 đồng chí lãnh đạo"]["period"]
    assert (met["from"], met["to"], met["sub"]) == (2019, 2019, None)
    # no figures: the count of the items a colon lists, the two-tier government's name
    assert not any(raw.startswith(("4 nhóm", "02 cấp")) for raw in facts)
    # parts listing the same things in the same order say the same of them
    assert "kheo" in facts["2100 điển hình cá nhân"]["words"] and "kheo" in facts["900 điển hình tập thể"]["words"]
    assert facts["900 điển hình tập thể"]["level"] == "huyện" and facts["400 điển hình tập thể"]["level"] == "tỉnh"
    # what belongs to the communes' centres counted before it is at their level
    assert facts["760 cán bộ"]["level"] == "xã"
