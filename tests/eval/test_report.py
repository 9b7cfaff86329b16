"""Report rendering on a synthetic run (no index needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.contracts import Answer, Citation, Hit
from eval.backends import Observation
from eval.dataset import QAItem
from eval.report import metrics_document, write_report
from eval.runner import RunResult, aggregate, ratios, score_question


def _run(name: str, answer_text: str) -> RunResult:
    passage = "海賊版による被害額は約2兆円と推計される。"
    hit = Hit(rank=1, score=1.0, chunk_id="c1", doc_id="d", section_path=["2 基本認識"], text=passage, start=0,
              end=len(passage))
    cit = Citation(n=1, chunk_id="c1", doc_id="d", section_path=["2 基本認識"], quote=passage, start=0,
                   end=len(passage), text=passage)
    items = [
        QAItem(id="ja-1", lang="ja", question="被害額は？", gold_quotes=["約2兆円"], answer="約2兆円です。", answerable=True),
        QAItem(id="en-1", lang="en", question="How large is the damage?", gold_quotes=["約2兆円"],
               answer="About 2 trillion yen.", answerable=True),
    ]
    results = [
        score_question(it, Observation(hits=[hit], answer=Answer(answer=answer_text, lang=it.lang,  # type: ignore[arg-type]
                                                                   abstained=False, grounded=True, mode="t",
                                                                   citations=[cit]), ask_ms=10.0 * (i + 1),
                                       search_ms=5.0), None)
        for i, it in enumerate(items)
    ]
    metrics, support = aggregate(results)
    return RunResult(name, results, metrics, support, info={"mode": "test", "chunks": 1})


def test_report_without_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("eval.report.plotting_available", lambda: False)
    passage_answer = "海賊版による被害額は約2兆円と推計される。[1]"
    system, baseline = _run("system", passage_answer), _run("baseline", "x[1]")
    doc = metrics_document({"qa_file": "t.jsonl", "questions": 2, "started_at": "now", "seconds": 1.0, "url": None},
                           system, baseline, ratios(system.metrics, baseline.metrics), {"status": "skipped",
                                                                                        "reason": "test"}, [])
    written = write_report(tmp_path, doc, system, baseline)
    assert {p.name for p in written} == {"metrics.json", "per_question.jsonl", "report.md"}
    assert not list(tmp_path.glob("*.png"))
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Plots skipped: matplotlib is not installed" in report
    # the English question got a Japanese answer: it is the worst and the report says why
    worst = report.split("## Worst 10 questions", 1)[1]
    assert worst.index("`en-1`") < worst.index("`ja-1`")
    assert "answer is in ja, question in en" in worst and passage_answer in worst
    saved = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert saved["system"]["metrics"]["en"]["lang_match"] == 0.0 and saved["system"]["metrics"]["ja"]["lang_match"] == 1.0
    assert saved["system"]["metrics"]["overall"]["latency_p95_ms"] == 20.0
