"""/v1/chat/completions used by the official openai client over real HTTP, streaming and not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openai import OpenAI

from service.api import create_app
from tests.service.conftest import LiveServer


@pytest.fixture(scope="module")
def server(built_settings, engine) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with LiveServer(create_app(built_settings, engine)) as live:
        yield live


def _client(server: LiveServer) -> OpenAI:
    return OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, timeout=60)


def test_openai_client_gets_a_cited_answer(server: LiveServer) -> None:
    resp = _client(server).chat.completions.create(
        model="ipqa", messages=[{"role": "system", "content": "be brief"},
                                {"role": "user", "content": "スタートアップ向けの知財支援は？"}])
    content = resp.choices[0].message.content or ""
    assert "IPAS" in content and "[1]" in content
    assert resp.choices[0].finish_reason == "stop"
    extra = resp.model_extra or {}
    citations = extra["citations"]
    assert citations and citations[0]["n"] == 1 and citations[0]["quote"] in citations[0]["text"]
    assert extra["ipqa"]["lang"] == "ja" and extra["ipqa"]["abstained"] is False


def test_openai_client_streaming(server: LiveServer) -> None:
    stream = _client(server).chat.completions.create(
        model="ipqa", stream=True, messages=[{"role": "user", "content": "What IP help can startups get from the JPO?"}])
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "IPAS" in text and "[1]" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert (last.model_extra or {})["citations"]


def test_follow_up_through_message_history(server: LiveServer) -> None:
    resp = _client(server).chat.completions.create(model="ipqa", messages=[
        {"role": "user", "content": "IPASとは何ですか？"},
        {"role": "assistant", "content": "特許庁の知財アクセラレーションプログラムです。[1]"},
        {"role": "user", "content": "それは誰が実施していますか？"},
    ])
    rewritten = (resp.model_extra or {})["ipqa"]["rewritten_query"]
    assert rewritten and "IPAS" in rewritten


@pytest.mark.parametrize("messages", [
    [{"role": "system", "content": "only a system message"}],
    [{"role": "user", "content": "   "}],
    [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
])
def test_chat_completions_bad_messages(server: LiveServer, messages: list[dict[str, str]]) -> None:
    import httpx

    r = httpx.post(server.url + "/v1/chat/completions", json={"model": "ipqa", "messages": messages}, timeout=30)
    assert r.status_code == 422 and r.json()["detail"]
