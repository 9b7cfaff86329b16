"""Feedback store: one SQLite file under var/, one row per 👍/👎, written in a transaction so no row is lost."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, created REAL, question TEXT, "
                "answer TEXT, citations TEXT, rating INTEGER, comment TEXT)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=30)

    def add(self, question: str, answer: str, citations: list[Any], rating: int, comment: str | None) -> int:
        with self._lock, self._connect() as db:
            cur = db.execute(
                "INSERT INTO feedback (created, question, answer, citations, rating, comment) VALUES (?,?,?,?,?,?)",
                (time.time(), question, answer, json.dumps(citations, ensure_ascii=False), rating, comment),
            )
            return int(cur.lastrowid or 0)

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])
