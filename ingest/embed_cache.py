"""The resume cache: every vector an ingest computes, content-addressed and on disk before the next batch starts.

An interrupted ingest (kill -9, power cut, Ctrl-C) publishes nothing (ingest/store.py swaps the index link only
after a complete build), so without this the rerun would embed the whole corpus again. With it the rerun embeds only
the batch that was in flight.

Layout: ``<var_dir>/embed-cache/<sha256(index dir, embedder id)[:16]>/<time>-<pid>.seg``, one segment per ingest
run (so two writers never share a file), each a sequence of fixed-size records::

    b"EV01" | key: sha256(embedder id, is_query, text) 32 bytes | vector: dim float32 | crc32(key + vector) u32

Records are appended a batch at a time and fsynced, so everything before the last fsync survives any crash. A kill
during a write leaves at most a torn last record: its length is not a whole record, or its checksum fails, and the
reader skips it. Nothing else is ever overwritten, so no other record can be damaged.

The cache is scoped to one index folder and pruned once that index is published: the published build then holds
every vector of its corpus and the next ingest reuses them from there (by document hash and by text), so keeping
them twice buys nothing. Between publishes it holds at most one corpus' vectors (plus torn leftovers); a cap
(``Settings.embed_cache_max_mb``) drops the oldest segments first should repeated interrupted runs over different
corpora pile up.
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

MAGIC = b"EV01"


def text_key(embedder_id: str, is_query: bool, text: str) -> bytes:
    return hashlib.sha256(f"{embedder_id}\0{'q' if is_query else 'p'}\0{text}".encode()).digest()


class EmbedCache:
    """Vectors by ``text_key``; ``get`` answers from everything readable on disk when opened plus what was added."""

    def __init__(self, root: Path, scope: str, embedder_id: str, dim: int, max_bytes: int | None = None) -> None:
        self.folder = root / hashlib.sha256(f"{scope}\0{embedder_id}".encode()).hexdigest()[:16]
        self.embedder_id, self.dim = embedder_id, dim
        self.record = len(MAGIC) + 32 + 4 * dim + 4
        self._rows: dict[bytes, np.ndarray] = {}
        self.torn = 0  # records skipped as torn or corrupt
        self._out: int | None = None
        self.folder.mkdir(parents=True, exist_ok=True)
        self._existing = self._segments()
        if max_bytes is not None:
            self._cap(max_bytes)
        for seg in self._existing:
            self._read(seg)

    def _segments(self) -> list[Path]:
        return sorted(self.folder.glob("*.seg"))

    def _cap(self, max_bytes: int) -> None:
        total = sum(p.stat().st_size for p in self._existing)
        while self._existing and total > max_bytes:
            oldest = self._existing.pop(0)
            total -= oldest.stat().st_size
            oldest.unlink(missing_ok=True)

    def _read(self, seg: Path) -> None:
        data = seg.read_bytes()
        n = len(data) // self.record
        self.torn += int(len(data) % self.record != 0)
        recs = np.frombuffer(data, np.uint8, n * self.record).reshape(n, self.record)
        v0, v1 = len(MAGIC) + 32, self.record - 4
        for r in recs:
            raw = r.tobytes()
            if raw[: len(MAGIC)] != MAGIC or zlib.crc32(raw[len(MAGIC) : v1]) != int.from_bytes(raw[v1:], "little"):
                self.torn += 1
                continue
            self._rows[raw[len(MAGIC) : v0]] = np.frombuffer(raw, np.float32, self.dim, v0)

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: bytes) -> np.ndarray | None:
        return self._rows.get(key)

    def add(self, keys: Iterable[bytes], vectors: np.ndarray) -> None:
        """Append one batch and fsync it: once this returns the batch survives a crash."""
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        parts = []
        for key, vec in zip(keys, vecs, strict=True):
            body = key + vec.tobytes()
            parts.append(MAGIC + body + zlib.crc32(body).to_bytes(4, "little"))
            self._rows[key] = vec
        if self._out is None:
            path = self.folder / f"{time.time_ns()}-{os.getpid()}.seg"
            self._out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            _fsync_dir(self.folder)  # the new file's name must survive a power cut too
        buf = memoryview(b"".join(parts))
        while buf:
            buf = buf[os.write(self._out, buf) :]
        os.fsync(self._out)

    def close(self) -> None:
        if self._out is not None:
            os.close(self._out)
            self._out = None

    def prune(self) -> None:
        """After a publish: drop every segment of this scope (one index folder, whose writers hold its lock, so no
        other run is writing here); see the module docstring for why."""
        self.close()
        for seg in self._segments():
            seg.unlink(missing_ok=True)
        self._rows.clear()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
