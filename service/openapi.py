"""What /openapi.json declares for refusals and event streams, so clients (and the schemathesis tests) can rely on it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str


class ErrorBody(BaseModel):
    """Every refusal: a message, or for a malformed request the list of problems found."""

    detail: str | list[ValidationIssue]


_ERROR_TEXT = {401: "Missing or wrong bearer token", 403: "Admin endpoints are disabled (no IPQA_ADMIN_TOKEN)",
               409: "A re-index is already running", 413: "Request body too large", 422: "Invalid request",
               429: "Rate limited; see Retry-After", 503: "No index loaded"}
CLIENT_ERRORS = (413, 422, 429)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorBody, "description": _ERROR_TEXT[c]} for c in codes}


def sse_content(event_names: dict[str, Any]) -> dict[str, Any]:
    # `itemSchema` describes one event, as FastAPI does for its own SSE routes.
    return {"text/event-stream": {"itemSchema": {
        "type": "object", "required": ["data"], "properties": {"event": event_names, "data": {"type": "string"}}}}}
