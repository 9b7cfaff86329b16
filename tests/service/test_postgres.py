"""Feedback and the question log on a real PostgreSQL server: a throwaway cluster on 127.0.0.1, started once for this
module from the PostgreSQL binaries (Debian's ``postgresql`` package), each test in a database of its own.

Skipped when no PostgreSQL binaries are installed, unless ``IPQA_REQUIRE_POSTGRES=1`` (as .ci/run sets), where a
missing server is a failure rather than a silent skip.
"""

from __future__ import annotations

import csv
import glob
import io
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from core.contracts import Answer
from core.settings import REPO_ROOT, Settings
from service.api import create_app
from service.db import SQLITE_FILE, Database
from service.engine import Engine
from service.feedback import FeedbackStore
from service.question_log import DAY_S, QuestionLog
from tests.service.conftest import free_port

TOKEN = "staff-token-for-postgres-tests"


def _bindir() -> Path | None:
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    newest = max(found, key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    return Path(newest).parent


def _unavailable(reason: str) -> None:
    if os.environ.get("IPQA_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}, and IPQA_REQUIRE_POSTGRES=1 (apt-get install postgresql; .ci/run does this)")
    pytest.skip(reason)


@dataclass
class Cluster:
    port: int
    password: str
    user: str = "ipqa"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        name = f"ipqa_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bindir = _bindir()
    if bindir is None:
        _unavailable("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="ipqa-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root; its package's own user owns the cluster instead.
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            _unavailable("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    password = secrets.token_urlsafe(18)
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if run_as:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    data, port = root / "data", free_port()

    def run(*args: str | Path) -> None:
        subprocess.run([*run_as, *map(str, args)], cwd=root, check=True, capture_output=True, timeout=120)

    try:
        # A password even on a throwaway cluster: 127.0.0.1 is reachable by every local user while the tests run.
        run(bindir / "initdb", "-D", data, "-U", "ipqa", "--pwfile", pwfile, "--auth=scram-sha-256", "-E", "UTF8",
            "--locale=C")
        # fsync off: the cluster is thrown away, and durability is not what these tests measure.
        options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} -c fsync=off"
        run(bindir / "pg_ctl", "-D", data, "-l", root / "server.log", "-o", options, "-w", "-t", "60", "start")
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}\n{log[-2000:]}")
    try:
        yield Cluster(port=port, password=password)
    finally:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], cwd=root,
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(cluster: Cluster) -> str:
    return cluster.new_database()


def _answer(abstained: bool) -> Answer:
    return Answer(answer="…", lang="ja", abstained=abstained, grounded=not abstained, mode="extractive")


# --- the stores ---------------------------------------------------------------------------------------------------------
def test_feedback_and_questions_round_trip_in_postgres(pg_url: str) -> None:
    db = Database(pg_url)
    assert db.backend == "postgresql" and "***" in repr(db) and db.url.password not in repr(db)
    store = FeedbackStore(db)
    first = store.add("知財の相談窓口は？", "回答です", [{"chunk_id": "ipsp2024#1"}], -1, "英語の説明もほしい")
    second = store.add("IPASとは？", "回答", [], 1, None)
    assert second > first and store.count() == 2
    [bad] = store.recent(rating=-1)
    assert (bad.question, bad.comment, bad.chunk_ids) == ("知財の相談窓口は？", "英語の説明もほしい", ["ipsp2024#1"])
    assert bad.created.tzinfo is not None

    log = QuestionLog(db, 90)
    log.record("火星の首都は？", _answer(True), 12.5)
    log.record("IPASとは？", _answer(False), 30.0)
    assert [q.question for q in log.recent(abstained=True)] == ["火星の首都は？"]
    assert sum(d.asked for d in log.per_day(datetime(2000, 1, 1, tzinfo=UTC))) == 2
    db.dispose()


def test_two_machines_share_one_database(pg_url: str) -> None:
    """Each server opens its own engine; a second one (another machine) sees and adds to the same rows, and opening
    the schema again leaves it and its rows alone."""
    one, two = Database(pg_url), Database(pg_url)
    FeedbackStore(one).add("一台目", "a", [], -1, "コメント1")
    FeedbackStore(two).add("二台目", "a", [], -1, "コメント2")
    QuestionLog(one, 90).record("一台目の質問", _answer(True), 1.0)
    assert {r.question for r in FeedbackStore(two).recent()} == {"一台目", "二台目"}
    assert [q.question for q in QuestionLog(two, 90).recent()] == ["一台目の質問"]
    one.dispose()
    two.dispose()


def test_retention_prunes_in_postgres(pg_url: str) -> None:
    db = Database(pg_url)
    now = datetime(2025, 6, 1, tzinfo=UTC).timestamp()
    clock = [now]
    log = QuestionLog(db, 30, clock=lambda: clock[0])
    log.record("古い", _answer(True), 1.0)
    clock[0] += 31 * DAY_S
    log.record("新しい", _answer(True), 1.0)
    assert [q.question for q in log.recent()] == ["新しい"]
    QuestionLog(db, 0)  # off: records nothing, deletes nothing (another machine may still keep its log)
    assert [q.question for q in log.recent()] == ["新しい"]
    db.dispose()


_WORKER = """
import sys
from service.db import Database
from service.feedback import FeedbackStore
from service.question_log import QuestionLog
from core.contracts import Answer
db = Database(sys.argv[1])
store, log = FeedbackStore(db), QuestionLog(db, 90)
for i in range(int(sys.argv[3])):
    store.add(f"w{sys.argv[2]}-{i}", "a", [], -1, None)
    log.record(f"w{sys.argv[2]}-{i}", Answer(answer="a", lang="ja", abstained=True, grounded=False, mode="extractive"), 1.0)
"""


def test_workers_starting_together_create_the_schema_once_and_lose_no_row(pg_url: str) -> None:
    """Several server processes start on a fresh database at once (``--workers N``, or several machines): the
    schema is created once under the advisory lock, and every row each one writes is there."""
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, pg_url, str(w), "40"], cwd=REPO_ROOT,
                              stderr=subprocess.PIPE) for w in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read().decode(errors="replace") if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in results), [err[-800:] for _, err in results]
    db = Database(pg_url)
    expected = {f"w{w}-{i}" for w in range(4) for i in range(40)}
    assert {r.question for r in FeedbackStore(db).recent(limit=1000)} == expected
    assert {q.question for q in QuestionLog(db, 90).recent(limit=1000)} == expected
    db.dispose()


# --- the app ------------------------------------------------------------------------------------------------------------
def test_the_app_keeps_feedback_and_questions_in_postgres(pg_url: str, built_settings: Settings, engine: Engine,
                                                          tmp_path: Path) -> None:
    settings = built_settings.model_copy(update={
        "var_dir": tmp_path / "var", "index_dir": built_settings.resolved_index_dir, "rate_limit_per_minute": 0,
        "admin_token": SecretStr(TOKEN), "database_url": SecretStr(pg_url)})
    question, comment = "東京の明日の天気を教えてください。", "天気の質問には答えられないと書いてほしい"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings, engine)) as c:
        answer = c.post("/v1/ask", json={"question": question}).json()
        assert answer["abstained"]
        assert c.post("/v1/feedback", json={"question": question, "answer": answer["answer"], "rating": -1,
                                            "comment": comment}).status_code == 200
        assert c.get("/v1/admin/questions").status_code == 401
        questions = c.get("/v1/admin/questions?abstained=true", headers=auth).json()["questions"]
        feedback = c.get("/v1/admin/feedback?rating=-1&format=csv", headers=auth)
    assert [q["question"] for q in questions] == [question]
    rows = list(csv.DictReader(io.StringIO(feedback.content.decode("utf-8-sig"))))
    assert [(r["question"], r["comment"]) for r in rows] == [(question, comment)]
    # Both live on the server: the default SQLite file was never made.
    assert not (settings.var_dir / SQLITE_FILE).exists()
    db = Database(pg_url)
    assert FeedbackStore(db).count() == 1 and len(QuestionLog(db, 90).recent()) == 1
    db.dispose()
