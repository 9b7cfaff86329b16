"""The question log: what inquirers asked and how the bot fared, so staff can see what the documents do not cover.

A row holds the time, the question, its language, whether the bot abstained, the answer mode, the cited chunk ids and
the latency. Never the client's address or anything else about who asked: the log is about the documents' coverage,
and an inquiry desk's visitors did not agree to be tracked. Rows older than ``IPQA_QUESTION_LOG_DAYS`` are deleted.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from core.contracts import Answer
from core.logging import get_logger
from service.answer import AnswerService, Event
from service.db import Database, questions_table, since_epoch, to_datetime
from service.engine import Engine
from service.schemas import AskRequest

log = get_logger("ipqa.question_log")

DAY_S = 86_400.0
# Pruning runs with an insert at most this often: a DELETE over the time index is cheap, but not free on every
# question, and an hour more or less of retention does not matter.
PRUNE_EVERY_S = 3_600.0


class QuestionRecord(BaseModel):
    id: int
    created: datetime
    question: str
    lang: str
    abstained: bool
    mode: str
    chunk_ids: list[str]
    latency_ms: float | None


class DayCount(BaseModel):
    day: date
    asked: int
    abstained: int


class QuestionLog:
    """Recording and reading the log. ``retention_days == 0`` means off: nothing is written or pruned. Rows an earlier
    configuration stored stay: with a shared PostgreSQL database, one machine switched off must not wipe the log the
    others keep (staff delete rows deliberately, not through a setting)."""

    def __init__(self, db: Database, retention_days: int, clock: Callable[[], float] = time.time) -> None:
        if retention_days < 0:
            raise ValueError("retention_days must be >= 0")
        self.db = db
        self.retention_days = retention_days
        self._clock = clock
        self._lock = threading.Lock()
        self._last_prune = float("-inf")
        self.prune()

    @property
    def enabled(self) -> bool:
        return self.retention_days > 0

    def record(self, question: str, answer: Answer, latency_ms: float | None) -> int | None:
        """Store one answered question; returns its row id, or None when the log is off."""
        if not self.enabled:
            return None
        now = self._clock()
        row = {"created": now, "question": question, "lang": answer.lang, "abstained": answer.abstained,
               "mode": answer.mode, "chunk_ids": json.dumps([c.chunk_id for c in answer.citations]),
               "latency_ms": None if latency_ms is None else round(latency_ms, 2)}
        with self.db.engine.begin() as conn:
            row_id = int(conn.execute(insert(questions_table).values(**row)).inserted_primary_key[0])  # type: ignore[index]
        self._prune_if_due(now)
        return row_id

    def prune(self) -> int:
        """Delete rows past the retention; returns how many went (none when the log is off)."""
        now = self._clock()
        with self._lock:
            self._last_prune = now
        if not self.enabled:
            return 0
        stmt = delete(questions_table).where(questions_table.c.created < now - self.retention_days * DAY_S)
        with self.db.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount)

    def _prune_if_due(self, now: float) -> None:
        with self._lock:
            due = now - self._last_prune >= PRUNE_EVERY_S
        if due:
            self.prune()

    def recent(self, *, abstained: bool | None = None, since: datetime | None = None,
               limit: int = 100) -> list[QuestionRecord]:
        """Newest first."""
        t = questions_table
        query = select(t).order_by(t.c.created.desc(), t.c.id.desc()).limit(limit)
        if abstained is not None:
            query = query.where(t.c.abstained.is_(abstained))
        if since is not None:
            query = query.where(t.c.created >= since_epoch(since))
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [QuestionRecord(id=r["id"], created=to_datetime(r["created"]), question=r["question"], lang=r["lang"],
                               abstained=bool(r["abstained"]), mode=r["mode"], chunk_ids=json.loads(r["chunk_ids"]),
                               latency_ms=r["latency_ms"]) for r in rows]

    def per_day(self, since: datetime) -> list[DayCount]:
        """Questions and abstentions per UTC day since ``since``, oldest first; days without questions are absent."""
        t = questions_table
        query = select(t.c.created, t.c.abstained).where(t.c.created >= since_epoch(since))
        asked: Counter[date] = Counter()
        abstained: Counter[date] = Counter()
        with self.db.engine.connect() as conn:
            for created, was_abstained in conn.execute(query):
                day = to_datetime(created).date()
                asked[day] += 1
                abstained[day] += bool(was_abstained)
        return [DayCount(day=d, asked=asked[d], abstained=abstained[d]) for d in sorted(asked)]


class LoggedAnswerService(AnswerService):
    """The answer service that records each answered question.

    ``AppState`` hands this one object to the HTTP routes and, through ``app.state.service``, to the Gradio page,
    so both are logged here and nowhere else. It hooks ``ask_stream`` because that is where every answer is made:
    ``ask`` collects the same stream. A subclass rather than a wrapper, so callers typed against AnswerService
    (the UI controller, the routes) take it unchanged and answer.py needs no edit.
    """

    def __init__(self, engine: Engine, questions: QuestionLog) -> None:
        super().__init__(engine)
        self.questions = questions

    def ask_stream(self, req: AskRequest) -> Iterator[Event]:
        started = time.perf_counter()
        for kind, payload in super().ask_stream(req):
            if kind == "answer" and isinstance(payload, Answer):
                # Recorded before the answer is handed on: a client that stops reading at the answer event (as
                # ``ask`` does not, but a caller may) must not make the question vanish from the log.
                measured = (time.perf_counter() - started) * 1000
                self._record(req.question, payload, payload.timings_ms.get("total", measured))
            yield kind, payload

    def _record(self, question: str, answer: Answer, latency_ms: float) -> None:
        try:
            self.questions.record(question, answer, latency_ms)
        except SQLAlchemyError as exc:
            # The inquirer still gets the answer; an unreachable database is the operators' problem, told in the log.
            log.warning("question_log_failed", error=type(exc).__name__, detail=str(exc).splitlines()[0][:200])
