"""What the page's buttons do, written against the service layer only (no Gradio), so it runs in plain tests.

The page calls the answer service and the feedback store in-process: the same objects the FastAPI app serves
``/v1/ask`` and ``/v1/feedback`` with, so the UI and the API never disagree.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from core.contracts import Answer
from core.logging import get_logger
from core.settings import Settings
from service.answer import AnswerService, QueryError
from service.engine import NotReady
from service.feedback import FeedbackStore
from service.schemas import AskRequest, FeedbackRequest
from ui.labels import UiLang, t
from ui.render import chat_escape, copy_text, display_messages, history_to_turns, sources_html

log = get_logger("ipqa.ui")

K_MAX = 10


@dataclass
class LastAnswer:
    """The answer the sources panel, the feedback buttons and the copy action refer to (the latest one)."""

    question: str
    answer: Answer


@dataclass
class Frame:
    """One update of the page while a question is answered."""

    messages: list[dict[str, str]]
    textbox: str
    sources: str
    notice: str
    last: LastAnswer | None
    done: bool = False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _validation_reason(exc: ValidationError) -> str:
    errors = exc.errors()
    return str(errors[0].get("msg", "invalid input")) if errors else "invalid input"


class UiController:
    def __init__(self, settings: Settings, service: AnswerService, feedback: FeedbackStore) -> None:
        self.settings = settings
        self.service = service
        self.feedback = feedback

    # --- what the page offers -----------------------------------------------------------------------------------------
    @property
    def llm_offered(self) -> bool:
        return self.settings.llm_configured

    @property
    def default_mode(self) -> str:
        return self.settings.answer_mode if self.llm_offered else "extractive"

    @property
    def default_k(self) -> int:
        return max(1, min(K_MAX, self.settings.k))

    def titles(self) -> dict[str, str]:
        engine = self.service.engine
        if not engine.ready:
            return {}
        return {doc_id: d.title for doc_id, d in engine.current.index.documents.items()}

    def status_notice(self, lang: UiLang) -> str:
        """The banner shown on page load: empty when questions can be answered."""
        # The reason (a server path, an embedder id) is for administrators: /readyz and the log carry it.
        return "" if self.service.engine.ready else t("not_ready", lang)

    def sources(self, last: LastAnswer | None, lang: UiLang) -> str:
        return sources_html(last.answer if last else None, lang, self.titles())

    # --- asking ---------------------------------------------------------------------------------------------------------
    def respond(
        self,
        question: str | None,
        history: Sequence[Any] | None,
        k: float | int | None,
        mode: str | None,
        lang: UiLang,
        last: LastAnswer | None,
    ) -> Iterator[Frame]:
        """Stream one exchange. On failure the question goes back into the text box and the chat is left as it was,
        so the conversation sent with the next follow-up holds only answered turns."""
        question = (question or "").strip()
        shown = display_messages(history)
        if not question:
            return
        turns = history_to_turns(history)
        requested_mode = mode if mode in ("extractive", "llm") and (mode != "llm" or self.llm_offered) else None

        def failed(notice: str) -> Frame:
            return Frame(shown, question, self.sources(last, lang), notice, last, done=True)

        if not self.service.engine.ready:
            yield failed(self.status_notice(lang))
            return
        try:
            req = AskRequest(
                question=question, history=turns, k=max(1, min(K_MAX, int(k or self.default_k))),
                mode=requested_mode, lang="auto",  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            yield failed(t("bad_question", lang).format(reason=_validation_reason(exc)))
            return

        asked = [*shown, {"role": "user", "content": chat_escape(question)}]

        def with_reply(text: str) -> list[dict[str, str]]:
            # A fresh list per frame: a frame may still be read after the next one is produced.
            return [*asked, {"role": "assistant", "content": chat_escape(text)}]

        loading = f'<div class="ipqa-sources"><p class="ipqa-empty">{html.escape(t("sources_loading", lang))}</p></div>'
        yield Frame(with_reply(""), "", loading, "", last)
        streamed = ""
        answer: Answer | None = None
        try:
            for kind, payload in self.service.ask_stream(req):
                if kind == "token":
                    streamed += str(payload)
                    yield Frame(with_reply(streamed), "", loading, "", last)
                elif isinstance(payload, Answer):
                    answer = payload
        except QueryError as exc:
            yield failed(t("bad_question", lang).format(reason=_first_line(exc)))
            return
        except NotReady:
            yield failed(self.status_notice(lang) or t("error", lang))
            return
        except Exception:  # noqa: BLE001 - the page must say something rather than hang; details go to the log
            log.exception("ui_answer_failed")
            yield failed(t("error", lang))
            return
        if answer is None:
            yield failed(t("error", lang))
            return
        # The verified text replaces the stream: verification may drop sentences an LLM produced.
        notice = t("llm_down", lang) if req.mode == "llm" and answer.mode != "llm" else ""
        new_last = LastAnswer(question, answer)
        yield Frame(with_reply(answer.answer), "", self.sources(new_last, lang), notice, new_last, done=True)

    # --- answer actions -------------------------------------------------------------------------------------------------
    def rate(self, rating: int, comment: str | None, last: LastAnswer | None, lang: UiLang) -> str:
        """Store 👍/👎 with the same validation as ``POST /v1/feedback`` and in the same store."""
        if last is None:
            return t("feedback_nothing", lang)
        try:
            req = FeedbackRequest(
                question=last.question, answer=last.answer.answer, citations=last.answer.citations,
                rating=rating, comment=(comment or "").strip() or None,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            return t("feedback_invalid", lang).format(reason=_validation_reason(exc))
        cits = [c if isinstance(c, dict) else c.model_dump() for c in req.citations]
        row = self.feedback.add(req.question, req.answer, cits, req.rating, req.comment)
        return t("feedback_saved", lang).format(id=row)

    def copy(self, last: LastAnswer | None, lang: UiLang) -> str:
        if last is None:
            return t("copy_nothing", lang)
        return copy_text(last.answer, self.titles())
