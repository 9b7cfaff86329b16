"""Ingest reports as it goes: a line per document (with an ETA) in a log, a bar over the corpus on a terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import REPO_ROOT, Settings
from ingest import DocumentProgress, ingest
from tests.ingest.test_embed_cache import FakeEmbeddings
from tests.service.conftest import SMALL_DOC

SECOND = SMALL_DOC.replace("小さな知財計画", "二つ目の計画").replace("はじめに", "おわりに")


@pytest.fixture
def two_docs(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(SMALL_DOC, encoding="utf-8")
    (corpus / "b.md").write_text(SECOND * 3, encoding="utf-8")
    return corpus


def test_each_document_is_reported_with_bytes_and_an_eta(tmp_path: Path, two_docs: Path) -> None:
    events: list[DocumentProgress] = []
    stages: list[tuple[str, int, int]] = []
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=two_docs)
    ingest(settings, embedder=FakeEmbeddings(), progress=lambda s, i, n: stages.append((s, i, n)),
           on_document=events.append)
    total = sum(p.stat().st_size for p in two_docs.iterdir())
    assert [(e.index, e.total, e.name) for e in events] == [(1, 2, "a.md"), (2, 2, "b.md")]
    assert events[0].bytes_done == (two_docs / "a.md").stat().st_size and events[1].bytes_done == total
    assert events[0].eta_s is not None and events[0].eta_s >= 0 and events[0].embedded > 0
    done = [i for s, i, n in stages if s == "bytes"]
    assert done == sorted(done) and done[-1] == total
    again: list[DocumentProgress] = []
    ingest(settings, embedder=FakeEmbeddings(), on_document=again.append)
    assert all(e.reused and e.embedded == 0 for e in again)


def _cli_env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPQA_")}
    return {**env, "IPQA_VAR_DIR": str(var), "IPQA_LOG_JSON": "false", "PYTHONPATH": str(REPO_ROOT)}


def test_the_cli_prints_a_line_per_document_when_not_on_a_terminal(tmp_path: Path, two_docs: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "cli", "ingest", str(two_docs)], env=_cli_env(tmp_path / "var"),
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [ln for ln in run.stderr.splitlines() if ln.startswith("ingest: [")]
    assert len(lines) == 2, run.stderr
    assert lines[0].startswith("ingest: [1/2] a.md: ") and "texts embedded" in lines[0] and "ETA" in lines[0]
    assert lines[1].startswith("ingest: [2/2] b.md: ") and "ETA" not in lines[1]
    assert "\r" not in run.stderr  # no bar drawn into a log


def test_the_cli_draws_a_bar_on_a_terminal(tmp_path: Path, two_docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    import cli.main as cli_main
    import ingest as ingest_pkg

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    real = ingest_pkg.ingest
    monkeypatch.setattr(ingest_pkg, "ingest", lambda *a, **k: real(*a, embedder=FakeEmbeddings(), **k))
    code = cli_main.cmd_ingest(argparse.Namespace(paths=[str(two_docs)], rebuild=False),
                               Settings(var_dir=tmp_path / "var"))
    out = err.getvalue()
    assert code == 0
    assert "\r" in out and "[2/2] b.md" in out and "B/s" in out  # a redrawn bar with the document and a rate
    assert "ingest: [1/2] a.md: " in out
