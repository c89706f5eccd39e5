"""The `tracuu` command line, run as a real process."""
import json
import os
import subprocess

from conftest import CORPUS, NGHE_AN, ROOT, tracuu_command


def run(*args, stdin=None, env=None):
    # TRACUU_URL from the developer's shell must not turn these into client runs
    environment = {k: v for k, v in os.environ.items() if k not in ("TRACUU_URL", "NO_COLOR")} | (env or {})
    return subprocess.run(tracuu_command() + list(args), cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=600, env=environment)


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
    assert "đoạn" in out.stdout and "khiếu nại" in out.stdout
    # piped: plain text, no escape codes, no markers
    assert "\x1b[" not in out.stdout and "[[" not in out.stdout
    assert out.stdout.startswith("2 results in ")
    colored = run("search", "khiếu nại tố cáo", "--mode", "bm25", "-k", "2", "--color", "always",
                  "--index-dir", str(corpus_index))
    assert "\x1b[1;33mkhiếu nại\x1b[0m" in colored.stdout  # the matched words, bold yellow


def test_counts_agree_with_their_nouns(corpus_index):
    out = run("search", "tiếp công dân", "--mode", "bm25", "-k", "1", "--index-dir", str(corpus_index))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("1 result in 1 document for 'tiếp công dân'"), out.stdout.splitlines()[0]
    assert "1 results" not in out.stdout and "1 documents" not in out.stdout


def test_usage_errors_exit_2(corpus_index, tmp_path):
    out = run("search", "   ", "--mode", "bm25", "--index-dir", str(corpus_index))
    assert out.returncode == 2 and "query must not be empty" in out.stderr
    out = run("search", "x", "-k", "0", "--mode", "bm25", "--index-dir", str(corpus_index))
    assert out.returncode == 2 and "k must be" in out.stderr
    out = run("search", "x", "--index-dir", str(tmp_path / "none"))
    assert out.returncode == 2 and "tracuu index" in out.stderr


def test_a_reversed_year_range_is_refused_before_anything_is_asked():
    """--year-from after --year-to: exit 2 naming both years, the same for every command
    with years, before any server is reached (the one named here does not answer: reaching
    for it would exit 4) or any index loaded."""
    env = {"TRACUU_URL": "http://127.0.0.1:9"}
    for command in (["search", "khiếu nại"], ["ask", "bao nhiêu đơn?"], ["compare", "tiếp công dân"],
                    ["facts", "đơn khiếu nại"]):
        out = run(*command, "--year-from", "2022", "--year-to", "2020", env=env)
        assert out.returncode == 2, (command, out.stderr)
        assert out.stderr.startswith("error: --year-from 2022 is after --year-to 2020"), out.stderr
    out = run("search", "khiếu nại", "--year-from", "2020", "--year-to", "2020", env=env)
    assert out.returncode == 4 and "cannot reach" in out.stderr, out.stderr  # an in-order range goes on to the server


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


# --- client mode: a running server answers, no model or index is loaded here ----------------------
def test_search_ask_compare_directives_through_a_running_server(server, tmp_path):
    """With TRACUU_URL the CLI is a client: --index-dir names nothing (it does not exist here),
    and the answers are the server's."""
    import httpx

    env = {"TRACUU_URL": server}
    missing = ["--index-dir", str(tmp_path / "no-index-here")]
    out = run("search", "khieu nai to cao", "-k", "3", "--json", *missing, env=env)
    assert out.returncode == 0, out.stderr
    via_cli = json.loads(out.stdout)
    direct = httpx.get(server + "/search", params={"q": "khieu nai to cao", "k": 3}, timeout=60).json()
    assert [h["passage_id"] for h in via_cli["results"]] == [h["passage_id"] for h in direct["results"]]
    text = run("search", "khieu nai to cao", "-k", "3", "--province", "Bắc Giang", *missing, env=env)
    assert text.returncode == 0 and text.stdout.startswith("3 results in 1 document"), text.stdout + text.stderr
    assert "Bắc Giang" in text.stdout and "\x1b[" not in text.stdout

    answer = run("ask", "Nghệ An tiếp nhận bao nhiêu đơn khiếu nại giai đoạn 2015–2020?", *missing, env=env)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.startswith("1.215 đơn thư khiếu nại") and "[1]" in answer.stdout

    compared = run("compare", "tiếp công dân", "--by", "province", "--k-per-group", "1", "--json", *missing, env=env)
    assert compared.returncode == 0, compared.stderr
    assert {"Nghệ An", "Bắc Giang"} <= {g["key"] for g in json.loads(compared.stdout)["groups"]}

    directive = run("directives", "114-KL/TW", *missing, env=env)
    assert directive.returncode == 0 and "cited by 2 documents" in directive.stdout, directive.stdout + directive.stderr

    lines = run("search", "-", "-k", "1", *missing, env=env, stdin="tiếp công dân\n\nKNTC\n")
    assert [json.loads(line)["query"] for line in lines.stdout.splitlines()] == ["tiếp công dân", "KNTC"]


# what a client of a running server must not load: the engine, the index, the model, the web app
HEAVY_MODULES = ("numpy", "scipy", "torch", "onnxruntime", "sentence_transformers", "transformers", "pyvi",
                 "fastapi", "pydantic", "starlette", "uvicorn", "httpx", "search", "indexer", "eval")


def test_a_client_imports_only_the_standard_library_and_its_printing(server):
    """`tracuu search` against a server imports urllib, json and api/ (client, terminal): a
    second of numpy and scipy once came in through the `db` command's parser."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TRACUU_URL": server}
    for args in (["search", "khieu nai to cao", "-k", "2"], ["ask", "Nghệ An đã giải quyết bao nhiêu đơn?"],
                 ["compare", "tiếp công dân", "--k-per-group", "1"]):
        out = subprocess.run([*tracuu_command()[:1], "-X", "importtime", *tracuu_command()[1:], *args], cwd=ROOT,
                             capture_output=True, text=True, timeout=600, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}
        assert "api.client" in imported and "api.terminal" in imported  # the measurement saw the client
        heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY_MODULES)
        assert not heavy, (args[0], heavy)


def test_text_search_asks_no_facets_json_gets_the_whole_response(server):
    """The text output prints passages only, so the client asks /search with facets=false;
    --json prints the API's whole response, facets included. The results are the same."""
    from api.client import Client

    client = Client(server)
    full = client.search("khieu nai to cao", k=3)
    bare = client.search("khieu nai to cao", k=3, facets=False)
    assert full["facets"]["province"] and bare["facets"] == {}
    assert [h["passage_id"] for h in bare["results"]] == [h["passage_id"] for h in full["results"]]
    out = run("search", "khieu nai to cao", "-k", "3", "--json", env={"TRACUU_URL": server})
    assert json.loads(out.stdout)["facets"] == full["facets"]


def test_client_errors_are_clear(server, tmp_path):
    env = {"TRACUU_URL": server}
    out = run("search", "khieu nai", "-k", "0", env=env)
    assert out.returncode == 2 and out.stderr.startswith("error: ") and "k" in out.stderr
    out = run("search", "khieu nai", env={"TRACUU_URL": "http://127.0.0.1:9"})
    assert out.returncode == 4 and "cannot reach the tracuu server at http://127.0.0.1:9" in out.stderr


def test_a_server_on_the_default_address_is_found(server, monkeypatch):
    from api import client

    monkeypatch.delenv("TRACUU_URL", raising=False)
    monkeypatch.setattr(client, "DEFAULT_URL", server)
    found = client.find_server()
    assert found is not None and found.base_url == server
    assert client.find_server(probe_default=False) is None  # the command named its own index
    monkeypatch.setattr(client, "DEFAULT_URL", "http://127.0.0.1:9")  # nothing listens there
    assert client.find_server() is None


def test_terminal_text_drops_markdown_and_keeps_highlights():
    from api.terminal import Style, snippet, strip_emphasis

    assert strip_emphasis("12 đơn/12 vụ (*có 04 vụ kỳ trước*).", [[3, 6]]) == ("12 đơn/12 vụ (có 04 vụ kỳ trước).", [[3, 6]])
    assert strip_emphasis("**KT.GIÁM ĐỐC")[0] == "KT.GIÁM ĐỐC" and strip_emphasis("PHÓ GIÁM ĐỐC**")[0] == "PHÓ GIÁM ĐỐC"
    text = "(*có 04 vụ*) khiếu nại"
    assert snippet(text, [[13, 22]], Style(True)) == "(có 04 vụ) \x1b[1;33mkhiếu nại\x1b[0m"
    assert snippet(text, [[13, 22]], Style(False)) == "(có 04 vụ) khiếu nại"
