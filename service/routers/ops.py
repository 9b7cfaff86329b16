"""Probes and scrapes: /healthz (the process answers), /readyz (an index is loaded), /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from service.deps import State

router = APIRouter(tags=["ops"])


class ReadyBody(BaseModel):
    status: str
    chunks: int | None = None
    reason: str | None = None


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={200: {"model": ReadyBody}, 503: {"model": ReadyBody, "description": "Not ready"}})
def readyz(state: State) -> JSONResponse:
    engine = state.engine
    engine.follow_published()  # a server started before any index turns ready once one is published
    if engine.ready:
        return JSONResponse({"status": "ready", "chunks": len(engine.current.index.chunks)})
    return JSONResponse({"status": "not ready", "reason": engine.status}, status_code=503)


@router.get("/metrics", response_class=PlainTextResponse)  # declared as the Prometheus text it is, not JSON
def prometheus(state: State) -> Response:
    engine, metrics = state.engine, state.metrics
    metrics.ready.set(1 if engine.ready else 0)
    metrics.index_chunks.set(len(engine.current.index.chunks) if engine.ready else 0)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
