"""The page's actions against the real answer service and feedback store (no browser, no Gradio)."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from service.answer import AnswerService
from service.engine import Engine
from service.feedback import FeedbackStore
from service.schemas import AskRequest
from ui.controller import Frame, LastAnswer, UiController
from ui.labels import EXAMPLES, t


@pytest.fixture(scope="module")
def service(engine: Engine) -> AnswerService:
    return AnswerService(engine)


@pytest.fixture()
def ctrl(built_settings: Settings, service: AnswerService, tmp_path: Path) -> UiController:
    return UiController(built_settings, service, FeedbackStore(tmp_path / "feedback.sqlite3"))


def run(ctrl: UiController, question: str, history: list[Any] | None = None, **kw: Any) -> list[Frame]:
    args: dict[str, Any] = {"k": 5, "mode": "extractive", "lang": "ja", "last": None}
    args.update(kw)
    return list(ctrl.respond(question, history or [], args["k"], args["mode"], args["lang"], args["last"]))


def test_respond_streams_then_shows_answer_and_sources(ctrl: UiController) -> None:
    frames = run(ctrl, "スタートアップ向けの知財支援は？")
    assert len(frames) > 3, "the answer should arrive in several streamed frames"
    assert frames[0].textbox == "" and frames[0].messages[-2] == {"role": "user", "content": "スタートアップ向けの知財支援は？"}
    growing = [len(f.messages[-1]["content"]) for f in frames[1:-1]]
    assert growing == sorted(growing) and growing[0] < growing[-1]
    final = frames[-1]
    assert final.done and final.notice == "" and final.last is not None
    text = final.messages[-1]["content"]
    assert "IPAS" in text and "[1]" in text
    assert "<mark>" in final.sources and "知財活用を支える人材基盤の強化" in final.sources
    assert final.last.question == "スタートアップ向けの知財支援は？" and final.last.answer.citations


def test_follow_up_sends_history_from_gradio6_messages(ctrl: UiController, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[AskRequest] = []
    original = ctrl.service.ask_stream

    def spy(req: AskRequest):  # type: ignore[no-untyped-def]
        seen.append(req)
        return original(req)

    monkeypatch.setattr(ctrl.service, "ask_stream", spy)
    first = run(ctrl, "IPASとは何ですか？")[-1]
    # What the Chatbot component hands back in Gradio 6: content as a list of text parts.
    history = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in first.messages]
    final = run(ctrl, "それは誰が実施していますか？", history, last=first.last)[-1]
    assert [turn.role for turn in seen[1].history] == ["user", "assistant"]
    assert seen[1].history[0].text() == "IPASとは何ですか？"
    assert final.last is not None and "IPASとは何ですか？" in (final.last.answer.rewritten_query or "")
    assert len(final.messages) == 4


def test_blank_question_does_nothing(ctrl: UiController) -> None:
    assert run(ctrl, "   ") == []


def test_too_long_question_is_explained_and_kept(ctrl: UiController) -> None:
    final = run(ctrl, "あ" * 2500, lang="en")[-1]
    assert final.notice.startswith("⚠️ This question cannot be processed") and "2000" in final.notice
    assert final.textbox == "あ" * 2500 and final.messages == [] and final.last is None


def test_missing_index_gives_clear_message(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "empty-var")
    engine = Engine(settings)  # never loaded: the state of a server started before any ingest
    ctrl = UiController(settings, AnswerService(engine), FeedbackStore(tmp_path / "fb.sqlite3"))
    assert "ipqa ingest" in ctrl.status_notice("en")
    assert "ipqa ingest" in ctrl.status_notice("ja")
    frames = run(ctrl, "IPASとは？", [{"role": "user", "content": "earlier"}])
    assert len(frames) == 1
    assert frames[0].notice == ctrl.status_notice("ja")
    assert frames[0].textbox == "IPASとは？" and frames[0].messages == [{"role": "user", "content": "earlier"}]


def test_unreachable_llm_falls_back_with_notice(built_settings: Settings, engine: Engine, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on: connection refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = built_settings.model_copy(update={"llm_base_url": f"http://127.0.0.1:{port}/v1", "llm_timeout_s": 5.0})
    llm_engine = Engine(settings, embedder=engine.embedder)
    llm_engine.load()
    ctrl = UiController(settings, AnswerService(llm_engine), FeedbackStore(tmp_path / "fb.sqlite3"))
    assert ctrl.llm_offered
    final = run(ctrl, "海賊版の被害額はどのくらい？", mode="llm", lang="en")[-1]
    assert final.notice == t("llm_down", "en")
    assert final.last is not None and final.last.answer.mode == "extractive"
    assert "2兆円" in final.messages[-1]["content"]


def test_llm_mode_not_offered_without_configuration(ctrl: UiController) -> None:
    assert not ctrl.llm_offered and ctrl.default_mode == "extractive"
    final = run(ctrl, "海賊版の被害額はどのくらい？", mode="llm")[-1]
    assert final.notice == "" and final.last is not None and final.last.answer.mode == "extractive"


def test_rating_is_stored_with_comment(ctrl: UiController, tmp_path: Path) -> None:
    assert ctrl.rate(1, "", None, "en") == t("feedback_nothing", "en")
    last = run(ctrl, "IPASとは何ですか？")[-1].last
    assert isinstance(last, LastAnswer)
    status = ctrl.rate(-1, "  引用が古い  ", last, "ja")
    assert status == t("feedback_saved", "ja").format(id=1)
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        rows = db.execute("SELECT question, answer, citations, rating, comment FROM feedback").fetchall()
    assert len(rows) == 1
    question, answer, citations, rating, comment = rows[0]
    assert (question, rating, comment) == ("IPASとは何ですか？", -1, "引用が古い")
    assert answer == last.answer.answer and json.loads(citations)[0]["chunk_id"] == last.answer.citations[0].chunk_id
    assert ctrl.rate(1, "x" * 6000, last, "en").startswith("The feedback could not be saved")


def test_copy_uses_document_title(ctrl: UiController) -> None:
    assert ctrl.copy(None, "ja") == t("copy_nothing", "ja")
    last = run(ctrl, "海賊版の被害額はどのくらい？")[-1].last
    text = ctrl.copy(last, "en")
    assert "[1] 知的財産推進計画2024 (ipsp2024) > 3 知的財産推進計画2024の重点施策" in text and "2兆円" in text


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_example_question_is_answered(service: AnswerService, lang: str) -> None:
    for question in EXAMPLES[lang]:  # type: ignore[index]
        answer = service.ask(AskRequest(question=question))
        assert not answer.abstained and answer.citations, question
        assert answer.lang == lang, question
