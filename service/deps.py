"""FastAPI dependencies: the shared state, a ready engine, the admin token check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from service.engine import Engine
from service.http_support import token_matches
from service.state import AppState


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.ipqa
    return state


State = Annotated[AppState, Depends(app_state)]


def ready_engine(state: State) -> Engine:
    """The engine, once an index is loaded (a build published by another process is noticed here too)."""
    engine = state.engine
    engine.follow_published()
    if not engine.ready:
        raise HTTPException(503, detail=f"index not ready: {engine.status}")
    return engine


ReadyEngine = Annotated[Engine, Depends(ready_engine)]


def require_admin(request: Request, state: State) -> None:
    token = state.settings.admin_token
    if token is None or not token.get_secret_value():
        raise HTTPException(403, detail="admin endpoints are disabled (set IPQA_ADMIN_TOKEN to enable them)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token_matches(given.strip(), token.get_secret_value()):
        raise HTTPException(401, detail="missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})


Admin = [Depends(require_admin)]
