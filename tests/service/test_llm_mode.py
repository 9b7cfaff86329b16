"""Generative mode against a stub OpenAI-compatible server: streaming, verification, and fallback on failure."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from core.settings import Settings
from service.answer import AnswerService
from service.engine import Engine
from service.schemas import AskRequest, ChatTurn
from tests.service.stub_llm import StubLLM


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubLLM]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    with StubLLM() as s:
        yield s


def _service(built_settings: Settings, engine: Engine, url: str, timeout: float = 10.0) -> AnswerService:
    settings = built_settings.model_copy(update={"llm_base_url": url, "llm_model": "stub", "llm_timeout_s": timeout})
    e = Engine(settings, embedder=engine.embedder)
    e.load()
    return AnswerService(e)


def test_llm_answer_streams_and_is_verified(built_settings, engine, stub: StubLLM) -> None:  # type: ignore[no-untyped-def]
    svc = _service(built_settings, engine, stub.url)
    events = list(svc.ask_stream(AskRequest(question="スタートアップ向けの知財支援は？", mode="llm")))
    kinds = [k for k, _ in events]
    assert kinds[-1] == "answer" and kinds.count("answer") == 1 and kinds.count("token") >= 2
    answer = events[-1][1]
    assert answer.mode == "llm" and answer.grounded and not answer.abstained  # type: ignore[union-attr]
    assert "[1]" in answer.answer and answer.citations[0].quote in answer.citations[0].text  # type: ignore[union-attr]
    prompt = stub.requests[-1]
    assert prompt["stream"] is True and prompt["model"] == "stub"
    assert "Answer in Japanese" in prompt["messages"][0]["content"]
    assert "[1] (" in prompt["messages"][-1]["content"]


def test_invented_figure_is_removed(built_settings, engine, stub: StubLLM) -> None:  # type: ignore[no-untyped-def]
    stub.behaviour = "invent"
    answer = _service(built_settings, engine, stub.url).ask(AskRequest(question="スタートアップ向けの知財支援は？", mode="llm"))
    assert "987" not in answer.answer
    assert any("removed" in n for n in answer.notes)


@pytest.mark.parametrize(("behaviour", "question", "lang"), [
    ("refuse", "What IP help can startups get?", "en"),
    ("refuse_ja", "スタートアップ向けの知財支援は？", "ja"),
])
def test_model_refusal_becomes_abstention(built_settings, engine, stub: StubLLM, behaviour: str, question: str,  # type: ignore[no-untyped-def]
                                          lang: str) -> None:
    stub.behaviour = behaviour
    answer = _service(built_settings, engine, stub.url).ask(AskRequest(question=question, mode="llm"))
    assert answer.abstained and answer.lang == lang and not answer.citations


def test_near_miss_question_abstains_before_calling_the_model(built_settings, engine, stub: StubLLM) -> None:  # type: ignore[no-untyped-def]
    answer = _service(built_settings, engine, stub.url).ask(AskRequest(question="IPASの応募締切はいつですか？", mode="llm"))
    assert answer.abstained and not stub.requests


@pytest.mark.parametrize("behaviour", ["hang", "garbage"])
def test_failing_llm_falls_back_to_extractive(built_settings, engine, stub: StubLLM, behaviour: str) -> None:  # type: ignore[no-untyped-def]
    stub.behaviour = behaviour
    svc = _service(built_settings, engine, stub.url, timeout=2.0)
    t0 = time.monotonic()
    answer = svc.ask(AskRequest(question="スタートアップ向けの知財支援は？", mode="llm"))
    assert time.monotonic() - t0 < 15
    assert answer.mode == "extractive" and "IPAS" in answer.answer
    assert any("LLM unavailable" in n for n in answer.notes)


def test_llm_rewrites_follow_up(built_settings, engine, stub: StubLLM) -> None:  # type: ignore[no-untyped-def]
    svc = _service(built_settings, engine, stub.url)
    history = [ChatTurn(role="user", content="IPASとは？"), ChatTurn(role="assistant", content="特許庁のプログラムです。")]
    answer = svc.ask(AskRequest(question="それは誰が？", history=history, mode="llm"))
    assert answer.rewritten_query == "IPASは誰が実施していますか"


def test_llm_mode_without_server_says_so(built_settings, engine) -> None:  # type: ignore[no-untyped-def]
    answer = AnswerService(engine).ask(AskRequest(question="IPASとは？", mode="llm"))
    assert answer.mode == "extractive" and any("no LLM configured" in n for n in answer.notes)
