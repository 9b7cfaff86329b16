"""The on-disk index: written to a fresh build folder, published by atomically replacing a symlink.

Layout (``index_dir`` is a symlink into the sibling ``.<name>.builds/`` folder)::

    var/index -> .index.builds/20261125T070000-ab12cd
    var/.index.builds/<build>/manifest.json  faiss.index  chunks.jsonl  documents.jsonl
                              vectors_en.npy  sentences.jsonl  sentences.npy

``sentences.*`` hold every distinct sentence of the chunks (and of their reference translations) with its passage
vector, in one row order: the reader's sentence similarities are lookups, so no server embeds sentences at start-up
or per question. Servers map ``sentences.npy`` read-only; worker processes share its pages.

A crash at any point leaves ``index_dir`` pointing at the previous complete build; unfinished builds end in
``.partial`` and are removed by the next writer. Nothing is pickled: FAISS uses its own format, records are JSON lines.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from core.contracts import Chunk

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class IndexProblem(RuntimeError):
    """Base for index problems that users fix by re-running ``ipqa ingest``."""


class IndexMissingError(IndexProblem):
    pass


class IndexMismatchError(IndexProblem):
    pass


@dataclass
class StoredDocument:
    doc_id: str
    title: str
    source: str
    sha256: str
    text: str
    chunks: int = 0


class SentenceTable:
    """Distinct sentence texts and their passage vectors (rows aligned), looked up by exact text."""

    def __init__(self, texts: list[str], vectors: np.ndarray) -> None:
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} sentences but {len(vectors)} vectors")
        self.texts = texts
        self.vectors = vectors
        self._row = {t: i for i, t in enumerate(texts)}

    def __len__(self) -> int:
        return len(self.texts)

    def row(self, text: str) -> int | None:
        return self._row.get(text)

    @classmethod
    def empty(cls, dim: int) -> SentenceTable:
        return cls([], np.zeros((0, dim), np.float32))


@dataclass
class LoadedIndex:
    path: Path
    manifest: dict[str, Any]
    faiss_index: Any
    chunks: list[Chunk]
    documents: dict[str, StoredDocument]
    en_vectors: np.ndarray | None = None  # rows align with chunks; zero rows where a chunk has no translation
    sentences: SentenceTable | None = None  # None: a build from before sentence tables (re-ingest adds one)
    _by_id: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_id = {c.chunk_id: i for i, c in enumerate(self.chunks)}

    def position(self, chunk_id: str) -> int | None:
        return self._by_id.get(chunk_id)

    def vectors(self) -> np.ndarray:
        n = self.faiss_index.ntotal
        return self.faiss_index.reconstruct_n(0, n) if n else np.zeros((0, self.faiss_index.d), np.float32)


def builds_dir(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.builds"


def build_faiss(vectors: np.ndarray, index_type: str, hnsw_threshold: int) -> Any:
    dim = vectors.shape[1]
    kind = index_type if index_type != "auto" else ("hnsw" if len(vectors) > hnsw_threshold else "flat")
    index: Any
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time; a killed writer's lock goes with its process."""
    bdir = builds_dir(index_dir)
    bdir.mkdir(parents=True, exist_ok=True)
    with (bdir / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def cleanup_partial(index_dir: Path, keep: int = 2) -> None:
    """Remove unfinished builds and all but the newest ``keep`` complete ones (never the published one)."""
    bdir = builds_dir(index_dir)
    if not bdir.is_dir():
        return
    current = index_dir.resolve() if index_dir.is_symlink() else None
    for p in bdir.glob("*.partial"):
        shutil.rmtree(p, ignore_errors=True)
    complete = sorted((p for p in bdir.iterdir() if p.is_dir() and not p.name.endswith(".partial")), key=lambda p: p.name)
    for p in complete[:-keep]:
        if current is None or p.resolve() != current:
            shutil.rmtree(p, ignore_errors=True)


def write_index(
    index_dir: Path,
    chunks: list[Chunk],
    vectors: np.ndarray,
    documents: list[StoredDocument],
    manifest: dict[str, Any],
    index_type: str = "auto",
    hnsw_threshold: int = 250_000,
    en_vectors: np.ndarray | None = None,
    sentences: SentenceTable | None = None,
) -> Path:
    """Write a complete build and publish it atomically. Returns the build folder. Caller holds :func:`writer_lock`."""
    if len(chunks) != len(vectors):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    bdir = builds_dir(index_dir)
    bdir.mkdir(parents=True, exist_ok=True)
    name = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]
    tmp = bdir / f"{name}.partial"
    tmp.mkdir()
    index = build_faiss(vectors, index_type, hnsw_threshold)
    faiss.write_index(index, str(tmp / "faiss.index"))
    if en_vectors is not None and np.any(en_vectors):
        # A plain numeric .npy (allow_pickle=False on both sides), not a pickle.
        np.save(tmp / "vectors_en.npy", np.ascontiguousarray(en_vectors, dtype=np.float32), allow_pickle=False)
    if sentences is not None:
        np.save(tmp / "sentences.npy", np.ascontiguousarray(sentences.vectors, dtype=np.float32), allow_pickle=False)
        with (tmp / "sentences.jsonl").open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in sentences.texts)
            fh.flush()
            os.fsync(fh.fileno())
    _write_jsonl(tmp / "chunks.jsonl", [c.model_dump() for c in chunks])
    _write_jsonl(tmp / "documents.jsonl", [d.__dict__ for d in documents])
    full_manifest = {
        **manifest,
        "format_version": FORMAT_VERSION,
        "chunk_count": len(chunks),
        "sentence_count": None if sentences is None else len(sentences),
        "index_type": "hnsw" if isinstance(index, faiss.IndexHNSWFlat) else "flat",
        "documents": {d.doc_id: d.sha256 for d in documents},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    # The manifest is written last: a build without one is never complete.
    with (tmp / MANIFEST).open("w", encoding="utf-8") as fh:
        json.dump(full_manifest, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(tmp)
    final = bdir / name
    os.rename(tmp, final)
    _publish(index_dir, final)
    return final


def _publish(index_dir: Path, build: Path) -> None:
    if index_dir.exists() and not index_dir.is_symlink():
        # An index folder from before builds existed: move it aside so the symlink can take its place.
        os.rename(index_dir, builds_dir(index_dir) / f"legacy-{uuid.uuid4().hex[:6]}")
    link_tmp = index_dir.parent / f".{index_dir.name}.link-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    os.symlink(os.path.relpath(build, index_dir.parent), link_tmp)
    os.replace(link_tmp, index_dir)
    _fsync_dir(index_dir.parent)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"no index at {index_dir}; run 'ipqa ingest' first")
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexMismatchError(f"unreadable manifest at {path} ({exc}); re-run 'ipqa ingest --rebuild'") from exc
    return data


def check_compatible(manifest: dict[str, Any], embedder_id: str) -> None:
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index format {manifest.get('format_version')} is not the supported {FORMAT_VERSION}; "
            "re-run 'ipqa ingest --rebuild'"
        )
    built_with = manifest.get("embedder", {}).get("id")
    if built_with != embedder_id:
        raise IndexMismatchError(
            f"index was built with embedder '{built_with}' but '{embedder_id}' is configured; "
            "re-run 'ipqa ingest --rebuild' (or set IPQA_EMBEDDER to match)"
        )


def load_index(index_dir: Path, embedder_id: str) -> LoadedIndex:
    manifest = read_manifest(index_dir)
    check_compatible(manifest, embedder_id)
    real = index_dir.resolve()
    try:
        index = faiss.read_index(str(real / "faiss.index"))
        chunks = [Chunk.model_validate_json(line) for line in (real / "chunks.jsonl").open(encoding="utf-8") if line.strip()]
        docs = [
            StoredDocument(**json.loads(line)) for line in (real / "documents.jsonl").open(encoding="utf-8") if line.strip()
        ]
        en_path = real / "vectors_en.npy"
        en_vectors = np.load(en_path, allow_pickle=False) if en_path.is_file() else None
        sentences = _load_sentences(real, manifest, index.d)
    except (OSError, RuntimeError, ValueError) as exc:
        raise IndexMismatchError(f"index at {index_dir} is damaged ({exc}); re-run 'ipqa ingest --rebuild'") from exc
    if index.ntotal != len(chunks) or manifest.get("chunk_count") != len(chunks):
        raise IndexMismatchError(f"index at {index_dir} is inconsistent; re-run 'ipqa ingest --rebuild'")
    if index.d != manifest.get("embedder", {}).get("dim"):
        raise IndexMismatchError(f"index dimension {index.d} does not match its manifest; re-run 'ipqa ingest --rebuild'")
    if en_vectors is not None and en_vectors.shape != (len(chunks), index.d):
        raise IndexMismatchError(f"index at {index_dir} has mismatched English vectors; re-run 'ipqa ingest --rebuild'")
    return LoadedIndex(real, manifest, index, chunks, {d.doc_id: d for d in docs}, en_vectors, sentences)


def _load_sentences(build: Path, manifest: dict[str, Any], dim: int) -> SentenceTable | None:
    vec_path, text_path = build / "sentences.npy", build / "sentences.jsonl"
    count = manifest.get("sentence_count")
    if count is None:
        return None
    if count == 0:
        return SentenceTable.empty(dim)
    # Memory-mapped read-only: a server never writes it, and N worker processes share one copy in the page cache.
    vectors = np.load(vec_path, mmap_mode="r", allow_pickle=False)
    texts = [json.loads(line) for line in text_path.open(encoding="utf-8") if line.strip()]
    if vectors.shape != (manifest["sentence_count"], dim) or len(texts) != vectors.shape[0]:
        raise ValueError(f"sentence table of {len(texts)} texts and {vectors.shape} vectors")
    return SentenceTable(texts, vectors)
