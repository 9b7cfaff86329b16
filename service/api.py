"""The FastAPI application (DESIGN.md "HTTP API"): shared state, middleware, error shapes and the feature routers.
Routes only translate HTTP to service calls and back; they live in ``service/routers/``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.settings import Settings
from service.engine import Engine
from service.middleware import CountedBody, guard_and_log
from service.routers import admin, ask, documents, feedback, ops, search
from service.state import AppState


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    state = AppState.build(settings, engine)
    state.engine.on_load(state.engine.warm_lexicon)  # a re-index or a build published by another worker

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Index and embedder are loaded once, before the first request (unless the caller loaded them already).
        if not state.engine.ready:
            state.engine.load()  # its on_load listener warms the lexicon
        else:
            state.engine.warm_lexicon()
        yield

    app = FastAPI(title="ipqa", version="0.1.0", lifespan=lifespan)
    app.state.ipqa = state
    # The UI mounts onto the same app and reaches the same service and feedback store.
    app.state.engine, app.state.service, app.state.feedback = state.engine, state.service, state.feedback
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID"])
    app.add_middleware(CountedBody, limit_for=state.body_limit)  # added before guard_and_log, so it runs inside it
    app.middleware("http")(guard_and_log(state))

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

    for router in (ops.router, search.router, ask.router, feedback.router, documents.router, admin.router):
        app.include_router(router)
    return app
