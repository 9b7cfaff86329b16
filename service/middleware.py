"""Around every request: body-size limits, rate limiting, request ids, metrics and the access log."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import structlog
from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logging import get_logger
from service.http_support import request_id
from service.state import AppState

access_log = get_logger("ipqa.access")


def rate_limited(path: str) -> bool:
    """Only work that costs something counts: API calls and, in the UI, one queue join per question. A UI page load
    makes ~70 asset requests; counting those would lock out an inquiry desk behind one office address. Probes and
    scrapes (/healthz, /readyz, /metrics) are never limited."""
    return path.startswith("/v1/") or (path.startswith("/ui/") and path.endswith("/queue/join"))


class CountedBody:
    """Refuses a request body over the limit while it streams in. The Content-Length check in the access middleware
    answers 413 before anything is read, but a chunked body declares no length; without counting, it would be read
    into memory whole before the JSON parser ever saw it."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, seen = self.limit_for(scope["path"]), 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI re-raises HTTPExceptions from body reading, so this becomes an ordinary JSON 413.
                    raise HTTPException(413, detail=f"request body over {limit} bytes")
            return message

        await self.app(scope, counted, send)


def guard_and_log(state: AppState) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = request_id(request.headers.get("x-request-id"))
        structlog.contextvars.bind_contextvars(request_id=rid)
        t0 = time.perf_counter()
        path = request.url.path
        client = request.client.host if request.client else "?"
        metrics, limit = state.metrics, state.body_limit(path)
        response: Response
        try:
            length = request.headers.get("content-length")
            allowed, retry = state.limiter.allow(client) if rate_limited(path) else (True, 0)
            if not allowed:
                metrics.rate_limited.inc()
                response = JSONResponse({"detail": "too many requests; slow down"}, status_code=429,
                                        headers={"Retry-After": str(retry)})
            elif length is not None and (not length.isdigit() or int(length) > limit):
                response = JSONResponse({"detail": f"request body over {limit} bytes"}, status_code=413)
            else:
                response = await call_next(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
        elapsed = time.perf_counter() - t0
        route = request.scope.get("route")
        # Label by route template, not raw path, so probing random URLs cannot blow up the metric cardinality.
        label = getattr(route, "path", None) or ("/ui" if path.startswith("/ui") else "other")
        metrics.requests.labels(request.method, label, str(response.status_code)).inc()
        metrics.latency.labels(label).observe(elapsed)
        response.headers["X-Request-ID"] = rid
        access_log.info("request", request_id=rid, method=request.method, path=path[:200], status=response.status_code,
                        ms=round(elapsed * 1000, 2), client=client)
        return response

    return middleware
