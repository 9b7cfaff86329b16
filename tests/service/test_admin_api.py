"""GET /v1/admin/feedback and /v1/admin/questions: the bearer token, the filters, JSON and CSV."""

from __future__ import annotations

import csv
import io
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from pydantic import SecretStr
from schemathesis.specs.openapi.checks import positive_data_acceptance

from core.settings import Settings
from service.api import create_app
from service.engine import Engine

TOKEN = "staff-token-for-admin-api-tests"
UNANSWERED = "東京の明日の天気を教えてください。"
PATHS = ("/v1/admin/feedback", "/v1/admin/questions")


def _auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _settings(built_settings: Settings, var: Path, token: str | None) -> Settings:
    return built_settings.model_copy(update={"var_dir": var, "index_dir": built_settings.resolved_index_dir,
                                             "rate_limit_per_minute": 0,
                                             "admin_token": SecretStr(token) if token else None})


@pytest.fixture(scope="module")
def client(built_settings: Settings, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(built_settings, tmp_path_factory.mktemp("admin-var"), TOKEN), engine)) as c:
        yield c


@pytest.fixture(scope="module")
def posted(client: TestClient) -> dict[str, str]:
    """A 👎 with a Japanese comment on an abstained question, and a 👍 on an answered one, all through the API."""
    comment = f"天気は対象外と明示してほしい {uuid.uuid4().hex[:6]}"
    abstained = client.post("/v1/ask", json={"question": UNANSWERED}).json()
    assert abstained["abstained"]
    r = client.post("/v1/feedback", json={"question": UNANSWERED, "answer": abstained["answer"], "rating": -1,
                                          "comment": comment})
    assert r.status_code == 200
    answered = client.post("/v1/ask", json={"question": "IPASとは何ですか？"}).json()
    assert not answered["abstained"]
    r = client.post("/v1/feedback", json={"question": "IPASとは何ですか？", "answer": answered["answer"], "rating": 1,
                                          "citations": answered["citations"]})
    assert r.status_code == 200
    return {"comment": comment, "answered_chunk": answered["citations"][0]["chunk_id"]}


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode()), "the BOM makes Excel read the file as UTF-8"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_refused_without_the_token(client: TestClient, posted: dict[str, str], path: str,
                                   headers: dict[str, str]) -> None:
    for query in ("", "?format=csv"):
        r = client.get(path + query, headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert posted["comment"] not in r.text and UNANSWERED not in r.text


@pytest.mark.parametrize("path", PATHS)
def test_disabled_without_an_admin_token_setting(built_settings: Settings, engine: Engine, tmp_path: Path,
                                                 path: str) -> None:
    with TestClient(create_app(_settings(built_settings, tmp_path / "var", None), engine)) as c:
        r = c.get(path, headers=_auth())
        assert r.status_code == 403 and "disabled" in r.json()["detail"]


def test_feedback_json_shows_the_comment(client: TestClient, posted: dict[str, str]) -> None:
    r = client.get("/v1/admin/feedback", headers=_auth())
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    rows = r.json()["feedback"]
    bad = [row for row in rows if row["comment"] == posted["comment"]]
    assert len(bad) == 1 and bad[0]["rating"] == -1 and bad[0]["question"] == UNANSWERED
    assert bad[0]["created"].endswith("Z")
    good = [row for row in rows if row["rating"] == 1]
    assert good and good[0]["chunk_ids"][0] == posted["answered_chunk"]
    # Only 👎:
    down = client.get("/v1/admin/feedback?rating=-1", headers=_auth()).json()["feedback"]
    assert {row["rating"] for row in down} == {-1} and posted["comment"] in {row["comment"] for row in down}


def test_questions_json_shows_the_abstention(client: TestClient, posted: dict[str, str]) -> None:
    body = client.get("/v1/admin/questions?abstained=true", headers=_auth()).json()
    assert body["retention_days"] == 90
    assert body["questions"] and all(q["abstained"] for q in body["questions"])
    assert UNANSWERED in [q["question"] for q in body["questions"]]
    answered = client.get("/v1/admin/questions?abstained=false", headers=_auth()).json()["questions"]
    assert "IPASとは何ですか？" in [q["question"] for q in answered] and UNANSWERED not in [q["question"] for q in answered]


def test_csv_keeps_japanese_and_has_a_header(client: TestClient, posted: dict[str, str]) -> None:
    r = client.get("/v1/admin/feedback?format=csv&rating=-1", headers=_auth())
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="ipqa-feedback-')
    rows = _csv_rows(r.content)
    assert list(rows[0]) == ["id", "created", "rating", "question", "answer", "comment", "chunk_ids"]
    [row] = [row for row in rows if row["comment"] == posted["comment"]]
    assert row["question"] == UNANSWERED and row["rating"] == "-1"

    r = client.get("/v1/admin/questions?format=csv&abstained=true", headers=_auth())
    rows = _csv_rows(r.content)
    assert list(rows[0]) == ["id", "created", "question", "lang", "abstained", "mode", "chunk_ids", "latency_ms"]
    [row] = [row for row in rows if row["question"] == UNANSWERED]
    assert row["abstained"] == "true" and row["lang"] == "ja" and row["chunk_ids"] == ""

    r = client.get("/v1/admin/questions?format=csv&abstained=false", headers=_auth())
    ipas = [row for row in _csv_rows(r.content) if row["question"] == "IPASとは何ですか？"]
    assert ipas and ipas[0]["chunk_ids"].split(" ")[0].startswith("ipsp2024")


def test_an_empty_csv_still_has_its_header(client: TestClient, posted: dict[str, str]) -> None:
    r = client.get("/v1/admin/questions?format=csv&since=2999-01-01", headers=_auth())
    assert r.content.decode("utf-8-sig").splitlines() == [
        "id,created,question,lang,abstained,mode,chunk_ids,latency_ms"]


def test_a_question_that_looks_like_a_formula_stays_text_in_csv(client: TestClient) -> None:
    comment = "=HYPERLINK(\"http://evil.example\",\"クリック\")"
    assert client.post("/v1/feedback", json={"question": "+1してください", "answer": "a", "rating": -1,
                                             "comment": comment}).status_code == 200
    rows = _csv_rows(client.get("/v1/admin/feedback?format=csv", headers=_auth()).content)
    [row] = [row for row in rows if row["question"] == "'+1してください"]
    assert row["comment"] == "'" + comment
    # JSON is for programs and keeps the text as it was sent.
    rows_json = client.get("/v1/admin/feedback", headers=_auth()).json()["feedback"]
    assert comment in [row["comment"] for row in rows_json]


def test_since_and_limit(client: TestClient, posted: dict[str, str]) -> None:
    every = client.get("/v1/admin/questions", headers=_auth()).json()["questions"]
    assert len(every) >= 2
    assert [q["id"] for q in every] == sorted((q["id"] for q in every), reverse=True), "newest first"
    assert client.get("/v1/admin/questions?limit=1", headers=_auth()).json()["questions"] == every[:1]
    for since in ("2000-01-01", "2000-01-01T00:00:00", "2000-01-01T09:00+09:00", "2000-01-01T00:00:00Z"):
        r = client.get("/v1/admin/questions", params={"since": since}, headers=_auth())
        assert len(r.json()["questions"]) == len(every), since
    assert client.get("/v1/admin/questions?since=2999-01-01", headers=_auth()).json()["questions"] == []
    newest = every[0]["created"]
    assert client.get("/v1/admin/questions", params={"since": newest}, headers=_auth()).json()["questions"][0][
        "id"] == every[0]["id"]


@pytest.mark.parametrize(("path", "query", "name"), [
    ("/v1/admin/feedback", "rating=0", "rating"),
    ("/v1/admin/feedback", "rating=2", "rating"),
    ("/v1/admin/feedback", "rating=up", "rating"),
    ("/v1/admin/questions", "abstained=maybe", "abstained"),
    ("/v1/admin/questions", "since=yesterday", "since"),
    ("/v1/admin/feedback", "since=2025-13-01", "since"),
    ("/v1/admin/feedback", "since=0001-01-01T00:00+01:00", "since"),
    ("/v1/admin/questions", "limit=0", "limit"),
    ("/v1/admin/questions", "limit=1001", "limit"),
    ("/v1/admin/questions", "limit=many", "limit"),
    ("/v1/admin/feedback", "format=xlsx", "format"),
])
def test_bad_filters_are_422_with_a_message(client: TestClient, path: str, query: str, name: str) -> None:
    r = client.get(f"{path}?{query}", headers=_auth())
    assert r.status_code == 422, r.text
    [issue] = r.json()["detail"]
    assert issue["loc"] == ["query", name] and issue["msg"]


def test_openapi_declares_csv_and_the_refusals(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in PATHS:
        op = spec["paths"][path]["get"]
        assert set(op["responses"]["200"]["content"]) == {"application/json", "text/csv"}
        assert {"401", "403", "422", "429"} <= set(op["responses"])
        assert {p["name"] for p in op["parameters"]} >= {"since", "limit", "format"}


# --- the spec, fuzzed with the token (the shared fuzz run has none, so it only ever sees the 403) --------------------------
def _admin_schema() -> Any:
    with tempfile.TemporaryDirectory() as var:
        document = create_app(Settings(var_dir=Path(var))).openapi()
    return schemathesis.openapi.from_dict(document).include(path=list(PATHS))


admin_schema = _admin_schema()


@admin_schema.parametrize()
@hypothesis.settings(max_examples=25, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_admin_reads_conform_to_their_schema(case: Any, client: TestClient, posted: dict[str, str]) -> None:
    # Schema-valid but refused by design: rating 0 and a `since` string that is no date (each a 422 with a message).
    response = case.call_and_validate(app=client.app, headers=_auth(), excluded_checks=[positive_data_acceptance])
    # 405: schemathesis also tries methods the path does not have. A 401 would mean the token never reached the app.
    assert response.status_code in (200, 405, 422), response.text[:200]
