"""list_items in the QA format, list_coverage and false_abstention, on hand-made cases worked out in the comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.contracts import Answer, Citation
from eval import metrics as m
from eval.backends import Observation
from eval.dataset import DatasetError, QAItem, load_qa
from eval.report import metrics_document, render_markdown
from eval.runner import QuestionResult, RunResult, aggregate, score_question
from eval.suite import check_thresholds, parse_thresholds

ROW = {"id": "g-1", "lang": "ja", "question": "応募に必要な書類は？", "gold_quotes": ["応募申請書（様式第1号）"],
       "answer": "応募申請書と事業計画書です。", "answerable": True, "kind": "list"}


def _write(tmp_path: Path, *rows: dict[str, object]) -> Path:
    path = tmp_path / "qa.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# --- the QA format -------------------------------------------------------------------------------------------------
def test_list_items_are_loaded_and_not_left_in_extra(tmp_path: Path) -> None:
    row = {**ROW, "list_items": ["応募申請書（様式第1号）", "事業計画書（様式第2号）"], "note": "x"}
    (item,) = load_qa(_write(tmp_path, row))
    assert item.list_items == ["応募申請書（様式第1号）", "事業計画書（様式第2号）"]
    assert item.extra == {"note": "x"}
    (plain,) = load_qa(_write(tmp_path, ROW))
    assert plain.list_items == []
    (empty,) = load_qa(_write(tmp_path, {**ROW, "list_items": []}))
    assert empty.list_items == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("応募申請書", "list_items must be a list of non-empty strings"),
        (["応募申請書", ""], "list_items must be a list of non-empty strings"),
        (["  "], "list_items must be a list of non-empty strings"),
        (["応募申請書", 3], "list_items must be a list of non-empty strings"),
        ({"a": 1}, "list_items must be a list of non-empty strings"),
    ],
)
def test_list_items_validation(tmp_path: Path, value: object, message: str) -> None:
    with pytest.raises(DatasetError, match=rf"qa\.jsonl:2: {message}"):
        load_qa(_write(tmp_path, {**ROW, "id": "ok"}, {**ROW, "list_items": value}))


def test_list_items_on_an_unanswerable_question_are_rejected(tmp_path: Path) -> None:
    row = {**ROW, "gold_quotes": [], "answerable": False, "list_items": ["応募申請書"]}
    with pytest.raises(DatasetError, match="list_items on an unanswerable question"):
        load_qa(_write(tmp_path, row))


# --- list_coverage -------------------------------------------------------------------------------------------------
def cit(n: int, quote: str, text: str | None = None) -> Citation:
    body = text if text is not None else quote
    return Citation(n=n, chunk_id=f"c{n}", doc_id="d", section_path=["s"], quote=quote, start=0, end=len(body), text=body)


ITEMS = ["応募申請書（様式第1号）", "事業計画書（様式第2号）", "決算書（直近2期分）"]


def test_list_coverage_counts_items_in_quotes_or_answer_text() -> None:
    # Item 1 is in a citation's quote (full-width digit and a line break there: NFKC, whitespace-insensitive);
    # item 2 is in the answer text only; item 3 is nowhere → 2/3.
    cits = [cit(1, "応募申請書（様式第\n１号）を提出する。")]
    answer = "応募申請書[1]と事業計画書（様式第2号）が要ります。"
    assert m.list_items_found(ITEMS, answer, cits) == [True, True, False]
    assert m.list_coverage(ITEMS, answer, cits, abstained=False) == pytest.approx(2 / 3)
    # Only the quote counts, not the rest of the cited passage: item 3 is in the passage text but not quoted.
    passage = cit(1, "応募申請書（様式第1号）", text="応募申請書（様式第1号）、決算書（直近2期分）")
    assert m.list_coverage(ITEMS, "", [passage], abstained=False) == pytest.approx(1 / 3)
    # Citation markers inside the answer do not break an item: "事業計画書[2]（様式第2号）" still contains item 2.
    assert m.list_items_found(ITEMS, "事業計画書[2]（様式第2号）", []) == [False, True, False]
    # Quotes are concatenated: all three across two citations → 1.
    both = [cit(1, "応募申請書（様式第1号）、事業計画書（様式第2号）"), cit(2, "決算書（直近2期分）")]
    assert m.list_coverage(ITEMS, "", both, abstained=False) == 1.0


def test_list_coverage_abstained_and_without_items() -> None:
    assert m.list_coverage(ITEMS, "応募申請書（様式第1号）", [], abstained=True) == 0.0
    assert m.list_coverage([], "anything", [], abstained=False) is None


# --- false_abstention ----------------------------------------------------------------------------------------------
def test_false_abstention_rate() -> None:
    # answerable: T, T, F, T; abstained: T, F, T, F → 1 of the 3 answerable abstained (the F one does not count)
    assert m.false_abstention_rate([True, True, False, True], [True, False, True, False]) == pytest.approx(1 / 3)
    assert m.false_abstention_rate([False], [True]) is None
    assert m.false_abstention_rate([], []) is None


# --- through score_question and aggregate --------------------------------------------------------------------------
def _item(qid: str, lang: str, answerable: bool, items: list[str] | None = None) -> QAItem:
    return QAItem(id=qid, lang=lang, question="q", gold_quotes=[ITEMS[0]] if answerable else [], answer="ref",
                  answerable=answerable, kind="list" if items else "fact", list_items=items or [])


def _obs(text: str, cits: list[Citation], abstained: bool = False, lang: str = "ja") -> Observation:
    return Observation(hits=[], answer=Answer(answer=text, lang=lang, abstained=abstained, grounded=True,  # type: ignore[arg-type]
                                              mode="test", citations=cits), ask_ms=1.0)


def _results() -> list[QuestionResult]:
    return [
        # ja list question, answered with 2 of its 4 items → 0.5
        score_question(_item("ja-list", "ja", True, ITEMS + ["見積書"]),
                       _obs("応募申請書（様式第1号）と見積書です。[1]", [cit(1, "応募申請書（様式第1号）")]), None),
        # ja answerable question abstained on: a false abstention (not a list question)
        score_question(_item("ja-fact", "ja", True), _obs("資料には記載がありません。", [], abstained=True), None),
        # ja unanswerable question abstained on: correct, not a false abstention
        score_question(_item("ja-none", "ja", False), _obs("資料には記載がありません。", [], abstained=True), None),
        # en list question abstained on → list_coverage 0 and a false abstention
        score_question(_item("en-list", "en", True, ITEMS[:2]),
                       _obs("The documents do not cover this.", [], abstained=True, lang="en"), None),
        # en answerable question answered
        score_question(_item("en-fact", "en", True), _obs("An application form.[1]", [cit(1, ITEMS[0])], lang="en"), None),
    ]


def test_aggregate_list_coverage_and_false_abstention() -> None:
    results = _results()
    assert results[0].scores["list_coverage"] == 0.5
    assert any(r.startswith("list items given 2/4; missing: 事業計画書（様式第2号）") for r in results[0].reasons)
    assert results[3].scores["list_coverage"] == 0.0
    assert "list_coverage" not in results[1].scores and "list_coverage" not in results[4].scores
    metrics, support = aggregate(results)
    # list questions only: ja 0.5, en 0.0, overall (0.5 + 0.0) / 2
    assert metrics["ja"]["list_coverage"] == 0.5 and metrics["en"]["list_coverage"] == 0.0
    assert metrics["overall"]["list_coverage"] == 0.25 and support["overall"]["list_coverage"] == 2
    # answerable questions: ja 1 of 2 abstained, en 1 of 2, overall 2 of 4
    assert metrics["ja"]["false_abstention"] == 0.5 and metrics["en"]["false_abstention"] == 0.5
    assert metrics["overall"]["false_abstention"] == 0.5 and support["overall"]["false_abstention"] == 4
    # without list questions the metric is undefined, not 0
    plain, _ = aggregate([results[1], results[2], results[4]])
    assert plain["overall"]["list_coverage"] is None
    assert plain["overall"]["false_abstention"] == 0.5  # ja-fact abstained, en-fact answered
    only_unanswerable, _ = aggregate([results[2]])
    assert only_unanswerable["overall"]["false_abstention"] is None


def test_new_metrics_in_thresholds_and_report() -> None:
    assert parse_thresholds(["list_coverage=0.8", "ja.false_abstention=0.1"]) == {
        "overall.list_coverage": 0.8, "ja.false_abstention": 0.1}
    metrics, support = aggregate(_results())
    # list_coverage is a score (a minimum); false_abstention a rate that must not exceed its value (a maximum).
    rows = check_thresholds(metrics, {"overall.list_coverage": 0.25, "overall.false_abstention": 0.4,
                                      "ja.false_abstention": 0.5})
    assert [(r.get("min"), r.get("max"), r["ok"]) for r in rows] == [(0.25, None, True), (None, 0.4, False),
                                                                      (None, 0.5, True)]
    run = RunResult("system", _results(), metrics, support, info={"mode": "test"})
    doc = metrics_document({"qa_file": "t.jsonl", "started_at": "now", "seconds": 1.0, "set": "guide",
                            "corpus": ["eval/data/guide"]}, run, None, None, {"status": "skipped"}, rows)
    report = render_markdown(doc, run, None, plots_note="no plots")
    assert "| answer | list-item coverage (`list_coverage`) | 0.500 | 0.000 | 0.250 | 2 |" in report
    assert "| abstention | false abstention (answerable) (`false_abstention`) | 0.500 | 0.500 | 0.500 | 4 |" in report
    assert "| `overall.false_abstention` | ≤ 0.4 | 0.500 | **FAIL** |" in report
    assert "- Evaluation set: `guide` over `eval/data/guide`" in report
