"""Faults around the service: concurrent feedback writers, and an LLM server that errors or drops the connection.

(A hanging LLM and one that returns garbage are in test_llm_mode.py; kill -9 during ingest is in
tests/ingest/test_faults.py.)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from core.contracts import Answer
from core.settings import REPO_ROOT, Settings
from service.answer import AnswerService
from service.api import create_app
from service.engine import Engine
from service.feedback import FeedbackStore
from service.schemas import AskRequest
from tests.service.conftest import LiveServer, free_port
from tests.service.stub_llm import StubLLM

LLM_KEY = "sk-faults-Hh3k9-llm-key"


# --- feedback -------------------------------------------------------------------------------------------------------
def test_concurrent_feedback_through_the_api_loses_no_row(built_settings: Settings, engine: Engine,
                                                          tmp_path: Path) -> None:
    threads, per_thread = 8, 50
    # Feedback needs no index: pointing at an empty one skips the start-up warm-up, which is not under test here.
    settings = built_settings.model_copy(update={"var_dir": tmp_path / "var", "index_dir": tmp_path / "no-index",
                                                 "rate_limit_per_minute": 0})
    app = create_app(settings, Engine(settings, embedder=engine.embedder))
    ids: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()

    def writer(t: int, url: str) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            for i in range(per_thread):
                r = http.post("/v1/feedback", json={"question": f"q{t}-{i}", "answer": "a", "rating": 1 if i % 2 else -1,
                                                    "comment": f"thread {t} post {i}"})
                with lock:
                    if r.status_code == 200 and r.json()["stored"]:
                        ids.append(r.json()["id"])
                    else:
                        failures.append(f"{r.status_code} {r.text[:100]}")

    with LiveServer(app) as server:
        workers = [threading.Thread(target=writer, args=(t, server.url)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
    assert not failures, failures[:5]
    assert len(ids) == len(set(ids)) == threads * per_thread
    with sqlite3.connect(settings.var_dir / "feedback.sqlite3") as db:
        rows = db.execute("SELECT id, question FROM feedback").fetchall()
    assert {r[0] for r in rows} == set(ids)
    assert {r[1] for r in rows} == {f"q{t}-{i}" for t in range(threads) for i in range(per_thread)}


_WRITER = """
import sys
from pathlib import Path
from service.feedback import FeedbackStore
store = FeedbackStore(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    store.add(f"p{sys.argv[2]}-{i}", "a", [], 1, None)
"""


def test_feedback_from_several_processes_loses_no_row(tmp_path: Path) -> None:
    """Several server workers (ipqa serve --workers N) are separate processes, each with its own FeedbackStore and
    lock: only SQLite's own locking keeps them apart."""
    path = tmp_path / "feedback.sqlite3"
    FeedbackStore(path)
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(p), "100"], cwd=REPO_ROOT)
             for p in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    with sqlite3.connect(path) as db:
        questions = {r[0] for r in db.execute("SELECT question FROM feedback")}
    assert FeedbackStore(path).count() == 400
    assert questions == {f"p{p}-{i}" for p in range(4) for i in range(100)}


# --- LLM failures -----------------------------------------------------------------------------------------------------
class FaultyLLM(StubLLM):
    """The stub OpenAI server with two more behaviours: "http500" answers 500 with an error body that echoes the
    caller's Authorization header (as some servers do), "drop" starts streaming and then closes the connection."""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()
        stub = self

        class Handler(base):  # type: ignore[valid-type,misc]
            def do_POST(self) -> None:
                if stub.behaviour not in ("http500", "drop"):
                    super().do_POST()
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append(body)
                if stub.behaviour == "http500":
                    echo = {"error": {"message": f"internal error (auth: {self.headers.get('Authorization')})",
                                      "type": "server_error"}}
                    self._send(500, json.dumps(echo).encode(), "application/json")
                    return
                # Promise a long body, send two events, then drop the socket: the client sees a truncated response.
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for piece in ("IPASは", "スタートアップ"):
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "stub",
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                    self.wfile.flush()
                time.sleep(0.2)
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            def finish(self) -> None:
                try:
                    super().finish()
                except OSError:
                    pass  # the socket was closed on purpose

        return Handler


@pytest.fixture
def faulty(monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultyLLM]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    stub = FaultyLLM()
    with stub:
        yield stub


@pytest.mark.parametrize("behaviour", ["http500", "drop"])
def test_llm_error_or_dropped_stream_falls_back_to_extractive(built_settings: Settings, engine: Engine,
                                                              faulty: FaultyLLM, behaviour: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    faulty.behaviour = behaviour
    settings = built_settings.model_copy(update={"llm_base_url": faulty.url, "llm_model": "stub", "llm_timeout_s": 5.0,
                                                 "llm_api_key": SecretStr(LLM_KEY)})
    e = Engine(settings, embedder=engine.embedder)
    e.load()
    svc = AnswerService(e)
    t0 = time.monotonic()
    events = list(svc.ask_stream(AskRequest(question="スタートアップ向けの知財支援は？", mode="llm")))
    elapsed = time.monotonic() - t0
    answer = events[-1][1]
    assert isinstance(answer, Answer)
    assert faulty.requests, "the LLM was never called"
    assert elapsed < 15
    assert answer.mode == "extractive" and "IPAS" in answer.answer
    assert any("LLM unavailable" in n for n in answer.notes)
    if behaviour == "drop":
        # The draft tokens already streamed stay visible, then the extractive answer follows.
        streamed = "".join(str(p) for k, p in events if k == "token")
        assert streamed.startswith("IPASはスタートアップ")
    # The server echoed the key in its error; it must not travel on to our client or our logs.
    assert LLM_KEY not in answer.model_dump_json()
    captured = capsys.readouterr()
    assert LLM_KEY not in captured.out + captured.err


# --- a worker process dies ------------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _workers(pid: int) -> list[int]:
    return [c for c in _children(pid) if "spawn_main" in _cmdline(c)]


@pytest.mark.slow
def test_killed_worker_is_replaced_and_service_keeps_answering(built_settings: Settings, tmp_path: Path) -> None:
    """`ipqa serve --workers 2`: kill -9 one worker; the other keeps answering and uvicorn starts a replacement."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPQA_")}
    env.update({"IPQA_VAR_DIR": str(tmp_path / "var"), "IPQA_INDEX_DIR": str(built_settings.resolved_index_dir),
                "IPQA_RATE_LIMIT_PER_MINUTE": "0", "PYTHONPATH": str(REPO_ROOT)})
    proc = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", "2"], env=env,
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and (len(_workers(proc.pid)) < 2 or not _ready(url)):
            assert proc.poll() is None, "server exited"
            time.sleep(0.5)
        before = _workers(proc.pid)
        assert len(before) == 2 and _ready(url)
        os.kill(before[0], signal.SIGKILL)
        # New connections go to the surviving worker at once; none may fail.
        codes = [httpx.post(url + "/v1/search", json={"query": "知財"}, timeout=60).status_code for _ in range(10)]
        assert codes == [200] * 10
        while time.monotonic() < deadline and len(set(_workers(proc.pid)) - {before[0]}) < 2:
            time.sleep(0.5)
        after = _workers(proc.pid)
        assert before[0] not in after and len(after) == 2, (before, after)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
