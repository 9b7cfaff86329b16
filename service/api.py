"""FastAPI application (DESIGN.md "HTTP API"). The router only translates HTTP to service calls and back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse

from ingest.contracts import Answer, Hit
from ingest.settings import Settings
from retriever.query import QueryError
from service.answer import AnswerService
from service.engine import Engine, NotReady
from service.feedback import FeedbackStore
from service.schemas import AskRequest, FeedbackRequest, SearchRequest


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    engine = engine or Engine(settings)
    service = AnswerService(engine)
    feedback = FeedbackStore(settings.var_dir / "feedback.sqlite3")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Index and embedder are loaded once, before the first request.
        if not engine.ready:
            engine.load()
        if engine.ready:
            service.warm_up()
        yield

    app = FastAPI(title="ipqa", version="0.1.0", lifespan=lifespan)
    app.state.engine, app.state.service, app.state.feedback = engine, service, feedback

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > settings.max_body_bytes:
            return JSONResponse({"detail": f"request body over {settings.max_body_bytes} bytes"}, status_code=413)
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", [])), "msg": str(e.get("msg", ""))} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    def _ready() -> Engine:
        if not engine.ready:
            raise HTTPException(503, detail=f"index not ready: {engine.status}")
        return engine

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        if engine.ready:
            return JSONResponse({"status": "ready", "chunks": len(engine.current.index.chunks)})
        return JSONResponse({"status": "not ready", "reason": engine.status}, status_code=503)

    @app.post("/v1/search")
    def search(req: SearchRequest) -> dict[str, list[Hit]]:
        try:
            result = _ready().current.retriever.search(req.query, req.k)
        except QueryError as exc:
            raise HTTPException(422, detail=str(exc)) from exc
        return {"hits": result.hits}

    @app.post("/v1/ask", response_model=Answer)
    def ask(req: AskRequest) -> Answer:
        _ready()
        try:
            return service.ask(req)
        except QueryError as exc:
            raise HTTPException(422, detail=str(exc)) from exc
        except NotReady as exc:
            raise HTTPException(503, detail=str(exc)) from exc

    @app.post("/v1/ask/stream")
    def ask_stream(req: AskRequest) -> StreamingResponse:
        _ready()
        events = service.ask_stream(req)
        try:
            first = next(events)  # surfaces bad input as a 4xx before the stream starts
        except QueryError as exc:
            raise HTTPException(422, detail=str(exc)) from exc

        def sse() -> Iterator[str]:
            for kind, payload in [first, *events]:
                data = payload.model_dump() if isinstance(payload, Answer) else {"text": payload}
                yield f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    @app.post("/v1/feedback")
    def post_feedback(req: FeedbackRequest) -> dict[str, Any]:
        cits = [c if isinstance(c, dict) else c.model_dump() for c in req.citations]
        row = feedback.add(req.question, req.answer, cits, req.rating, req.comment)
        return {"stored": True, "id": row}

    @app.get("/v1/documents")
    def documents() -> dict[str, Any]:
        idx = _ready().current.index
        return {"documents": [
            {"doc_id": d.doc_id, "title": d.title, "source": d.source, "sha256": d.sha256, "chunks": d.chunks,
             "chars": len(d.text)} for d in idx.documents.values()
        ]}

    return app
