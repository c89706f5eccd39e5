"""Issue 14: each defect the probe found, reproduced against a real `tracuu serve` process.

1 lone surrogates · 2 cross-site uploads · 3 unbounded queries · 4 upload names and
content types · 5 content-free questions · 7 secrets and query text in logs, failed-auth
throttle · 8 security headers · 11 pyvi's temporary files. (6, the OpenAPI contract, is in
test_hardening_contract.py; the browser side of 2 and 8 in test_hardening_browser.py.)
"""
from __future__ import annotations

import json
import os
import subprocess
import time

import httpx
import pytest

from conftest import CONFERENCE, CORPUS, NGHE_AN, ROOT, tracuu_command

PROBLEM = "application/problem+json"
from hardening_fixtures import ALLOWED_ORIGIN


def assert_problem(response: httpx.Response, status: int, parameter: str | None = None) -> dict:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith(PROBLEM), response.headers["content-type"]
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    if parameter is not None:
        assert body["parameter"] == parameter, body
        assert any(e["parameter"] == parameter for e in body["errors"]), body
    return body


def raw_json(base: str, path: str, text: str, **headers) -> httpx.Response:
    """POST a JSON body written by hand (httpx would refuse to encode a lone surrogate)."""
    return httpx.post(base + path, content=text.encode("utf-8"), timeout=120,
                      headers={"Content-Type": "application/json", **headers})


def doc_ids(base: str) -> set[str]:
    return {d["doc_id"] for d in httpx.get(base + "/documents", timeout=60).json()}


def upload(base: str, files: list[tuple[str, bytes]], **headers) -> httpx.Response:
    return httpx.post(base + "/documents", files=[("files", (name, data, "application/octet-stream"))
                                                  for name, data in files], headers=headers, timeout=300)


def upload_raw(base: str, name: str, data: bytes, **headers) -> httpx.Response:
    """One file in a multipart body written by hand: the name's bytes exactly as given
    (httpx would percent-encode a control character)."""
    boundary = "tracuu-hardening-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n").encode("utf-8") + data + f"\r\n--{boundary}--\r\n".encode()
    return httpx.post(base + "/documents", content=body, timeout=300,
                      headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **headers})


# --- 1: lone surrogates ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/search", "/ask", "/compare"])
def test_lone_surrogate_is_a_clear_422_never_500(server, path):
    for name in ("q", "query", "question"):
        body = assert_problem(raw_json(server, path, f'{{"{name}": "\\ud800"}}'), 422, name)
        assert "trống" in body["detail"]  # scrubbed to nothing: empty
    assert_problem(raw_json(server, path, '{"q": "\\udfff\\ud800?"}'), 422, "q")


def test_lone_surrogate_inside_text_is_scrubbed_and_searched(server):
    # "khi\ud800ếu nại" → "khiếu nại": the surrogate is dropped, the query answered
    r = raw_json(server, "/search", '{"q": "khi\\ud800\\u1ebfu n\\u1ea1i", "mode": "bm25", "k": 3}')
    assert r.status_code == 200, r.text[:300]
    assert r.json()["query"] == "khiếu nại" and r.json()["results"]
    # invalid UTF-8 in a URL is decoded to U+FFFD, which is no content either
    assert_problem(httpx.get(server + "/search?q=%ED%A0%80&mode=bm25", timeout=60), 422, "q")


# --- 3: bounded queries -----------------------------------------------------------------------------
def test_query_length_is_bounded_by_the_setting(server):
    long = "khiếu nại " * 300  # 3,000 characters > TRACUU_MAX_QUERY_CHARS (2,000 by default)
    for response in (httpx.post(server + "/search", json={"q": long, "mode": "bm25"}, timeout=60),
                     httpx.get(server + "/search", params={"q": long, "mode": "bm25"}, timeout=60),
                     httpx.post(server + "/ask", json={"question": long}, timeout=60),
                     httpx.get(server + "/compare", params={"q": long, "mode": "bm25"}, timeout=60)):
        body = assert_problem(response, 422)
        assert body["parameter"] in ("q", "question") and "TRACUU_MAX_QUERY_CHARS" in body["detail"]
        assert "3.000" in body["detail"] and "2.000" in body["detail"]


def test_a_million_character_body_is_refused_before_it_is_read(server):
    body = json.dumps({"query": "a" * 1_000_000, "mode": "bm25"})
    problem = assert_problem(httpx.post(server + "/search", content=body,
                                        headers={"Content-Type": "application/json"}, timeout=60), 413)
    assert "byte" in problem["detail"]
    # the server is still answering others
    assert httpx.get(server + "/search", params={"q": "khiếu nại", "mode": "bm25"}, timeout=60).status_code == 200


# --- 5: content-free questions ---------------------------------------------------------------------
@pytest.mark.parametrize("question", ["?", "1.", "4.", "  ...  ", "\u200b"])
def test_content_free_questions_are_refused_with_the_reason(server, question):
    body = assert_problem(httpx.post(server + "/ask", json={"question": question}, timeout=60), 422, "question")
    assert "nội dung" in body["detail"] or "trống" in body["detail"]
    assert_problem(httpx.get(server + "/ask", params={"q": question}, timeout=60), 422, "q")


def test_content_free_search_refused_but_a_number_is_a_query(server):
    assert_problem(httpx.get(server + "/search", params={"q": "?", "mode": "bm25"}, timeout=60), 422, "q")
    assert_problem(httpx.post(server + "/compare", json={"q": "…", "mode": "bm25"}, timeout=60), 422, "q")
    assert httpx.get(server + "/search", params={"q": "1.215", "mode": "bm25"}, timeout=60).status_code == 200


# --- 2: no cross-site writes on an open server --------------------------------------------------
def test_uploads_from_another_site_are_refused(updatable):
    base = updatable["base"]
    before = doc_ids(base)
    text = (CORPUS / CONFERENCE).read_text(encoding="utf-8")[:2000].encode()
    # what `fetch(..., {mode: "no-cors", body: formData})` from another page sends
    attempts = [{"Origin": "http://evil.example"},
                {"Origin": "http://evil.example", "X-Requested-With": "fetch"},
                {"Origin": "null", "X-Requested-With": "fetch"},
                {"Referer": "http://evil.example/page.html", "X-Requested-With": "fetch"},
                {"Sec-Fetch-Site": "cross-site", "X-Requested-With": "fetch"},
                {}]  # a plain form post without the header
    for headers in attempts:
        body = assert_problem(upload(base, [("csrf.txt", text)], **headers), 403)
        assert "X-Requested-With" in body["detail"] or "từ chối" in body["detail"], body
    assert_problem(httpx.delete(base + f"/documents/{CONFERENCE}", headers={"Origin": "http://evil.example"},
                                timeout=60), 403)
    assert doc_ids(base) == before and not (updatable["corpus"] / "csrf.txt").exists()


def test_uploads_from_this_server_or_an_allowed_origin_with_the_header(updatable):
    base = updatable["base"]
    text = (CORPUS / NGHE_AN).read_text(encoding="utf-8")[:5000]  # a few passages to embed
    # three different parts of the report: the same text twice would be refused as a duplicate
    r = upload(base, [("own-page.txt", text[:2500].encode())], Origin=base, **{"X-Requested-With": "fetch"})
    assert r.status_code == 201, r.text[:500]
    assert r.json()["added"] == ["own-page.txt"]
    r = upload(base, [("script.txt", text[2500:4000].encode())], **{"X-Requested-With": "curl"})  # curl, no Origin
    assert r.status_code == 201, r.text[:500]
    r = upload(base, [("widget-site.txt", text[4000:].encode())], Origin=ALLOWED_ORIGIN,
               **{"X-Requested-With": "fetch"})
    assert r.status_code == 201, r.text[:500]
    assert {"own-page.txt", "script.txt", "widget-site.txt"} <= doc_ids(base)


# --- 4: upload names and content types ---------------------------------------------------------------
def test_bad_upload_names_are_a_clear_422_not_500(updatable):
    base, csrf = updatable["base"], {"X-Requested-With": "test"}
    before = doc_ids(base)
    cases = {".evil.txt": "hidden", "a" * 296 + ".txt": "too long", "../../etc/passwd.txt": None,
             "bad\x01name.txt": "control", "": None}
    for name, reason in cases.items():
        r = upload_raw(base, name, "Báo cáo kết quả tiếp công dân năm 2021.".encode(), **csrf)
        if name == "":  # no file name at all: the multipart part is not a file
            assert r.status_code == 422, r.text[:300]
            continue
        if name.startswith("../"):  # only the base name is used: this one is fine
            assert r.status_code == 201 and r.json()["added"] == ["passwd.txt"], r.text[:300]
            assert (updatable["corpus"] / "passwd.txt").exists()
            continue
        body = assert_problem(r, 422, "files")
        assert body["rejected"] and reason in body["rejected"][0]["reason"], body
    assert doc_ids(base) - before == {"passwd.txt"}
    # a bad name next to a good file: the good one is indexed, the bad one listed with its reason
    r = upload(base, [(".hidden.txt", b"x"), ("good.txt", "Báo cáo công tác dân vận năm 2022.".encode())], **csrf)
    assert r.status_code == 201, r.text[:300]
    assert r.json()["added"] == ["good.txt"] and r.json()["rejected"][0]["file"] == ".hidden.txt"


def test_content_type_is_sniffed_from_the_bytes(updatable, tmp_path):
    from ingest_fixtures import write_pdf

    base, csrf = updatable["base"], {"X-Requested-With": "test"}
    pdf = write_pdf((CORPUS / CONFERENCE).read_text(encoding="utf-8")[:1500], tmp_path / "report.pdf").read_bytes()
    body = assert_problem(upload(base, [("x.txt", pdf)], **csrf), 422, "files")
    reason = body["rejected"][0]["reason"]
    assert "PDF" in reason and ".pdf" in reason, reason  # says what it is and how to fix it
    assert "x.txt" not in doc_ids(base)
    zipped = b"PK\x03\x04" + b"\x00" * 200
    assert_problem(upload(base, [("y.md", zipped)], **csrf), 422, "files")
    text_as_pdf = upload(base, [("z.pdf", "Báo cáo năm 2021, không phải PDF.".encode())], **csrf)
    assert "not a PDF" in assert_problem(text_as_pdf, 422, "files")["rejected"][0]["reason"]
    # the same PDF under its right name is indexed, with its text, not "%PDF-1.4"
    r = upload(base, [("report.pdf", pdf)], **csrf)
    assert r.status_code == 201, r.text[:300]
    doc = httpx.get(base + "/documents/report.pdf", timeout=60).json()
    assert "%PDF" not in doc["title"] and "%PDF" not in doc["text"]


# --- 7: logs and failed authentication ---------------------------------------------------------------
def test_api_key_in_the_url_and_query_text_never_logged(keyed_server):
    base, reader = keyed_server.base, keyed_server.headers("reader")
    secret = keyed_server.keys["reader"]
    marker = "hardeningprobe7f3a"
    httpx.get(base + "/search", params={"q": marker, "mode": "bm25", "api_key": secret}, timeout=60)
    httpx.get(base + "/search", params={"q": marker, "mode": "bm25", "k": 3}, headers=reader, timeout=60)
    httpx.post(base + "/search", json={"q": marker, "mode": "bm25"}, headers=reader, timeout=60)
    deadline = time.monotonic() + 10
    while "k=3" not in keyed_server.log_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = keyed_server.log_text()
    assert secret not in log and marker not in log
    assert "api_key=[redacted]" in log
    assert '"GET /search?q=[…]&mode=bm25&k=3" 200' in log  # the request is logged, its text is not


def test_query_logging_can_be_turned_on(updatable):
    marker = "loggedprobe51c"
    httpx.get(updatable["base"] + "/search", params={"q": marker, "mode": "bm25", "token": "s3cr3t"}, timeout=60)
    httpx.get(updatable["base"] + "/search", params={"q": marker, "mode": "bm25"}, timeout=60)
    deadline = time.monotonic() + 10
    while marker not in updatable["log"].read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = updatable["log"].read_text()
    assert f"q={marker}" in log  # TRACUU_LOG_QUERIES=1
    assert "s3cr3t" not in log and "token=[redacted]" in log  # secrets never


def test_failed_authentication_is_throttled_per_client_address(keyed_server):
    """The keyed server allows TRACUU_AUTH_FAILURE_LIMIT failures a minute per address
    (tests/keyed_server.py). This test fails from 127.0.0.2 (a loopback address of its
    own, so the other tests' address 127.0.0.1 is not refused)."""
    from keyed_server import AUTH_FAILURE_LIMIT

    allowed = int(AUTH_FAILURE_LIMIT.split("/")[0])
    url = keyed_server.base + "/search?q=khieu+nai&mode=bm25"
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=60) as attacker:
        codes = [attacker.get(url, headers={"Authorization": f"Bearer tq_wrong_{i}"}).status_code
                 for i in range(allowed + 5)]
        assert codes[:allowed] == [401] * allowed and set(codes[allowed:]) == {429}, codes
        refused = attacker.get(url, headers=keyed_server.headers("reader"))  # even a right key, for a while
        body = assert_problem(refused, 429)
        assert 1 <= int(refused.headers["retry-after"]) <= 60 and "TRACUU_AUTH_FAILURE_LIMIT" in body["detail"]
    # another address is not affected
    assert httpx.get(url, headers=keyed_server.headers("reader"), timeout=60).status_code == 200
    assert "failed authentications" in keyed_server.log_text()


# --- 8: security headers ---------------------------------------------------------------------------------
def check_security_headers(response: httpx.Response) -> None:
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, (response.url, csp)
    assert headers.get("x-content-type-options") == "nosniff", response.url
    assert headers.get("x-frame-options") == "DENY", response.url
    assert headers.get("referrer-policy") == "same-origin", response.url


def test_security_headers_on_every_page_and_response(server, keyed_server):
    for path in ("/", f"/view/{NGHE_AN}", "/widget.js", "/static/app.css", "/health", "/openapi.json",
                 "/search?q=khieu+nai&mode=bm25", "/search?q=%3F", "/no-such-page"):
        response = httpx.get(server + path, timeout=60)
        check_security_headers(response)
    page_csp = httpx.get(server + "/", timeout=60).headers["content-security-policy"]
    assert "script-src 'self';" in page_csp and "unsafe-inline" not in page_csp
    check_security_headers(httpx.get(keyed_server.base + "/search?q=x", timeout=60))  # a 401
    check_security_headers(httpx.put(server + "/documents", timeout=60))  # a 405


# --- 11: no /tmp/model*.crfsuite left behind -----------------------------------------------------------------
def test_no_crfsuite_temp_files_from_servers_or_commands(updatable, corpus_index, tmp_path):
    # the running server has segmented queries (BM25) and documents (uploads) by now
    assert httpx.get(updatable["base"] + "/search", params={"q": "dân vận khéo", "mode": "bm25"},
                     timeout=60).status_code == 200
    assert not list(updatable["tmp"].glob("model*.crfsuite"))
    # a command that segments text, run to its end with its own TMPDIR
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    done = subprocess.run(tracuu_command() + ["search", "khiếu nại tố cáo", "--mode", "bm25", "--json",
                                              "--index-dir", str(corpus_index)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["results"]
    assert not list(tmp.glob("model*.crfsuite")), list(tmp.iterdir())
