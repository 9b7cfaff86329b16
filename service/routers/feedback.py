"""👍/👎 on an answer, with an optional comment: /v1/feedback."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.deps import State
from service.openapi import CLIENT_ERRORS, errors
from service.schemas import FeedbackRequest

router = APIRouter(tags=["feedback"])


@router.post("/v1/feedback", responses=errors(*CLIENT_ERRORS))
def post_feedback(req: FeedbackRequest, state: State) -> dict[str, Any]:
    cits = [c if isinstance(c, dict) else c.model_dump() for c in req.citations]
    row = state.feedback.add(req.question, req.answer, cits, req.rating, req.comment)
    state.metrics.feedback.labels(str(req.rating)).inc()
    return {"stored": True, "id": row}
