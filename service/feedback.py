"""Feedback store: one row per 👍/👎 with its optional comment, in the app's database (``service/db.py``).

Each row is written in its own transaction, so no row is lost when several server workers write at once.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, insert, select

from service.db import Database, feedback_table, since_epoch, to_datetime


class FeedbackRecord(BaseModel):
    """One stored rating as staff see it: the cited chunks by id (the passages themselves are in the index)."""

    id: int
    created: datetime
    rating: int
    question: str
    answer: str
    comment: str | None
    chunk_ids: list[str]


def _chunk_ids(citations_json: str | None) -> list[str]:
    # Rows store what the client sent; FeedbackRequest allows free-form dicts, so a chunk id may be missing.
    try:
        citations = json.loads(citations_json or "[]")
    except ValueError:
        return []
    if not isinstance(citations, list):
        return []
    return [str(c["chunk_id"]) for c in citations if isinstance(c, dict) and c.get("chunk_id") is not None]


class FeedbackStore:
    def __init__(self, db: Database | Path, clock: Callable[[], float] = time.time) -> None:
        # A path is the SQLite file of the original store, which the tests and single-file deployments still name.
        self.db = db if isinstance(db, Database) else Database.sqlite_file(db)
        self._clock = clock

    def add(self, question: str, answer: str, citations: list[Any], rating: int, comment: str | None) -> int:
        row = {"created": self._clock(), "question": question, "answer": answer,
               "citations": json.dumps(citations, ensure_ascii=False), "rating": rating, "comment": comment}
        with self.db.engine.begin() as conn:
            result = conn.execute(insert(feedback_table).values(**row))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def count(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(feedback_table)).scalar_one())

    def recent(self, *, rating: int | None = None, since: datetime | None = None, limit: int = 100) -> list[FeedbackRecord]:
        """Newest first."""
        t = feedback_table
        query = select(t).order_by(t.c.created.desc(), t.c.id.desc()).limit(limit)
        if rating is not None:
            query = query.where(t.c.rating == rating)
        if since is not None:
            query = query.where(t.c.created >= since_epoch(since))
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [FeedbackRecord(id=r["id"], created=to_datetime(r["created"]), rating=r["rating"],
                               question=r["question"] or "", answer=r["answer"] or "", comment=r["comment"],
                               chunk_ids=_chunk_ids(r["citations"])) for r in rows]

    def per_day(self, since: datetime, rating: int | None = None) -> Counter[date]:
        """Ratings per UTC day since ``since``; counted here from the times alone, which every backend reads alike
        (day arithmetic in SQL differs between SQLite and PostgreSQL)."""
        t = feedback_table
        query = select(t.c.created).where(t.c.created >= since_epoch(since))
        if rating is not None:
            query = query.where(t.c.rating == rating)
        with self.db.engine.connect() as conn:
            return Counter(to_datetime(created).date() for created in conn.execute(query).scalars())
