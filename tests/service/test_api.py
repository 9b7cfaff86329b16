from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from service.api import create_app


@pytest.fixture(scope="module")
def client(built_settings, engine):  # type: ignore[no-untyped-def]
    with TestClient(create_app(built_settings, engine)) as c:
        yield c


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["chunks"] > 0


def test_search(client: TestClient) -> None:
    hits = client.post("/v1/search", json={"query": "ジャパンサーチ", "k": 3}).json()["hits"]
    assert len(hits) == 3 and "ジャパンサーチ" in hits[0]["text"]
    assert hits[0]["rank"] == 1 and hits[0]["end"] > hits[0]["start"]


def test_ask_japanese_cites_exact_span(client: TestClient, engine) -> None:  # type: ignore[no-untyped-def]
    body = client.post("/v1/ask", json={"question": "海賊版の被害額はどのくらい？"}).json()
    assert body["lang"] == "ja" and not body["abstained"] and body["grounded"]
    assert "[1]" in body["answer"] and "2兆円" in body["answer"]
    cit = body["citations"][0]
    doc = engine.current.index.documents[cit["doc_id"]].text
    assert doc[cit["start"] : cit["end"]] == cit["quote"]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"question": ""}, 422),
        ({"question": "   "}, 422),
        ({"question": "あ" * 2001}, 422),
        ({"question": 5}, 422),
        ({"question": "q", "unknown": 1}, 422),
        ({"question": "q", "k": 0}, 422),
    ],
)
def test_bad_input(client: TestClient, payload: dict, status: int) -> None:  # type: ignore[type-arg]
    r = client.post("/v1/ask", json=payload)
    assert r.status_code == status and "detail" in r.json()


def test_malformed_json_and_big_body(client: TestClient) -> None:
    r = client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = client.post("/v1/ask", content=b"x" * (1024 * 1024 + 10), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_stream_event_order(client: TestClient) -> None:
    with client.stream("POST", "/v1/ask/stream", json={"question": "IPASとは？"}) as r:
        text = "".join(r.iter_text())
    events = [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("event: ")]
    assert events[-1] == "answer" and set(events[:-1]) == {"token"}
    final = json.loads(text.strip().split("data: ")[-1])
    assert final["citations"]


def test_feedback_stored(client: TestClient) -> None:
    store = client.app.state.feedback  # type: ignore[attr-defined]
    before = store.count()
    r = client.post("/v1/feedback", json={"question": "q", "answer": "a", "citations": [], "rating": -1,
                                          "comment": "wrong"})
    assert r.status_code == 200 and store.count() == before + 1
    assert client.post("/v1/feedback", json={"question": "q", "answer": "a", "rating": 3}).status_code == 422


def test_documents(client: TestClient) -> None:
    docs = client.get("/v1/documents").json()["documents"]
    assert docs[0]["doc_id"] == "ipsp2024" and docs[0]["chunks"] > 10
    # Ids, titles and sizes; never where the server keeps its files.
    first = docs[0]
    assert first["title"] and first["chars"] > 1000 and first["file"].endswith((".md", ".txt"))
    assert "source" not in first and "/" not in first["file"]
    assert "/work" not in client.get("/v1/documents").text


def test_the_server_reads_the_bilingual_lexicon_before_serving(built_settings) -> None:  # type: ignore[no-untyped-def]
    """A server reads the lexicon and its nouns' readings while it starts, so the first question does not wait."""
    from fastapi.testclient import TestClient

    from service.api import create_app
    from service.engine import Engine

    engine = Engine(built_settings)
    with TestClient(create_app(built_settings, engine)):
        assert engine.current.retriever.term_stats._cross is not None
        assert engine.current.retriever.term_stats._kana is not None
