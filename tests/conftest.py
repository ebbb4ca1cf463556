"""Shared fixtures: a small fixture knowledge base, and the real one, each with its own index."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpdesk import create_app
from helpdesk.indexing import build_index
from helpdesk.knowledge import load_valid_knowledge

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"
# HELPDESK_TEST_KNOWLEDGE measures another copy of the knowledge (e.g. a snapshot while it is edited).
REAL_KB = Path(os.environ.get("HELPDESK_TEST_KNOWLEDGE") or ROOT / "knowledge")


def make_app(kb_dir: Path, index_dir: Path, **extra):
    config = {"TESTING": True, "KNOWLEDGE_DIR": kb_dir, "INDEX_DIR": index_dir, "RATELIMIT_ENABLED": False,
              "INSTANCE_DIR": Path(index_dir).parent / f"{Path(index_dir).name}-instance"}
    config.update(extra)
    return create_app(config)


@pytest.fixture(scope="session")
def fixture_kb_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("kb") / "kb"
    shutil.copytree(FIXTURE_KB, target)
    return target


@pytest.fixture(scope="session")
def app(fixture_kb_dir, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("index")
    build_index(load_valid_knowledge(fixture_kb_dir), index_dir)
    return make_app(fixture_kb_dir, index_dir)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def engine(app):
    return app.extensions["engine_store"].current()


@pytest.fixture(scope="session")
def real_app(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("real-index")
    build_index(load_valid_knowledge(REAL_KB), index_dir)
    return make_app(REAL_KB, index_dir)


@pytest.fixture(scope="session")
def real_client(real_app):
    return real_app.test_client()
