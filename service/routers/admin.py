"""Staff reading: stored feedback and the question log, as JSON or CSV (bearer token, like the other admin routes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field

from service.csv_export import MEDIA_TYPE, csv_bytes
from service.db import to_epoch
from service.deps import Admin, State
from service.feedback import FeedbackRecord
from service.openapi import errors
from service.question_log import QuestionRecord

router = APIRouter(tags=["admin"])

MAX_LIMIT = 1000  # one page of a staff review; a bigger export is a database dump, not an API call


class FeedbackList(BaseModel):
    feedback: list[FeedbackRecord]


class QuestionList(BaseModel):
    questions: list[QuestionRecord]
    retention_days: int = Field(description="How long questions are kept; 0: the question log is off.")


def _invalid(name: str, message: str) -> RequestValidationError:
    # The same 422 shape FastAPI gives for a parameter it validates itself.
    return RequestValidationError([{"loc": ("query", name), "msg": message, "type": "value_error"}])


def parse_since(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time; without a zone it is UTC, the zone every returned time is in."""
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        to_epoch(moment)  # a date at the edge of the calendar can fail to convert; say so here, not as a 500
    except (ValueError, OverflowError) as exc:
        raise _invalid("since", "expected an ISO 8601 date or date-time, e.g. 2025-04-01 or "
                                "2025-04-01T09:00:00+09:00") from exc
    return moment


Since = Annotated[str | None, Query(description="Only rows at or after this ISO 8601 date or date-time (UTC unless "
                                                "it names a zone)", examples=["2025-04-01", "2025-04-01T09:00+09:00"])]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many rows, newest first")]
Format = Annotated[Literal["json", "csv"], Query(alias="format", description="`csv`: UTF-8 with a BOM, header row")]


def _csv_response(kind: str, body: bytes) -> Response:
    name = f"ipqa-{kind}-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv"
    return Response(body, media_type=MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _responses(what: str) -> dict[int | str, dict[str, object]]:
    return {**errors(401, 403, 422, 429),
            200: {"description": f"{what}, newest first; with `format=csv` the same rows as CSV",
                  "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.get("/v1/admin/feedback", dependencies=Admin, response_model=FeedbackList, responses=_responses("Ratings"))
def admin_feedback(
    state: State,
    rating: Annotated[int | None, Query(ge=-1, le=1, description="1 (👍) or -1 (👎)")] = None,
    since: Since = None,
    limit: Limit = 100,
    fmt: Format = "json",
) -> FeedbackList | Response:
    if rating == 0:
        raise _invalid("rating", "expected 1 (👍) or -1 (👎)")
    rows = state.feedback.recent(rating=rating, since=parse_since(since), limit=limit)
    if fmt == "csv":
        return _csv_response("feedback", csv_bytes(FeedbackRecord, rows))
    return FeedbackList(feedback=rows)


@router.get("/v1/admin/questions", dependencies=Admin, response_model=QuestionList,
            responses=_responses("Answered questions"))
def admin_questions(
    state: State,
    abstained: Annotated[bool | None, Query(description="true: only questions the bot did not answer")] = None,
    since: Since = None,
    limit: Limit = 100,
    fmt: Format = "json",
) -> QuestionList | Response:
    rows = state.questions.recent(abstained=abstained, since=parse_since(since), limit=limit)
    if fmt == "csv":
        return _csv_response("questions", csv_bytes(QuestionRecord, rows))
    return QuestionList(questions=rows, retention_days=state.questions.retention_days)
