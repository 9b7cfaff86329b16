"""FastAPI application (DESIGN.md "HTTP API"). The router only translates HTTP to service calls and back."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import structlog
from fastapi import Depends, FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.contracts import Answer, Hit
from core.logging import get_logger
from core.settings import Settings
from ingest.loaders import LoadError, load_document
from ingest.pipeline import NothingToIngestError, ingest
from retriever.query import QueryError
from service.answer import AnswerService
from service.engine import Engine, NotReady
from service.feedback import FeedbackStore
from service.http_support import BadUploadName, Metrics, RateLimiter, request_id, safe_upload_name, token_matches
from service.schemas import AskRequest, ChatCompletionRequest, ChatTurn, FeedbackRequest, SearchRequest

access_log = get_logger("ipqa.access")


def _rate_limited(path: str) -> bool:
    """Only work that costs something counts: API calls and, in the UI, one queue join per question. A UI page load
    makes ~70 asset requests; counting those would lock out an inquiry desk behind one office address. Probes and
    scrapes (/healthz, /readyz, /metrics) are never limited."""
    return path.startswith("/v1/") or (path.startswith("/ui/") and path.endswith("/queue/join"))


# --- what /openapi.json declares for refusals, so clients (and the schemathesis tests) can rely on it -------------
class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str


class ErrorBody(BaseModel):
    """Every refusal: a message, or for a malformed request the list of problems found."""

    detail: str | list[ValidationIssue]


class ReadyBody(BaseModel):
    status: str
    chunks: int | None = None
    reason: str | None = None


_ERROR_TEXT = {401: "Missing or wrong bearer token", 403: "Admin endpoints are disabled (no IPQA_ADMIN_TOKEN)",
               409: "A re-index is already running", 413: "Request body too large", 422: "Invalid request",
               429: "Rate limited; see Retry-After", 503: "No index loaded"}
_CLIENT_ERRORS = (413, 422, 429)


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorBody, "description": _ERROR_TEXT[c]} for c in codes}


def _sse_content(event_names: dict[str, Any]) -> dict[str, Any]:
    # `itemSchema` describes one event, as FastAPI does for its own SSE routes.
    return {"text/event-stream": {"itemSchema": {
        "type": "object", "required": ["data"], "properties": {"event": event_names, "data": {"type": "string"}}}}}


class _CountedBody:
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


def _chat_to_ask(req: ChatCompletionRequest) -> AskRequest:
    """OpenAI messages → our question + history. System messages are ignored: the bot's instructions are ours."""
    turns = [m for m in req.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        raise HTTPException(422, detail="the last message must be a non-empty user message")
    history = [ChatTurn(role=m.role, content=m.text()) for m in turns[:-1]]  # type: ignore[arg-type]
    return AskRequest(question=turns[-1].text(), history=history[-50:])


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    engine = engine or Engine(settings)
    service = AnswerService(engine)
    # Whatever loads a new index (startup, re-index, a build published by another process) warms its sentence cache.
    engine.on_load(lambda: service.warm_up(background=True))
    feedback = FeedbackStore(settings.var_dir / "feedback.sqlite3")
    metrics = Metrics()
    limiter = RateLimiter(settings.rate_limit_per_minute)
    reindexing = threading.Lock()
    uploads_dir = settings.var_dir / "uploads"

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Index and embedder are loaded once, before the first request.
        if engine.ready:  # loaded by the caller: warm it here, as a load would have
            service.warm_up(background=True)
        else:
            engine.load()
        yield

    app = FastAPI(title="ipqa", version="0.1.0", lifespan=lifespan)
    app.state.engine, app.state.service, app.state.feedback, app.state.metrics = engine, service, feedback, metrics
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID"])

    def _body_limit(path: str) -> int:
        # Uploads carry whole documents; everything else is a small JSON body.
        return settings.max_file_bytes + 64 * 1024 if path == "/v1/admin/documents" else settings.max_body_bytes

    app.add_middleware(_CountedBody, limit_for=_body_limit)  # added before guard_and_log, so it runs inside it

    @app.middleware("http")
    async def guard_and_log(request: Request, call_next: Any) -> Any:
        rid = request_id(request.headers.get("x-request-id"))
        structlog.contextvars.bind_contextvars(request_id=rid)
        t0 = time.perf_counter()
        path = request.url.path
        client = request.client.host if request.client else "?"
        response: Any
        try:
            length = request.headers.get("content-length")
            allowed, retry = limiter.allow(client) if _rate_limited(path) else (True, 0)
            if not allowed:
                metrics.rate_limited.inc()
                response = JSONResponse({"detail": "too many requests; slow down"}, status_code=429,
                                        headers={"Retry-After": str(retry)})
            elif length is not None and (not length.isdigit() or int(length) > _body_limit(path)):
                response = JSONResponse({"detail": f"request body over {_body_limit(path)} bytes"}, status_code=413)
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

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", [])), "msg": str(e.get("msg", ""))} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers 400 when a JSON body cannot even be decoded (invalid UTF-8; nesting deeper than the parser's
        # recursion limit). To a client that is malformed JSON like any other, which is 422 here.
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
            return JSONResponse({"detail": f"request body is not valid JSON ({type(exc.__cause__).__name__})"},
                                status_code=422)
        return await http_exception_handler(request, exc)

    def _ready() -> Engine:
        engine.follow_published()
        if not engine.ready:
            raise HTTPException(503, detail=f"index not ready: {engine.status}")
        return engine

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", responses={200: {"model": ReadyBody}, 503: {"model": ReadyBody, "description": "Not ready"}})
    def readyz() -> JSONResponse:
        engine.follow_published()  # a server started before any index turns ready once one is published
        if engine.ready:
            return JSONResponse({"status": "ready", "chunks": len(engine.current.index.chunks)})
        return JSONResponse({"status": "not ready", "reason": engine.status}, status_code=503)

    @app.post("/v1/search", responses=_errors(*_CLIENT_ERRORS, 503))
    def search(req: SearchRequest) -> dict[str, list[Hit]]:
        try:
            result = _ready().current.retriever.search(req.query, req.k)
        except QueryError as exc:
            raise HTTPException(422, detail=str(exc)) from exc
        return {"hits": result.hits}

    def _answer(req: AskRequest) -> Answer:
        _ready()
        try:
            answer = service.ask(req)
        except QueryError as exc:
            raise HTTPException(422, detail=str(exc)) from exc
        except NotReady as exc:
            raise HTTPException(503, detail=str(exc)) from exc
        metrics.answers.labels(answer.mode, answer.lang, str(answer.abstained).lower()).inc()
        return answer

    @app.post("/v1/ask", response_model=Answer, responses=_errors(*_CLIENT_ERRORS, 503))
    def ask(req: AskRequest) -> Answer:
        return _answer(req)

    @app.post("/v1/ask/stream", response_class=StreamingResponse, responses={
        **_errors(*_CLIENT_ERRORS, 503),
        200: {"description": "`token` events, then one `answer` event holding the Answer JSON",
              "content": _sse_content({"enum": ["token", "answer"]})}})
    def ask_stream(req: AskRequest) -> StreamingResponse:
        _ready()
        events = service.ask_stream(req)
        try:
            first = next(events)  # surfaces bad input as a 4xx before the stream starts
        except QueryError as exc:
            raise HTTPException(422, detail=str(exc)) from exc

        def sse() -> Iterator[str]:
            for kind, payload in [first, *events]:
                if isinstance(payload, Answer):
                    metrics.answers.labels(payload.mode, payload.lang, str(payload.abstained).lower()).inc()
                data = payload.model_dump() if isinstance(payload, Answer) else {"text": payload}
                yield f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    @app.post("/v1/chat/completions", response_model=None, responses={
        **_errors(*_CLIENT_ERRORS, 503),
        200: {"description": "A chat.completion object; with `stream: true`, chat.completion.chunk events",
              "content": {"application/json": {"schema": {"type": "object", "required": ["id", "object", "choices"]}},
                          **_sse_content({"type": "string"})}}})
    def chat_completions(req: ChatCompletionRequest) -> JSONResponse | StreamingResponse:
        """OpenAI-compatible: any OpenAI client or chat front end can use the bot. Citations ride in `citations`."""
        ask_req = _chat_to_ask(req)
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

        def envelope(obj: str, choice: dict[str, Any], **extra: Any) -> dict[str, Any]:
            return {"id": cid, "object": obj, "created": created, "model": req.model, "choices": [choice], **extra}

        if not req.stream:
            answer = _answer(ask_req)
            message = {"role": "assistant", "content": answer.answer}
            body = envelope("chat.completion", {"index": 0, "message": message, "finish_reason": "stop"},
                            usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                            citations=[c.model_dump() for c in answer.citations],
                            ipqa={"abstained": answer.abstained, "grounded": answer.grounded, "lang": answer.lang,
                                  "mode": answer.mode, "rewritten_query": answer.rewritten_query})
            return JSONResponse(body)
        _ready()
        events = service.ask_stream(ask_req)
        try:
            first = next(events)
        except QueryError as exc:
            raise HTTPException(422, detail=str(exc)) from exc

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            data = envelope("chat.completion.chunk", {"index": 0, "delta": delta, "finish_reason": finish}, **extra)
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        def sse() -> Iterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            for kind, payload in [first, *events]:
                if kind == "token":
                    yield chunk({"content": str(payload)})
                elif isinstance(payload, Answer):
                    metrics.answers.labels(payload.mode, payload.lang, str(payload.abstained).lower()).inc()
                    # Streamed tokens are the draft; the verifier may have dropped a sentence, so the final chunk
                    # carries the verified answer and its citations.
                    yield chunk({}, "stop", citations=[c.model_dump() for c in payload.citations],
                                ipqa={"answer": payload.answer, "abstained": payload.abstained,
                                      "grounded": payload.grounded, "lang": payload.lang})
            yield "data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    @app.post("/v1/feedback", responses=_errors(*_CLIENT_ERRORS))
    def post_feedback(req: FeedbackRequest) -> dict[str, Any]:
        cits = [c if isinstance(c, dict) else c.model_dump() for c in req.citations]
        row = feedback.add(req.question, req.answer, cits, req.rating, req.comment)
        metrics.feedback.labels(str(req.rating)).inc()
        return {"stored": True, "id": row}

    @app.get("/v1/documents", responses=_errors(429, 503))
    def documents() -> dict[str, Any]:
        idx = _ready().current.index
        return {"documents": [
            {"doc_id": d.doc_id, "title": d.title, "source": d.source, "sha256": d.sha256, "chunks": d.chunks,
             "chars": len(d.text)} for d in idx.documents.values()
        ]}

    @app.get("/metrics", response_class=PlainTextResponse)  # declared as the Prometheus text it is, not JSON
    def prometheus() -> Response:
        metrics.ready.set(1 if engine.ready else 0)
        metrics.index_chunks.set(len(engine.current.index.chunks) if engine.ready else 0)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # --- admin ------------------------------------------------------------------------------------------------------
    def require_admin(request: Request) -> None:
        if settings.admin_token is None or not settings.admin_token.get_secret_value():
            raise HTTPException(403, detail="admin endpoints are disabled (set IPQA_ADMIN_TOKEN to enable them)")
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not token_matches(given.strip(), settings.admin_token.get_secret_value()):
            raise HTTPException(401, detail="missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    def _reindex() -> dict[str, Any]:
        if not reindexing.acquire(blocking=False):
            raise HTTPException(409, detail="a re-index is already running")
        try:
            try:
                summary = ingest(settings, embedder=engine.embedder)
            except NothingToIngestError as exc:
                # File paths stay in the server log (ingest warned about each one); the reply gives the count.
                raise HTTPException(422, detail=f"{exc} ({len(exc.skipped)} files skipped)") from exc
            engine.load()
        finally:
            reindexing.release()
        return {"documents": summary.documents, "chunks": summary.chunks, "embedded_chunks": summary.embedded_chunks,
                "skipped": summary.skipped, "seconds": round(summary.seconds, 2)}

    @app.post("/v1/admin/reindex", dependencies=[Depends(require_admin)],
              responses=_errors(401, 403, 409, 413, 422, 429))
    def admin_reindex() -> dict[str, Any]:
        return _reindex()

    @app.post("/v1/admin/documents", dependencies=[Depends(require_admin)],
              responses=_errors(401, 403, 409, 413, 422, 429))
    def admin_upload(
        file: Annotated[UploadFile, File(description="A .md, .txt, .pdf or .html document")],
        reindex: Annotated[bool, Query(description="Re-index right after storing the file")] = True,
    ) -> dict[str, Any]:
        try:
            name = safe_upload_name(file.filename)
        except BadUploadName as exc:
            raise HTTPException(422, detail=str(exc)) from exc
        uploads_dir.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file in the same folder, check it loads, then rename: a bad or partial upload never
        # sits in uploads/ where the next ingest would pick it up.
        fd, tmp_name = tempfile.mkstemp(dir=uploads_dir, prefix=".upload-", suffix=Path(name).suffix)
        tmp = Path(tmp_name)
        try:
            size = 0
            with os.fdopen(fd, "wb") as out:
                while block := file.file.read(1024 * 1024):
                    size += len(block)
                    if size > settings.max_file_bytes:
                        raise HTTPException(413, detail=f"file over the limit of {settings.max_file_bytes} bytes")
                    out.write(block)
            try:
                load_document(tmp, settings.max_file_bytes)
            except LoadError as exc:
                # The message names our temporary path; say it about the uploaded name instead.
                raise HTTPException(422, detail=str(exc).replace(str(tmp), name)) from exc
            os.replace(tmp, uploads_dir / name)
        finally:
            tmp.unlink(missing_ok=True)
        result: dict[str, Any] = {"stored": name, "bytes": size}
        if reindex:
            result["reindex"] = _reindex()
        return result

    return app
