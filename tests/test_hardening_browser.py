"""Issue 14 in a real headless Chromium: another site's page cannot upload to an open server
(the probe's `fetch(…, {mode: "no-cors"})`), and the search page works under its
Content-Security-Policy with no violation reported.

Skipped with TRACUU_SKIP_BROWSER=1, like tests/test_browser.py.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import CONFERENCE, CORPUS, free_port
from test_hardening import doc_ids

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 120
pytestmark = pytest.mark.skipif(os.environ.get("TRACUU_SKIP_BROWSER") == "1",
                                reason="TRACUU_SKIP_BROWSER=1: browser tests skipped on request")
# records CSP violations from the first script of every document (injected over CDP, so the
# page's own policy does not apply to it)
RECORD_VIOLATIONS = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                     "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture(scope="module")
def chromium():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make browser`, or set TRACUU_SKIP_BROWSER=1")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="tracuu-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--no-first-run", "--disable-extensions",
                "--window-size=1280,1000", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def other_site(tmp_path_factory):
    """A web page on another origin (another port) that tries to upload to the server."""
    folder = tmp_path_factory.mktemp("other-site")
    (folder / "attack.html").write_text("""<!doctype html><meta charset="utf-8"><body>
<script>
async function attack(target, withHeader) {
  const form = new FormData();
  form.append("files", new Blob(["Báo cáo giả mạo từ trang khác."], {type: "text/plain"}), "csrf-browser.txt");
  const options = withHeader
    ? {method: "POST", body: form, headers: {"X-Requested-With": "fetch"}}
    : {method: "POST", mode: "no-cors", body: form};
  try { const r = await fetch(target + "/documents", options); return "sent " + r.type + " " + r.status; }
  catch (e) { return "blocked " + e; }
}
</script>""", encoding="utf-8")
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()


def test_another_sites_page_cannot_upload(chromium, other_site, updatable):
    base = updatable["base"]
    before = doc_ids(base)
    chromium.get(other_site + "/attack.html")
    # the probe's request: a "simple" no-cors POST the browser sends without a preflight
    outcome = chromium.execute_async_script("attack(arguments[0], false).then(arguments[arguments.length - 1])", base)
    assert outcome.startswith("sent opaque"), outcome  # it did reach the server …
    # … with a custom header the browser must ask first (CORS preflight), and we say no
    outcome = chromium.execute_async_script("attack(arguments[0], true).then(arguments[arguments.length - 1])", base)
    assert outcome.startswith("blocked"), outcome
    time.sleep(1)
    assert doc_ids(base) == before
    assert not (updatable["corpus"] / "csrf-browser.txt").exists()
    log = updatable["log"].read_text()
    assert '"POST /documents" 403' in log


def test_search_page_works_under_its_content_security_policy(chromium, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    chromium.get(server + "/")
    WebDriverWait(chromium, WAIT).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    box = chromium.find_element(By.ID, "q")
    box.send_keys("tiếp công dân")
    box.send_keys(Keys.ENTER)
    WebDriverWait(chromium, WAIT, poll_frequency=0.2).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#results li, #results article, .hit, .result"),
        "the search page showed no results")
    assert chromium.execute_script("return window.__csp") == []
    assert "default-src 'self'" in httpx.get(server + "/", timeout=60).headers["content-security-policy"]
    chromium.get(server + "/view/" + CONFERENCE)
    WebDriverWait(chromium, WAIT).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    assert chromium.execute_script("return window.__csp") == []
    assert (CORPUS / CONFERENCE).exists()
