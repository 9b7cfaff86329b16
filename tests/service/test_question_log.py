"""The question log: what a row holds, retention, and that every way of asking (the HTTP routes and the Gradio page's
controller) is recorded exactly once through the one answer service the app holds."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from core.contracts import Answer, Citation
from core.settings import Settings
from service.answer import AnswerService
from service.api import create_app
from service.db import Database
from service.engine import Engine
from service.feedback import FeedbackStore
from service.question_log import DAY_S, LoggedAnswerService, QuestionLog
from service.state import AppState
from ui.controller import UiController

ANSWERED = "海賊版の被害額はどのくらい？"
UNANSWERED = "東京の明日の天気を教えてください。"


class Clock:
    """A settable time source, so retention is tested in days without waiting days."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _answer(abstained: bool = False, chunk_ids: tuple[str, ...] = ("doc#1",)) -> Answer:
    cits = [Citation(n=i + 1, chunk_id=c, doc_id="doc", section_path=[], quote="q", start=0, end=1, text="q")
            for i, c in enumerate(chunk_ids)]
    return Answer(answer="a", lang="ja", abstained=abstained, grounded=not abstained, mode="extractive",
                  citations=[] if abstained else cits)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.sqlite_file(tmp_path / "var" / "feedback.sqlite3")
    yield database
    database.dispose()


# --- the store --------------------------------------------------------------------------------------------------------
def test_a_row_holds_what_was_asked_and_nothing_about_who(db: Database) -> None:
    log = QuestionLog(db, 90, clock=Clock(1_750_000_000.0))
    row_id = log.record("IPASとは？", _answer(chunk_ids=("ipsp2024#12", "ipsp2024#40")), 123.456)
    [rec] = log.recent()
    assert rec.id == row_id and rec.question == "IPASとは？" and rec.lang == "ja" and rec.mode == "extractive"
    assert rec.abstained is False and rec.chunk_ids == ["ipsp2024#12", "ipsp2024#40"] and rec.latency_ms == 123.46
    assert rec.created == datetime.fromtimestamp(1_750_000_000.0, UTC)
    columns = {c["name"] for c in inspect(db.engine).get_columns("questions")}
    assert columns == {"id", "created", "question", "lang", "abstained", "mode", "chunk_ids", "latency_ms"}


def test_rows_past_the_retention_are_pruned(db: Database) -> None:
    clock = Clock(1_750_000_000.0)
    log = QuestionLog(db, 90, clock=clock)
    log.record("old", _answer(), 1.0)
    clock.now += 30 * DAY_S
    log.record("recent", _answer(), 1.0)
    clock.now += 61 * DAY_S  # "old" is now 91 days old, "recent" 61
    log.record("new", _answer(), 1.0)
    assert [r.question for r in log.recent()] == ["new", "recent"]
    # A restart prunes too, without waiting for the next question.
    clock.now += 40 * DAY_S
    assert QuestionLog(db, 90, clock=clock).recent()[0].question == "new"
    assert [r.question for r in QuestionLog(db, 90, clock=clock).recent()] == ["new"]


def test_zero_days_turns_the_log_off_and_leaves_stored_rows_alone(db: Database) -> None:
    QuestionLog(db, 90).record("stored earlier", _answer(), 1.0)
    off = QuestionLog(db, 0)
    assert not off.enabled
    assert off.record("not recorded", _answer(), 1.0) is None
    # Another machine on the same database may still keep its log: switching one off deletes nothing.
    assert off.prune() == 0
    assert [r.question for r in QuestionLog(db, 90).recent()] == ["stored earlier"]


def test_filters_and_order(db: Database) -> None:
    clock = Clock(datetime(2025, 4, 1, 12, tzinfo=UTC).timestamp())
    log = QuestionLog(db, 90, clock=clock)
    for i in range(5):
        log.record(f"q{i}", _answer(abstained=i % 2 == 1), 1.0)
        clock.now += DAY_S
    assert [r.question for r in log.recent()] == ["q4", "q3", "q2", "q1", "q0"]
    assert [r.question for r in log.recent(abstained=True)] == ["q3", "q1"]
    assert [r.question for r in log.recent(abstained=False, limit=2)] == ["q4", "q2"]
    assert [r.question for r in log.recent(since=datetime(2025, 4, 3, tzinfo=UTC))] == ["q4", "q3", "q2"]
    # A date-time without a zone is UTC; one with a zone is converted (09:00 JST is 00:00 UTC).
    assert [r.question for r in log.recent(since=datetime(2025, 4, 4, 12))] == ["q4", "q3"]
    jst = datetime(2025, 4, 5, 9, 0, tzinfo=timezone(timedelta(hours=9)))  # 2025-04-05 00:00 UTC
    assert [r.question for r in log.recent(since=jst)] == ["q4"]
    days = log.per_day(datetime(2025, 4, 2, tzinfo=UTC))
    assert [(d.day.isoformat(), d.asked, d.abstained) for d in days] == [
        ("2025-04-02", 1, 1), ("2025-04-03", 1, 0), ("2025-04-04", 1, 1), ("2025-04-05", 1, 0)]


def test_feedback_store_keeps_an_existing_file_of_the_original_store(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as conn:  # the schema the SQLite-only store created
        conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY, created REAL, question TEXT, answer TEXT, "
                     "citations TEXT, rating INTEGER, comment TEXT)")
        conn.execute("INSERT INTO feedback (created, question, answer, citations, rating, comment) VALUES "
                     "(1700000000.0, '古い質問', '古い回答', '[{\"chunk_id\": \"ipsp2024#3\"}]', -1, '古いコメント')")
    conn.close()
    store = FeedbackStore(path)
    assert store.count() == 1
    new_id = store.add("新しい質問", "回答", [{"chunk_id": "ipsp2024#9", "n": 1}, {"n": 2}], 1, None)
    assert new_id == 2 and store.count() == 2
    recent = store.recent()
    assert [(r.question, r.rating, r.chunk_ids) for r in recent] == [
        ("新しい質問", 1, ["ipsp2024#9"]), ("古い質問", -1, ["ipsp2024#3"])]
    assert recent[1].comment == "古いコメント"
    assert [r.question for r in store.recent(rating=-1)] == ["古い質問"]
    store.db.dispose()


# --- recording through the app ------------------------------------------------------------------------------------------
def _settings(built_settings: Settings, var: Path, **update: object) -> Settings:
    return built_settings.model_copy(update={"var_dir": var, "index_dir": built_settings.resolved_index_dir,
                                             "rate_limit_per_minute": 0, **update})


@pytest.fixture(scope="module")
def client(built_settings: Settings, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(_settings(built_settings, tmp_path_factory.mktemp("qlog-var")), engine)
    with TestClient(app) as c:
        yield c


def _state(client: TestClient) -> AppState:
    state: AppState = client.app.state.ipqa  # type: ignore[attr-defined]
    return state


def _new_rows(client: TestClient, since_id: int) -> list[dict[str, object]]:
    return [r.model_dump() for r in reversed(_state(client).questions.recent(limit=1000)) if r.id > since_id]


def _last_id(client: TestClient) -> int:
    rows = _state(client).questions.recent(limit=1)
    return rows[0].id if rows else 0


def test_ask_records_one_row_with_the_answers_citations(client: TestClient) -> None:
    before = _last_id(client)
    body = client.post("/v1/ask", json={"question": ANSWERED}).json()
    [row] = _new_rows(client, before)
    assert row["question"] == ANSWERED and row["lang"] == "ja" and row["abstained"] is False
    assert row["mode"] == body["mode"] == "extractive"
    assert row["chunk_ids"] == [c["chunk_id"] for c in body["citations"]] and row["chunk_ids"]
    assert row["latency_ms"] == body["timings_ms"]["total"] and body["timings_ms"]["total"] > 0


def test_an_abstention_is_recorded_as_one(client: TestClient) -> None:
    before = _last_id(client)
    body = client.post("/v1/ask", json={"question": UNANSWERED}).json()
    assert body["abstained"]
    [row] = _new_rows(client, before)
    assert row["question"] == UNANSWERED and row["abstained"] is True and row["chunk_ids"] == []


def test_stream_and_chat_completions_are_recorded_once_each(client: TestClient) -> None:
    before = _last_id(client)
    with client.stream("POST", "/v1/ask/stream", json={"question": "IPASとは？"}) as r:
        assert "event: answer" in "".join(r.iter_text())
    r = client.post("/v1/chat/completions", json={"model": "ipqa", "messages": [
        {"role": "user", "content": "What is IPAS?"}]})
    assert r.status_code == 200
    rows = _new_rows(client, before)
    assert [(row["question"], row["lang"]) for row in rows] == [("IPASとは？", "ja"), ("What is IPAS?", "en")]


def test_the_web_pages_questions_go_through_the_same_log(client: TestClient, built_settings: Settings) -> None:
    # ui/web.py builds its controller from app.state.service: the object the routes use.
    app_state = client.app.state  # type: ignore[attr-defined]
    assert isinstance(app_state.service, LoggedAnswerService) and app_state.service is _state(client).service
    ctrl = UiController(built_settings, app_state.service, app_state.feedback)
    before = _last_id(client)
    frames = list(ctrl.respond("スタートアップ向けの知財支援は？", [], 5, "extractive", "ja", None))
    assert frames[-1].last is not None
    [row] = _new_rows(client, before)
    assert row["question"] == "スタートアップ向けの知財支援は？"
    assert row["chunk_ids"] == [c.chunk_id for c in frames[-1].last.answer.citations]


def test_refused_input_is_not_an_answered_question(client: TestClient) -> None:
    before = _last_id(client)
    assert client.post("/v1/ask", json={"question": "   "}).status_code == 422
    assert client.post("/v1/ask", json={"question": "あ" * 2001}).status_code == 422
    assert _new_rows(client, before) == []


def test_log_off_means_no_recording_at_all(built_settings: Settings, engine: Engine, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(built_settings, tmp_path / "var", question_log_days=0), engine)) as c:
        state: AppState = c.app.state.ipqa  # type: ignore[attr-defined]
        assert type(state.service) is AnswerService
        assert c.post("/v1/ask", json={"question": UNANSWERED}).status_code == 200
        assert state.questions.recent() == []
        r = c.get("/v1/admin/questions")
        assert r.status_code == 403  # no admin token in these settings either


def test_a_broken_log_does_not_cost_the_inquirer_the_answer(built_settings: Settings, engine: Engine,
                                                            tmp_path: Path) -> None:
    settings = _settings(built_settings, tmp_path / "var")
    with TestClient(create_app(settings, engine)) as c:
        with sqlite3.connect(settings.var_dir / "feedback.sqlite3") as conn:
            conn.execute("DROP TABLE questions")  # a real failure: every insert now raises
        conn.close()
        r = c.post("/v1/ask", json={"question": UNANSWERED})
        assert r.status_code == 200 and r.json()["abstained"]


def test_timestamps_are_utc(db: Database) -> None:
    log = QuestionLog(db, 90)
    log.record("q", _answer(), None)
    [rec] = log.recent()
    assert rec.created.tzinfo is not None and rec.created.utcoffset() == timedelta(0)
    assert abs((datetime.now(UTC) - rec.created).total_seconds()) < 60
    assert json.loads(rec.model_dump_json())["created"].endswith("Z")


def test_a_rows_own_shown_time_as_since_includes_it(db: Database) -> None:
    # Stored times carry more digits than the microseconds shown; this one rounds up when shown.
    log = QuestionLog(db, 90, clock=Clock(1_750_000_000.1234567))
    log.record("q", _answer(), 1.0)
    [rec] = log.recent()
    assert rec.created.microsecond == 123457
    assert [r.question for r in log.recent(since=rec.created)] == ["q"]
    assert log.recent(since=rec.created + timedelta(microseconds=1)) == []
