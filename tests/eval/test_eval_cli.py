"""`ipqa eval`: argument checks, the report files, --fail-under, and --url against a live server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.main import main
from core.settings import Settings
from eval.backends import EvalError, HttpBackend
from eval.dataset import DEFAULT_QA, DatasetError, load_qa
from eval.suite import EvalOptions, UsageError, check_thresholds, execute, parse_thresholds
from tests.conftest import corpus_file

# Two of each language; one unanswerable per language, so every metric (abstention included) is defined.
SMALL_IDS = ("ja-001", "ja-043", "en-001", "en-043")


@pytest.fixture(autouse=True)
def _keep_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    # main() points structlog at the sys.stderr of the moment, which is capsys's buffer here and is closed after the
    # test; later tests' log calls would then fail. Logging setup is not what these tests check.
    monkeypatch.setattr("cli.main.configure_logging", lambda *a, **k: None)


@pytest.fixture(scope="module")
def small_qa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [json.loads(line) for line in DEFAULT_QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = [r for r in rows if r["id"] in SMALL_IDS]
    assert len(picked) == len(SMALL_IDS)
    path = tmp_path_factory.mktemp("qa") / "small.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picked), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def service(engine):  # type: ignore[no-untyped-def]
    from service.answer import AnswerService

    return AnswerService(engine)


# --- thresholds and arguments ----------------------------------------------------------------------------------
def test_parse_thresholds() -> None:
    assert parse_thresholds(["r@5=0.8", "ja.MRR@10=0.5", "en.citation_recall=0"]) == {
        "overall.r@5": 0.8, "ja.mrr@10": 0.5, "en.citation_recall": 0.0}
    assert parse_thresholds([]) == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("r@5", "METRIC=VALUE"),
        ("r@5=", "METRIC=VALUE"),
        ("recall=0.5", "unknown metric 'recall'"),
        ("fr.r@5=0.5", "unknown scope 'fr'"),
        ("r@5=high", "not a number"),
        ("r@5=1.5", "outside [0, 1]"),
        ("latency_p95_ms=0.5", "latency"),
    ],
)
def test_parse_thresholds_rejects(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_thresholds([spec])


def test_check_thresholds() -> None:
    metrics: dict[str, dict[str, float | None]] = {"overall": {"r@5": 0.9, "abstain_precision": None}, "ja": {"r@5": 0.7}}
    rows = check_thresholds(metrics, {"overall.r@5": 0.9, "ja.r@5": 0.75, "overall.abstain_precision": 0.1})
    assert [r["ok"] for r in rows] == [True, False, False]  # equal passes; below fails; undefined fails


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "--fail-under", "bogus=1"],
        ["eval", "--fail-under", "r@5=2"],
        ["eval", "--qa", "/nonexistent/qa.jsonl"],
        ["eval", "--url", "ftp://example.org"],
        ["eval", "--url", "localhost:8000"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ipqa: error:")


def test_malformed_qa_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "lang": "ja", "question": "q", "gold_quotes": [], "answer": "", "answerable": true}\n',
                   encoding="utf-8")
    with pytest.raises(DatasetError, match="needs at least one gold quote"):
        load_qa(bad)
    bad.write_text("{not json\n", encoding="utf-8")
    assert main(["eval", "--qa", str(bad)]) == 2
    assert "bad.jsonl:1: not valid JSON" in capsys.readouterr().err


def test_unreachable_server_exits_1(small_qa: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = main(["eval", "--qa", str(small_qa), "--url", f"http://127.0.0.1:{port}", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "cannot reach" in err[0]


# --- the in-process run and its report -------------------------------------------------------------------------
def test_in_process_run_writes_report_and_fails_under(
    small_qa: Path, tmp_path: Path, built_settings: Settings, service, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "report"
    # The baseline embeds 1000-character chunks (seconds each on a busy CPU): give it the opening of the document only.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = corpus_file().read_text(encoding="utf-8")
    (corpus / "opening.md").write_text(text[: text.index("\n", 1500)], encoding="utf-8")
    settings = built_settings.model_copy(update={"corpus_dir": corpus})
    opts = EvalOptions(qa=small_qa, out=out, baseline=True, judge=False, progress=False,
                       fail_under=["r@5=0.0", "char_f1=1.0", "en.rouge_l=1.0"])
    code = execute(opts, settings, service=service)
    captured = capsys.readouterr()
    # Two thresholds no real answer reaches: exit 1, exactly one stderr line per breached metric.
    breach_lines = [line for line in captured.err.splitlines() if line.startswith("ipqa: eval:")]
    assert code == 1
    assert sorted(line.split()[2] for line in breach_lines) == ["en.rouge_l", "overall.char_f1"]

    for name in ("metrics.json", "per_question.jsonl", "report.md", "metrics_by_language.png", "latency.png",
                 "hit_ranks.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    for png in out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    doc = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    system = doc["system"]["metrics"]
    assert set(system) == {"ja", "en", "overall"}
    for key in ("r@1", "r@5", "mrr@10", "ndcg@10", "citation_recall", "citation_precision", "char_f1", "rouge_l",
                "key_facts", "lang_match", "abstain_precision", "abstain_recall", "latency_p50_ms", "latency_p95_ms"):
        assert key in system["overall"], key
    assert doc["system"]["support"]["overall"]["questions"] == len(SMALL_IDS)
    # The ja question about the plan's adoption date is retrieved at rank 1 in this corpus.
    assert system["ja"]["r@5"] == 1.0
    assert 0.0 < system["overall"]["char_f1"] < 1.0
    # The baseline never abstains and answers English questions with Japanese passages.
    base = doc["baseline"]["metrics"]
    assert base["overall"]["abstain_recall"] == 0.0 and base["en"]["lang_match"] == 0.0
    assert doc["ratios"]["overall"]["r@5"] is not None
    assert [t["ok"] for t in doc["thresholds"]] == [True, False, False]
    assert doc["judge"]["status"] == "skipped"

    rows = [json.loads(line) for line in (out / "per_question.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 * len(SMALL_IDS) and {r["system"] for r in rows} == {"system", "baseline"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## System vs baseline" in report and "## Worst 10 questions" in report
    assert "知的財産推進計画2024っていつ決まったんですか" in report  # Japanese text survives into the report
    assert "![Latency distribution](latency.png)" in report
    assert "overall.char_f1" in captured.out or "char_f1" in captured.out  # the summary table on stdout


# --- HTTP ----------------------------------------------------------------------------------------------------------
def test_http_backend_waits_out_rate_limits_and_reports_errors() -> None:
    calls = {"ask": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/search":
            return httpx.Response(422, json={"detail": "query is empty"})
        calls["ask"] += 1
        if calls["ask"] == 1:
            return httpx.Response(429, headers={"Retry-After": "0.5"}, json={"detail": "slow down"})
        return httpx.Response(200, json={"answer": "x", "lang": "en", "abstained": True, "grounded": True,
                                         "mode": "extractive", "citations": []})

    backend = HttpBackend("http://fake", client=httpx.Client(base_url="http://fake", transport=httpx.MockTransport(handler)))
    item = load_qa(DEFAULT_QA)[0]
    obs = backend.observe(item)
    assert calls["ask"] == 2 and obs.answer is not None and obs.answer.abstained
    assert obs.ask_ms is not None and obs.ask_ms < 400  # the half-second wait is not latency
    assert obs.hits == [] and obs.error is not None and "HTTP 422" in obs.error

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    dead = HttpBackend("http://fake", client=httpx.Client(base_url="http://fake", transport=httpx.MockTransport(down)))
    with pytest.raises(EvalError, match="lost the server"):
        dead.observe(item)


@pytest.fixture()
def live_server(built_settings: Settings, engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:  # type: ignore[no-untyped-def]
    import uvicorn

    from service.api import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(built_settings, engine), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_url_mode_against_a_live_server(
    live_server: str, small_qa: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "http"
    code = main(["eval", "--qa", str(small_qa), "--url", live_server, "--out", str(out), "--no-judge",
                 "--fail-under", "r@5=0.0", "ja.lang_match=0.5"])
    assert code == 0, capsys.readouterr().err
    doc = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert doc["system"]["info"]["mode"] == "http" and doc["system"]["info"]["url"] == live_server
    assert doc["system"]["support"]["overall"]["errors"] == 0
    assert doc["system"]["metrics"]["ja"]["r@5"] == 1.0
    assert doc["system"]["metrics"]["overall"]["latency_p50_ms"] > 0
    assert (out / "report.md").is_file()
