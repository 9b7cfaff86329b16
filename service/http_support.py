"""Cross-cutting HTTP pieces kept out of the router: request ids, metrics, rate limiting, admin auth, upload names."""

from __future__ import annotations

import hmac
import re
import threading
import time
import unicodedata
import uuid
from collections import deque
from pathlib import PurePosixPath, PureWindowsPath

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ingest import SUPPORTED_SUFFIXES

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id(incoming: str | None) -> str:
    """Keep a caller's id when it is safe to echo into logs and headers; otherwise make one."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class Metrics:
    """One registry per app, so several apps in one process (tests, workers) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("ipqa_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("ipqa_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.answers = Counter("ipqa_answers_total", "Answers given", ["mode", "lang", "abstained"],
                               registry=self.registry)
        self.feedback = Counter("ipqa_feedback_total", "Feedback rows stored", ["rating"], registry=self.registry)
        self.rate_limited = Counter("ipqa_rate_limited_total", "Requests refused with 429", registry=self.registry)
        self.index_chunks = Gauge("ipqa_index_chunks", "Chunks in the loaded index", registry=self.registry)
        self.ready = Gauge("ipqa_ready", "1 when an index is loaded", registry=self.registry)


class RateLimiter:
    """Sliding one-minute window per client key. Memory is bounded: idle clients are forgotten."""

    def __init__(self, per_minute: int, max_clients: int = 10_000) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, seconds until a slot frees up)."""
        if self.per_minute <= 0:
            return True, 0
        now = time.monotonic() if now is None else now
        with self._lock:
            window = self._hits.get(key)
            if window is None:
                if len(self._hits) >= self.max_clients:
                    self._evict(now)
                window = self._hits[key] = deque()
            while window and now - window[0] >= 60:
                window.popleft()
            if len(window) >= self.per_minute:
                return False, max(1, int(60 - (now - window[0])) + 1)
            window.append(now)
            return True, 0

    def _evict(self, now: float) -> None:
        for key in [k for k, w in self._hits.items() if not w or now - w[-1] >= 60]:
            del self._hits[key]
        if len(self._hits) >= self.max_clients:
            # Still full of active clients: drop the oldest ones rather than grow without bound.
            for key in sorted(self._hits, key=lambda k: self._hits[k][-1])[: self.max_clients // 10]:
                del self._hits[key]


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing does not reveal how much of a guessed token was right."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class BadUploadName(ValueError):
    pass


_SAFE_CHARS = re.compile(r"[^\w.\-ー・]+")


def safe_upload_name(raw: str | None) -> str:
    """A file name that cannot leave the uploads folder: the last path component (of either separator style),
    NFKC, unsafe characters replaced, no leading dots, and a supported extension."""
    if not raw:
        raise BadUploadName("the upload has no file name")
    name = unicodedata.normalize("NFKC", raw).replace("\x00", "")
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = _SAFE_CHARS.sub("_", name).lstrip(".")
    if not name or name in {"_", ""}:
        raise BadUploadName(f"unusable file name {raw[:80]!r}")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise BadUploadName(f"unsupported file type {suffix or '(none)'!r}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    if name.endswith(".en.jsonl"):
        raise BadUploadName("translation sidecars are not uploaded this way")
    return name[:150]
