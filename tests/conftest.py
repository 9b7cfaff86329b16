from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from core.settings import REPO_ROOT, Settings  # noqa: E402

CORPUS = REPO_ROOT / "data" / "corpus"


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An index of the bundled corpus, built once per test session in a temporary var/."""
    from ingest import ingest

    var = tmp_path_factory.mktemp("var")
    settings = Settings(var_dir=var, corpus_dir=CORPUS)
    ingest(settings)
    return settings


@pytest.fixture(scope="session")
def engine(built_settings: Settings):  # type: ignore[no-untyped-def]
    from service.engine import Engine

    e = Engine(built_settings)
    e.load()
    assert e.ready, e.status
    return e


def corpus_file() -> Path:
    return CORPUS / "ipsp2024.md"
