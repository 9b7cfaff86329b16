"""Questions: /v1/ask, its event stream, and the OpenAI-compatible /v1/chat/completions."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, StreamingResponse

from core.contracts import Answer
from retriever.query import QueryError
from service.answer import Event
from service.deps import ReadyEngine, State, ready_engine
from service.engine import NotReady
from service.openapi import CLIENT_ERRORS, errors, sse_content
from service.schemas import AskRequest, ChatCompletionRequest, ChatTurn
from service.state import AppState

router = APIRouter(tags=["ask"])


def _count(state: AppState, answer: Answer) -> None:
    state.metrics.answers.labels(answer.mode, answer.lang, str(answer.abstained).lower()).inc()


def answer_or_refuse(state: AppState, req: AskRequest) -> Answer:
    try:
        answer = state.service.ask(req)
    except QueryError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    except NotReady as exc:
        raise HTTPException(503, detail=str(exc)) from exc
    _count(state, answer)
    return answer


def events_or_refuse(state: AppState, req: AskRequest) -> Iterator[Event]:
    """The answer's events, with the first one taken already: bad input is a 4xx before the stream starts."""
    events = state.service.ask_stream(req)
    try:
        first = next(events)
    except QueryError as exc:
        raise HTTPException(422, detail=str(exc)) from exc

    def chained() -> Iterator[Event]:
        yield first
        for kind, payload in events:
            if isinstance(payload, Answer):
                _count(state, payload)
            yield kind, payload

    return chained()


@router.post("/v1/ask", response_model=Answer, responses=errors(*CLIENT_ERRORS, 503))
def ask(req: AskRequest, state: State, _: ReadyEngine) -> Answer:
    return answer_or_refuse(state, req)


@router.post("/v1/ask/stream", response_class=StreamingResponse, responses={
    **errors(*CLIENT_ERRORS, 503),
    200: {"description": "`token` events, then one `answer` event holding the Answer JSON",
          "content": sse_content({"enum": ["token", "answer"]})}})
def ask_stream(req: AskRequest, state: State, _: ReadyEngine) -> StreamingResponse:
    events = events_or_refuse(state, req)

    def sse() -> Iterator[str]:
        for kind, payload in events:
            data = payload.model_dump() if isinstance(payload, Answer) else {"text": payload}
            yield f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    return StreamingResponse(sse(), media_type="text/event-stream")


def chat_to_ask(req: ChatCompletionRequest) -> AskRequest:
    """OpenAI messages → our question + history. System messages are ignored: the bot's instructions are ours."""
    turns = [m for m in req.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        raise HTTPException(422, detail="the last message must be a non-empty user message")
    history = [ChatTurn(role=m.role, content=m.text()) for m in turns[:-1]]  # type: ignore[arg-type]
    return AskRequest(question=turns[-1].text(), history=history[-50:])


@router.post("/v1/chat/completions", response_model=None, responses={
    **errors(*CLIENT_ERRORS, 503),
    200: {"description": "A chat.completion object; with `stream: true`, chat.completion.chunk events",
          "content": {"application/json": {"schema": {"type": "object", "required": ["id", "object", "choices"]}},
                      **sse_content({"type": "string"})}}})
def chat_completions(req: ChatCompletionRequest, state: State) -> JSONResponse | StreamingResponse:
    """OpenAI-compatible: any OpenAI client or chat front end can use the bot. Citations ride in `citations`."""
    ask_req = chat_to_ask(req)  # a malformed conversation is a 422 even while no index is loaded
    ready_engine(state)
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def envelope(obj: str, choice: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"id": cid, "object": obj, "created": created, "model": req.model, "choices": [choice], **extra}

    if not req.stream:
        answer = answer_or_refuse(state, ask_req)
        message = {"role": "assistant", "content": answer.answer}
        body = envelope("chat.completion", {"index": 0, "message": message, "finish_reason": "stop"},
                        usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                        citations=[c.model_dump() for c in answer.citations],
                        ipqa={"abstained": answer.abstained, "grounded": answer.grounded, "lang": answer.lang,
                              "mode": answer.mode, "rewritten_query": answer.rewritten_query})
        return JSONResponse(body)
    events = events_or_refuse(state, ask_req)

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        data = envelope("chat.completion.chunk", {"index": 0, "delta": delta, "finish_reason": finish}, **extra)
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    def sse() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        for kind, payload in events:
            if kind == "token":
                yield chunk({"content": str(payload)})
            elif isinstance(payload, Answer):
                # Streamed tokens are the draft; the verifier may have dropped a sentence, so the final chunk
                # carries the verified answer and its citations.
                yield chunk({}, "stop", citations=[c.model_dump() for c in payload.citations],
                            ipqa={"answer": payload.answer, "abstained": payload.abstained,
                                  "grounded": payload.grounded, "lang": payload.lang})
        yield "data: [DONE]\n\n"

    return StreamingResponse(sse(), media_type="text/event-stream")
