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


def facts_of(tmp_path):
    path = tmp_path / "bac-giang-bao-cao-thu.txt"
    path.write_text(REPORT, encoding="utf-8")
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
