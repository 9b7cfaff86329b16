"""Passage search: /v1/search returns the ranked hits without composing an answer."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from core.contracts import Hit
from retriever.query import QueryError
from service.deps import ReadyEngine
from service.openapi import CLIENT_ERRORS, errors
from service.schemas import SearchRequest

router = APIRouter(tags=["search"])


@router.post("/v1/search", responses=errors(*CLIENT_ERRORS, 503))
def search(req: SearchRequest, engine: ReadyEngine) -> dict[str, list[Hit]]:
    try:
        result = engine.current.retriever.search(req.query, req.k)
    except QueryError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    return {"hits": result.hits}
