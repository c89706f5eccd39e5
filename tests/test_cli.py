"""The `tracuu` command line, run as a real process."""
import json
import subprocess

from conftest import CORPUS, NGHE_AN, ROOT, tracuu_command


def run(*args, stdin=None):
    return subprocess.run(tracuu_command() + list(args), cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=600)


def test_search_json(corpus_index, model_dir):
    out = run("search", "Nghệ An giải quyết bao nhiêu đơn khiếu nại", "-k", "3", "--json",
              "--index-dir", str(corpus_index), "--model", str(model_dir))
    assert out.returncode == 0, out.stderr
    response = json.loads(out.stdout)
    assert response["mode"] == "hybrid" and len(response["results"]) == 3
    assert any("1.215 đơn thư khiếu nại" in r["text"] for r in response["results"])


def test_search_stdin_one_json_line_per_query(corpus_index, model_dir):
    queries = "tiếp công dân\n\nHow many complaints did Nghe An receive?\n   \nkhieu nai to cao\n"
    out = run("search", "-", "-k", "2", "--mode", "bm25", "--index-dir", str(corpus_index), stdin=queries)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [l["query"] for l in lines] == ["tiếp công dân", "How many complaints did Nghe An receive?",
                                           "khieu nai to cao"]
    assert all(l["mode"] == "bm25" and len(l["results"]) <= 2 for l in lines)


def test_search_text_output_shows_citations(corpus_index):
    out = run("search", "khiếu nại tố cáo", "--mode", "bm25", "-k", "2", "--index-dir", str(corpus_index))
    assert out.returncode == 0, out.stderr
    assert "đoạn" in out.stdout and "[[" in out.stdout


def test_usage_errors_exit_2(corpus_index, tmp_path):
    out = run("search", "   ", "--mode", "bm25", "--index-dir", str(corpus_index))
    assert out.returncode == 2 and "query must not be empty" in out.stderr
    out = run("search", "x", "-k", "0", "--mode", "bm25", "--index-dir", str(corpus_index))
    assert out.returncode == 2 and "k must be" in out.stderr
    out = run("search", "x", "--index-dir", str(tmp_path / "none"))
    assert out.returncode == 2 and "tracuu index" in out.stderr


def test_index_rejects_bad_files_and_indexes_the_rest(tmp_path, model_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text((CORPUS / NGHE_AN).read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "latin1.txt").write_bytes("Báo cáo".encode("cp1252") + b"\xff\xfe\x00\x01")
    (corpus / "notes.xyz").write_text("?")
    index_dir = tmp_path / "index"
    out = run("index", str(corpus), "--index-dir", str(index_dir), "--model", str(model_dir), "--quiet")
    assert out.returncode == 3, out.stderr
    assert "latin1.txt" in out.stderr and "notes.xyz" in out.stderr
    out = run("search", "1.215 đơn thư khiếu nại", "--mode", "bm25", "--json", "--index-dir", str(index_dir))
    assert json.loads(out.stdout)["results"][0]["doc_id"] == "good.txt"
