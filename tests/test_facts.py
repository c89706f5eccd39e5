"""The table of figures: one indicator side by side for every province and year, each cell
cited (GET /facts, `tracuu facts`), over the real index of corpus/."""
import csv
import io
import json
import subprocess

import httpx

from conftest import BAC_GIANG, BINH_SON, NGHE_AN, ROOT, tracuu_command

COMPLAINTS_RESOLVED = "đơn khiếu nại đã giải quyết"


def check_complaints_table(table):
    assert {"Nghệ An", "Bắc Giang", "Quảng Ngãi"} <= set(table["rows"])
    cells = {(c["row"], c["column"]): c for c in table["cells"]}
    bac_giang = [c for c in table["cells"] if c["row"] == "Bắc Giang" and c["raw"] == "144/170"]
    assert bac_giang and bac_giang[0]["doc_id"] == BAC_GIANG and bac_giang[0]["value"] == 144
    assert cells[("Quảng Ngãi", "2021")]["raw"] == "08 vụ" and cells[("Quảng Ngãi", "2021")]["doc_id"] == BINH_SON
    assert cells[("Quảng Ngãi", "2021")]["place"] == "Bình Sơn, Quảng Ngãi"
    nghe_an = cells[("Nghệ An", "2020 (6 tháng đầu năm)")]
    assert nghe_an["raw"] == "38/45 vụ việc" and nghe_an["doc_id"] == NGHE_AN
    for cell in table["cells"]:  # every cell links to its sentence
        assert cell["citation"] and cell["raw"] in cell["sentence"]
        assert cell["link"] == f"/view/{cell['doc_id']}#p{cell['paragraph']}"


def test_facts_table_in_process(engine):
    from search.answer.facts import FactTable

    tables = FactTable(engine)
    check_complaints_table(tables.table(COMPLAINTS_RESOLVED))
    # wordings that differ only in form give the same table
    same = [tables.table(q)["cells"] for q in ("vụ việc khiếu nại được giải quyết", "resolved complaints",
                                                "don khieu nai da giai quyet")]
    assert all([c["passage_id"] for c in s] == [c["passage_id"] for c in same[0]] for s in same)
    document = engine.document(BINH_SON)
    cell = next(c for c in tables.table(COMPLAINTS_RESOLVED)["cells"] if c["row"] == "Quảng Ngãi")
    assert document["text"][slice(*cell["span"])] == "08 vụ"


def test_facts_over_http(server):
    r = httpx.get(server + "/facts", params={"indicator": COMPLAINTS_RESOLVED}, timeout=60)
    assert r.status_code == 200, r.text
    check_complaints_table(r.json())
    r = httpx.get(server + "/facts", params={"indicator": COMPLAINTS_RESOLVED, "province": "Bac Giang"}, timeout=60)
    assert r.json()["rows"] == ["Bắc Giang"]
    assert httpx.get(server + "/facts", params={"indicator": " "}, timeout=60).status_code == 422


def test_facts_command(corpus_index):
    def run(*args):
        return subprocess.run(tracuu_command() + ["facts", COMPLAINTS_RESOLVED, "--by", "province,year",
                                                  "--index-dir", str(corpus_index), *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)

    out = run()
    assert out.returncode == 0, out.stderr
    assert "Quảng Ngãi" in out.stdout and "08 vụ" in out.stdout and "đoạn" in out.stdout
    table = json.loads(run("--json").stdout)
    check_complaints_table(table)
    rows = list(csv.reader(io.StringIO(run("--csv").stdout)))
    assert rows[0][0] == "province" and {r[0] for r in rows[1:]} >= {"Nghệ An", "Bắc Giang", "Quảng Ngãi"}
    assert any("144/170 [" in cell for r in rows for cell in r)
