"""What every route shares, built once per app and reached through FastAPI dependencies (``service/deps.py``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import Settings
from service.answer import AnswerService
from service.db import Database
from service.engine import Engine
from service.feedback import FeedbackStore
from service.http_support import Metrics, RateLimiter
from service.question_log import LoggedAnswerService, QuestionLog


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    service: AnswerService
    feedback: FeedbackStore
    metrics: Metrics
    limiter: RateLimiter
    questions: QuestionLog
    reindexing: threading.Lock = field(default_factory=threading.Lock)

    @property
    def uploads_dir(self) -> Path:
        return self.settings.var_dir / "uploads"

    def body_limit(self, path: str) -> int:
        # Uploads carry whole documents; everything else is a small JSON body.
        if path == "/v1/admin/documents":
            return self.settings.max_file_bytes + 64 * 1024
        return self.settings.max_body_bytes

    @classmethod
    def build(cls, settings: Settings, engine: Engine | None = None) -> AppState:
        engine = engine or Engine(settings)
        # Feedback and the question log share one database, so with a PostgreSQL URL both live on the server.
        db = Database.for_settings(settings)
        questions = QuestionLog(db, settings.question_log_days)
        service = LoggedAnswerService(engine, questions) if questions.enabled else AnswerService(engine)
        return cls(settings, engine, service, FeedbackStore(db), Metrics(), RateLimiter(settings.rate_limit_per_minute),
                   questions)
