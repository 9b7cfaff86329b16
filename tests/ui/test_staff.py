"""The staff page's logic without a browser: the token check, grouping unanswered questions, what a view holds, and
that the page and the public chat are both served once mounted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from core.contracts import Answer
from core.settings import Settings
from service.db import Database
from service.engine import Engine
from service.feedback import FeedbackStore
from service.question_groups import SIMILAR_QUESTION_MIN, group_questions, group_similar, question_key
from service.question_log import QuestionLog, QuestionRecord
from ui.staff import StaffDesk

NOW = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)


def _unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_group_similar_joins_at_the_cut_and_not_below() -> None:
    a = _unit(1, 0, 0)
    close = _unit(1, 0.3, 0)  # cosine 0.958 with a
    far = _unit(0, 1, 0)
    assert group_similar(np.stack([a, close, far]), cut=0.95) == [[0, 1], [2]]
    assert group_similar(np.stack([a, close, far]), cut=0.96) == [[0], [1], [2]]
    assert group_similar(np.zeros((0, 3), dtype=np.float32)) == []


def _record(i: int, question: str, minutes: int = 0) -> QuestionRecord:
    return QuestionRecord(id=i, created=NOW + timedelta(minutes=minutes), question=question, lang="ja", abstained=True,
                          mode="extractive", chunk_ids=[], latency_ms=1.0)


def test_rewordings_group_together_and_unrelated_questions_stay_apart(engine: Engine) -> None:
    """With the real embedder and SIMILAR_QUESTION_MIN: hand-written questions, none from any evaluation set."""
    records = [
        _record(1, "駐車場はありますか？"), _record(2, "駐車場は利用できますか"), _record(3, "駐車場はありますか?", 5),
        _record(4, "火星の首都はどこですか？"), _record(5, "火星の首都を教えて", 9),
        _record(6, "ラーメンの美味しい店は？"),
    ]

    def encode(texts: list[str]) -> np.ndarray:
        return engine.embedder.encode(texts, is_query=True)

    groups = group_questions(records, encode, SIMILAR_QUESTION_MIN)
    assert [g.size for g in groups] == [3, 2, 1]
    parking, mars, ramen = groups
    # Identical up to character width (？ and ?) is one wording, counted twice; the most asked wording comes first.
    assert parking.questions == [("駐車場はありますか？", 2), ("駐車場は利用できますか", 1)]
    assert {q for q, _ in mars.questions} == {"火星の首都はどこですか？", "火星の首都を教えて"}
    assert mars.last_asked == NOW + timedelta(minutes=9)
    assert ramen.questions == [("ラーメンの美味しい店は？", 1)]
    # Without an embedder only identical wordings are merged.
    assert [g.size for g in group_questions(records, None)] == [2, 1, 1, 1, 1]


def test_question_key_ignores_width_case_and_spacing() -> None:
    assert question_key("ＩＰＡＳ とは？") == question_key("ipas  とは?") == "ipas とは?"


@pytest.fixture
def desk(built_settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[StaffDesk]:
    settings = built_settings.model_copy(update={"admin_token": SecretStr("desk-token")})
    db = Database.sqlite_file(tmp_path / "feedback.sqlite3")
    clock = [NOW.timestamp()]
    questions = QuestionLog(db, 90, clock=lambda: clock[0])
    feedback = FeedbackStore(db, clock=lambda: clock[0])
    for day, (question, abstained) in enumerate([("IPASとは？", False), ("天気は？", True), ("天気は?", True)]):
        clock[0] = (NOW - timedelta(days=2 - day)).timestamp()
        questions.record(question, Answer(answer="a", lang="ja", abstained=abstained, grounded=not abstained,
                                          mode="extractive"), 5.0)
    feedback.add("天気は？", "記載がありません", [], -1, "=SUM(A1) 天気も答えてほしい")
    feedback.add("IPASとは？", "IPASは…", [], 1, None)
    yield StaffDesk(settings, feedback, questions, engine)
    db.dispose()


def test_the_token_is_checked_exactly(desk: StaffDesk, built_settings: Settings) -> None:
    assert desk.enabled and desk.authorized("desk-token") and desk.authorized(" desk-token ")
    assert not desk.authorized(None) and not desk.authorized("") and not desk.authorized("desk-toke")
    off = StaffDesk(built_settings.model_copy(update={"admin_token": None}), desk.feedback, desk.questions,
                    desk.engine)
    assert not off.enabled and not off.authorized("desk-token") and not off.authorized("")


def test_a_view_holds_the_counts_complaints_groups_and_csv(desk: StaffDesk) -> None:
    view = desk.view(7, "ja", now=NOW)
    assert view.summary.startswith("過去7日: 質問 3 件(うち未回答 2 件)、👎 1 件")
    assert len(view.per_day) == 14 and set(view.per_day["series"]) == {"回答", "未回答"}  # 7 days x 2 series
    counts = view.per_day.groupby("series")["count"].sum().to_dict()
    assert counts == {"回答": 1, "未回答": 2}
    assert view.down_per_day["count"].sum() == 1 and view.down_per_day["day"].iloc[-1] == "2025-04-10"
    assert view.complaints.columns.tolist() == ["日時(UTC)", "質問", "コメント", "回答"]
    assert view.complaints.iloc[0]["コメント"] == "=SUM(A1) 天気も答えてほしい"
    # The two ways of writing 天気は？ are one question asked twice.
    assert view.groups.count('class="ipqa-group"') == 1 and "2 件" in view.groups
    questions_csv = view.questions_csv.read_bytes()
    assert questions_csv.startswith("\ufeff".encode()) and "天気は".encode() in questions_csv
    assert "'=SUM(A1) 天気も答えてほしい".encode() in view.feedback_csv.read_bytes()
    english = desk.view(7, "en", now=NOW)
    assert "3 asked, 2 of them unanswered; 1 👎" in english.summary and "Comment" in english.complaints.columns


def test_the_period_is_bounded_by_the_retention(desk: StaffDesk) -> None:
    assert desk.max_days == 90
    assert len(desk.view(10_000, "ja", now=NOW).down_per_day) == 90
    assert len(desk.view(0, "ja", now=NOW).down_per_day) == 1


def test_both_pages_are_served(built_settings: Settings, engine: Engine, tmp_path: Path) -> None:
    from ui.web import build_app

    settings = built_settings.model_copy(update={"var_dir": tmp_path / "var",
                                                 "index_dir": built_settings.resolved_index_dir})
    with TestClient(build_app(settings, engine)) as client:
        assert client.get("/ui/staff/").status_code == 200 and client.get("/ui/").status_code == 200
        assert client.get("/ui/staff/config").json()["title"] == "ipqa — staff"
        assert client.get("/ui/config").json()["title"].startswith("ipqa — 知的財産推進計画2024")
