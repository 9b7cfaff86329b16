"""What every route shares, built once per app and reached through FastAPI dependencies (``service/deps.py``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import Settings
from service.answer import AnswerService
from service.engine import Engine
from service.feedback import FeedbackStore
from service.http_support import Metrics, RateLimiter


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    service: AnswerService
    feedback: FeedbackStore
    metrics: Metrics
    limiter: RateLimiter
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
        return cls(settings, engine, AnswerService(engine), FeedbackStore(settings.var_dir / "feedback.sqlite3"),
                   Metrics(), RateLimiter(settings.rate_limit_per_minute))
