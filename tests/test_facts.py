"""The table of figures (issue 23): one indicator side by side for every place and year,
each cell the figure its label says, cited (GET /facts, `tracuu facts`), and exported as
CSV, XLSX and DOCX with a numbered source note; over the real index of corpus/."""
import csv
import io
import json
import re
import subprocess

import httpx

from conftest import BAC_GIANG, BINH_SON, NGHE_AN, ROOT, THAI_HOA, tracuu_command

COMPLAINTS_RESOLVED = "đơn khiếu nại đã giải quyết"
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]")


def cells_of(table):
    return {(c["row"], c["column"]): c for c in table["cells"]}


def check_cells_link_to_their_sentences(table):
    for cell in table["cells"]:
        assert cell["citation_vi"] and cell["raw"] in cell["sentence"]
        assert cell["link"] == f"/view/{cell['doc_id']}#p{cell['paragraph']}"
        assert table["notes"][cell["note"] - 1]["citation_vi"] == cell["citation_vi"]


def test_the_seven_cells_of_issue_23(engine):
    """The cells a new user checked against their sentences are right, absent, or filed
    under the right level and year."""
    from search.answer.facts import FactTable

    tables = FactTable(engine)
    resolved = tables.table(COMPLAINTS_RESOLVED)
    raws = {c["raw"] for c in resolved["cells"]}
    # 1. Bắc Giang 2019 "480 vụ việc" are cases citizens asked to have resolved, not resolutions
    assert "480 vụ việc" not in raws
    # nor are cases picked out "để rà soát, giải quyết (01 vụ đông người; 03 vụ cá nhân)"
    assert "03 vụ cá nhân" not in raws
    asked = cells_of(tables.table("vụ việc khiếu nại, tố cáo đề nghị giải quyết"))
    assert asked[("Bắc Giang", "2019")]["raw"] == "5.552 vụ việc"
    # 2. Bình Sơn's "08 vụ" is the district's, never the province's; it is "thuộc thẩm quyền"
    assert not any(c["raw"] == "08 vụ" for c in resolved["cells"])
    competent = tables.table("đơn khiếu nại thuộc thẩm quyền đã giải quyết")
    cell = cells_of(competent)[("Bình Sơn, Quảng Ngãi", "2021")]
    assert cell["raw"] == "08 vụ" and cell["doc_id"] == BINH_SON and cell["level"] == "huyện"
    assert cell["district"] == "Bình Sơn" and cell["province"] == "Quảng Ngãi"
    assert engine.document(BINH_SON)["text"][slice(*cell["span"])] == "08 vụ"
    group = next(g for g in competent["row_groups"] if g["row"] == "Bình Sơn, Quảng Ngãi")
    assert group["parent"] == "Quảng Ngãi" and group["level"] == "huyện"
    assert cells_of(competent)[("Bắc Giang", "2015–2020")]["raw"] == "144/170"
    # 3. Nghệ An's 12.001 counts district chairmen's periodic receptions: another indicator,
    # never beside Bắc Giang's province-wide 7.570
    visits = tables.table("lượt tiếp công dân")
    assert not any(c["raw"] == "12.001 lượt" for c in visits["cells"])
    assert cells_of(visits)[("Bắc Giang", "2019")]["raw"] == "7.570 lượt người"
    assert any("định kỳ của Chủ tịch UBND cấp huyện" in v["label"] for v in visits["variants"])
    periodic = cells_of(tables.table("lượt tiếp công dân định kỳ của Chủ tịch UBND cấp huyện"))
    assert periodic[("Nghệ An — cấp huyện", "2015–2020")]["raw"] == "12.001 lượt"
    # 4. Thái Hòa's 137 is the town's, in the year its text states (2022), marked as inferred
    cell = cells_of(visits)[("Thái Hòa, Nghệ An", "2022")]
    assert cell["raw"] == "137 lượt công dân" and cell["doc_id"] == THAI_HOA
    assert cell["period_inferred"] and cell["period_source"] == "document"
    assert not any(c["column"] == "không rõ" for c in visits["cells"])
    # 5. Nghệ An 2015–2020 "giải quyết đạt 100% đơn thư khiếu nại" is in the resolved table
    cell = cells_of(resolved)[("Nghệ An", "2015–2020")]
    assert cell["raw"] == "100%" and cell["doc_id"] == NGHE_AN and cell["kind"] == "percent"
    assert cells_of(resolved)[("Nghệ An", "2020 (6 tháng đầu năm)")]["raw"] == "38/45 vụ việc"
    # 6. labels: Vietnamese with diacritics, whole, one per indicator
    assert competent["labels"] == ["Số đơn khiếu nại thuộc thẩm quyền đã giải quyết"]
    assert visits["indicator"]["label"] == "Số lượt tiếp công dân"
    for table in (resolved, competent, visits):
        assert all(VIETNAMESE.search(label) and label.startswith(("Số ", "Tỷ lệ ")) for label in table["labels"])
        check_cells_link_to_their_sentences(table)
    # the table says which wordings it merged
    assert {"toàn tỉnh đã tiếp lượt người", "đã tiếp lượt công dân"} <= set(visits["wordings"])


def test_wordings_map_to_one_table(engine):
    from search.answer.facts import FactTable

    tables = FactTable(engine)
    same = [tables.table(q)["cells"] for q in (COMPLAINTS_RESOLVED, "vụ việc khiếu nại được giải quyết",
                                                "resolved complaints", "don khieu nai da giai quyet",
                                                "đơn thư khiếu nại đã xử lý")]
    assert same[0] and all([c["passage_id"] for c in s] == [c["passage_id"] for c in same[0]] for s in same)


def test_chart_cells(engine):
    """Chart-ready series: one per row, a point per cell, each linking to its sentence."""
    from search.answer.facts import FactTable

    table = FactTable(engine).table("lượt tiếp công dân")
    chart = table["chart"]
    assert chart["kind"] == "line" and chart["series"]
    points = {(s["name"], p["x"]): p for s in chart["series"] for p in s["points"]}
    for cell in table["cells"]:
        if cell["kind"] != "percent":
            assert points[(cell["row"], cell["column"])]["link"] == cell["link"]
            assert points[(cell["row"], cell["column"])]["y"] == cell["value"]


def test_facts_over_http_and_exports(server, tmp_path):
    r = httpx.get(server + "/facts", params={"indicator": "đơn khiếu nại thuộc thẩm quyền đã giải quyết"},
                  timeout=60)
    assert r.status_code == 200, r.text
    table = r.json()
    check_cells_link_to_their_sentences(table)
    citations = [n["citation_vi"] for n in table["notes"]]
    assert len(citations) == len(table["cells"]) >= 2
    r = httpx.get(server + "/facts", params={"indicator": COMPLAINTS_RESOLVED, "province": "Bac Giang"}, timeout=60)
    assert {g["province"] for g in r.json()["row_groups"]} <= {"Bắc Giang"}
    assert httpx.get(server + "/facts", params={"indicator": " "}, timeout=60).status_code == 422
    assert httpx.get(server + "/facts", params={"indicator": "x", "format": "pdf"}, timeout=60).status_code == 422

    def export(fmt):
        r = httpx.get(server + "/facts", params={"indicator": "đơn khiếu nại thuộc thẩm quyền đã giải quyết",
                                                 "format": fmt}, timeout=60)
        assert r.status_code == 200, r.text
        assert "attachment" in r.headers["content-disposition"]
        return r

    check_export_files(export("csv").text, export("xlsx").content, export("docx").content, table)


def check_export_files(csv_text: str, xlsx: bytes, docx_bytes: bytes, table: dict):
    """The three formats read back with their libraries: the table, each cell's number, and
    the numbered source note with each cell's Vietnamese citation."""
    from docx import Document
    from openpyxl import load_workbook

    expected_notes = [f"[{n['n']}] {n['citation_vi']}" for n in table["notes"]]
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0] == [table["indicator"]["label"] or "; ".join(table["labels"])]
    assert rows[1] == ["Địa bàn"] + table["columns"]
    body = {r[0]: r[1:] for r in rows[2:2 + len(table["rows"])]}
    assert list(body) == table["rows"]
    for cell in table["cells"]:
        assert body[cell["row"]][table["columns"].index(cell["column"])].startswith(f"{cell['raw']} [{cell['note']}]")
    lines = [r[0] for r in rows if r]
    for note in expected_notes:
        assert any(line.startswith(note) for line in lines), note

    sheet = load_workbook(io.BytesIO(xlsx)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert list(values[1][:1 + len(table["columns"])]) == ["Địa bàn"] + table["columns"]
    first = [v[0] for v in values if v and v[0]]
    for note in expected_notes:
        assert any(str(v).startswith(note) for v in first), note
    grid = {v[0]: v[1:] for v in values[2:2 + len(table["rows"])]}
    for cell in table["cells"]:
        assert str(grid[cell["row"]][table["columns"].index(cell["column"])]).startswith(cell["raw"])

    document = Document(io.BytesIO(docx_bytes))
    word_table = document.tables[0]
    assert [c.text for c in word_table.rows[0].cells] == ["Địa bàn"] + table["columns"]
    assert [r.cells[0].text for r in word_table.rows[1:]] == table["rows"]
    paragraphs = [p.text for p in document.paragraphs]
    assert "Nguồn" in paragraphs
    for note in expected_notes:
        assert any(p.startswith(note) for p in paragraphs), note


def test_facts_command(corpus_index, tmp_path):
    def run(*args):
        return subprocess.run(tracuu_command() + ["facts", "đơn khiếu nại thuộc thẩm quyền đã giải quyết",
                                                  "--by", "province,year", "--index-dir", str(corpus_index), *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)

    out = run()
    assert out.returncode == 0, out.stderr
    assert "Bình Sơn, Quảng Ngãi" in out.stdout and "08 vụ" in out.stdout and "đoạn" in out.stdout
    table = json.loads(run("--json").stdout)
    assert {"Bắc Giang", "Bình Sơn, Quảng Ngãi"} <= set(table["rows"])
    csv_text = run("--csv").stdout
    xlsx, docx_path = tmp_path / "bang.xlsx", tmp_path / "bang.docx"
    assert run("--xlsx", str(xlsx)).returncode == 0 and run("--docx", str(docx_path)).returncode == 0
    check_export_files(csv_text, xlsx.read_bytes(), docx_path.read_bytes(), table)
    bad = run("--xlsx", str(tmp_path / "missing-dir" / "x.xlsx"))
    assert bad.returncode != 0 and "cannot write" in bad.stderr
