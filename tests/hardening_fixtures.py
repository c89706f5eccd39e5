"""The updatable server of the hardening tests (a session fixture, registered in conftest.py):
an open `tracuu serve` with uploads on, over an index of its own."""
from __future__ import annotations

import os
import shutil

import pytest

from serving import running_server

ALLOWED_ORIGIN = "http://127.0.0.1:9"  # in TRACUU_CORS_ORIGINS of the updatable server; nothing listens there


@pytest.fixture(scope="session")
def updatable(tmp_path_factory, encoder, model_dir):
    """An open server with uploads on (TRACUU_ALLOW_UPDATES=1) over its own one-document
    index, one allowed CORS origin, query logging on, and its own TMPDIR."""
    from conftest import CONFERENCE, CORPUS
    from indexer.build import build_index

    work = tmp_path_factory.mktemp("updatable")
    corpus = work / "corpus"
    corpus.mkdir()
    shutil.copyfile(CORPUS / CONFERENCE, corpus / CONFERENCE)
    index_dir = work / "index"
    build_index(corpus, index_dir, encoder=encoder)
    tmp = work / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("TRACUU_API_KEYS_FILE", "TRACUU_LOG_QUERIES")}
    env.update(TRACUU_ALLOW_UPDATES="1", TRACUU_CORS_ORIGINS=ALLOWED_ORIGIN, TRACUU_LOG_QUERIES="1",
               TMPDIR=str(tmp))
    log_path = work / "server.log"
    with running_server(index_dir, log_path, model_dir, env=env) as base:
        yield {"base": base, "corpus": corpus, "index": index_dir, "tmp": tmp, "log": log_path}
