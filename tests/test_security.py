"""Security properties that are not about one endpoint: nothing is unpickled, no secret reaches a log or an error,
and the admin token is compared in constant time. (Admin refusal, CORS, upload names and the rate limit are tested in
tests/service/test_admin_and_ops.py; hostile request bodies in tests/service/test_hostile_inputs.py.)"""

from __future__ import annotations

import hmac
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from core.logging import configure_logging
from core.settings import REPO_ROOT, Settings
from service.api import create_app

SOURCE_DIRS = ("ingest", "retriever", "service", "ui", "eval", "bench", "tests")
THIS_FILE = Path(__file__).resolve()

# Ways Python code ends up running a pickle: the modules themselves, pickle-based loaders of common libraries, and
# the switches that turn pickle loading back on where it is off by default.
_PICKLE_PATTERNS = {
    "pickle module": re.compile(r"^\s*(?:import|from)\s+(?:c?pickle|dill|cloudpickle|joblib|shelve)\b", re.M),
    "pickle call": re.compile(r"\b(?:c?pickle|dill|cloudpickle|joblib)\.(?:loads?|Unpickler)\b"),
    "torch.load without weights_only=True": re.compile(r"torch\.load\((?![^)]*weights_only\s*=\s*True)[^)]*\)"),
    "allow_pickle=True": re.compile(r"allow_pickle\s*=\s*True"),
    "np.load without allow_pickle=False": re.compile(r"np\.load\((?![^)]*allow_pickle\s*=\s*False)[^)]*\)"),
    "pandas read_pickle": re.compile(r"\bread_pickle\("),
    "LangChain FAISS.load_local": re.compile(r"\bload_local\("),
    "allow_dangerous_deserialization": re.compile(r"allow_dangerous_deserialization"),
}


def pickle_uses(text: str) -> list[str]:
    return [name for name, pattern in _PICKLE_PATTERNS.items() if pattern.search(text)]


@pytest.mark.parametrize("snippet", [
    "import pickle", "from joblib import load", "x = pickle.loads(b)", "torch.load(path)",
    "torch.load(path, weights_only=False)", "np.load(p, allow_pickle=True)", "np.load(p)", "df = pd.read_pickle(p)",
    "FAISS.load_local(folder, emb, allow_dangerous_deserialization=True)",
])
def test_the_pickle_scan_sees_each_pattern(snippet: str) -> None:
    assert pickle_uses(snippet), snippet


@pytest.mark.parametrize("snippet", ["torch.load(p, weights_only=True)", "np.load(p, allow_pickle=False)",
                                     "# never pickle", "faiss.read_index(path)"])
def test_the_pickle_scan_allows_safe_loads(snippet: str) -> None:
    assert not pickle_uses(snippet)


def test_no_pickle_anywhere_in_the_source() -> None:
    found = {}
    for folder in SOURCE_DIRS:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            if path.resolve() == THIS_FILE:
                continue
            hits = pickle_uses(path.read_text(encoding="utf-8"))
            if hits:
                found[str(path.relative_to(REPO_ROOT))] = hits
    assert not found, found


def test_index_folder_holds_no_pickle(built_settings: Settings) -> None:
    build = built_settings.resolved_index_dir.resolve()
    files = sorted(p for p in build.rglob("*") if p.is_file())
    assert files
    assert {p.suffix for p in files} <= {".json", ".jsonl", ".index", ".npy"}, [p.name for p in files]
    for path in files:
        assert path.read_bytes()[:1] != b"\x80", f"{path.name} starts like a pickle (protocol 2+)"
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)  # raises if the array needed pickle


# --- secrets ----------------------------------------------------------------------------------------------------------
ADMIN_TOKEN = "adm-Zq81-never-log-me"
LLM_KEY = "sk-Wm44-never-log-me-either"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_clean(text: str, where: str) -> None:
    assert ADMIN_TOKEN not in text, f"admin token in {where}"
    assert LLM_KEY not in text, f"LLM API key in {where}"
    # Prefixes too: a "helpful" error that shows the first characters of a key is still a leak.
    assert ADMIN_TOKEN[:10] not in text and LLM_KEY[:10] not in text, f"part of a secret in {where}"


@pytest.fixture
def secret_env(built_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("IPQA_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("IPQA_LLM_API_KEY", LLM_KEY)
    monkeypatch.setenv("IPQA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IPQA_INDEX_DIR", str(built_settings.resolved_index_dir))
    monkeypatch.setenv("IPQA_LLM_TIMEOUT_S", "3")
    monkeypatch.setenv("IPQA_LOG_LEVEL", "DEBUG")
    return tmp_path


@pytest.mark.parametrize("llm_url", ["refused", "htp://not a url/v1"])
def test_secrets_never_in_responses_or_logs(secret_env: Path, engine: Any, llm_url: str, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """Settings come from the environment, as in production; every error path a client can reach is exercised."""
    monkeypatch.setenv("IPQA_LLM_BASE_URL", f"http://127.0.0.1:{_free_port()}/v1" if llm_url == "refused" else llm_url)
    monkeypatch.setenv("IPQA_RATE_LIMIT_PER_MINUTE", "13")  # the 13 calls below, then 429s
    settings = Settings()
    assert settings.admin_token is not None and settings.admin_token.get_secret_value() == ADMIN_TOKEN
    configure_logging("DEBUG", json=True)
    caplog.set_level(logging.DEBUG)
    from service.engine import Engine

    e = Engine(settings, embedder=engine.embedder)
    bodies: list[str] = []
    with TestClient(create_app(settings, e)) as client:
        calls: list[tuple[str, str, dict[str, Any], set[int]]] = [
            ("post", "/v1/ask", {"json": {"question": "スタートアップ向けの知財支援は？", "mode": "llm"}}, {200}),
            ("post", "/v1/ask/stream", {"json": {"question": "IPASとは", "mode": "llm"}}, {200}),
            ("post", "/v1/chat/completions", {"json": {"messages": [{"role": "user", "content": "IPASとは"}],
                                                        "model": "x"}}, {200}),
            ("post", "/v1/ask", {"json": {"question": ""}}, {422}),
            ("post", "/v1/ask", {"json": {"question": {"$ne": 1}}}, {422}),
            ("post", "/v1/search", {"json": {"query": "x" * 10_000}}, {422}),
            ("post", "/v1/admin/reindex", {"headers": {"Authorization": "Bearer " + ADMIN_TOKEN[:-1]}}, {401}),
            ("post", "/v1/admin/reindex", {"headers": {"Authorization": "Basic " + ADMIN_TOKEN}}, {401}),
            ("post", "/v1/admin/documents", {"headers": {"Authorization": "Bearer " + ADMIN_TOKEN},
                                             "files": {"file": ("../../x.md", b"\x00\x01binary")}}, {422}),
            ("get", "/v1/nope", {}, {404}),
            ("get", "/v1/ask", {}, {405}),
            ("post", "/v1/ask", {"content": b"[" * 5000, "headers": {"Content-Type": "application/json"}}, {422}),
        ]
        for method, path, kwargs, expect in calls:
            r = getattr(client, method)(path, **kwargs)
            assert r.status_code in expect, (path, r.status_code, r.text[:200])
            bodies.append(f"{r.status_code} {r.headers} {r.text}")
        llm_answer = client.post("/v1/ask", json={"question": "スタートアップ向けの知財支援は？", "mode": "llm"})
        assert llm_answer.status_code == 200
        bodies.append(llm_answer.text)
        # ... and past the rate limit.
        codes = [client.post("/v1/search", json={"query": "知財"}).status_code for _ in range(12)]
        assert 429 in codes
        metrics = client.get("/metrics").text
        bodies.append(metrics)
    assert any("LLM" in n for n in llm_answer.json()["notes"])  # the bad URL was really tried (or refused)
    for i, body in enumerate(bodies):
        _assert_clean(body, f"response {i}")
    captured = capsys.readouterr()
    assert '"path": "/v1/admin/reindex"' in captured.err and "llm_fallback" in captured.err  # the logs were captured
    _assert_clean(captured.out + captured.err, "structured logs")
    _assert_clean(caplog.text, "stdlib logs")


def test_secrets_never_in_cli_output(built_settings: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPQA_")}
    env.update({"IPQA_ADMIN_TOKEN": ADMIN_TOKEN, "IPQA_LLM_API_KEY": LLM_KEY, "IPQA_VAR_DIR": str(tmp_path / "var"),
                "IPQA_INDEX_DIR": str(built_settings.resolved_index_dir), "IPQA_LOG_LEVEL": "DEBUG",
                "IPQA_LLM_BASE_URL": f"http://127.0.0.1:{_free_port()}/v1", "IPQA_LLM_TIMEOUT_S": "3",
                "PYTHONPATH": str(REPO_ROOT)})
    runs = [
        ["ask", "スタートアップ向けの知財支援は？", "--mode", "llm", "--json"],  # falls back, with a note
        ["ask", "   "],  # refused: empty question
        ["search", "x" * 10_000],  # refused: too long
    ]
    outputs = []
    for args in runs:
        p = subprocess.run([sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True, timeout=300,
                           cwd=tmp_path)
        outputs.append((args[0], p.returncode, p.stdout + p.stderr))
    bad_settings = subprocess.run([sys.executable, "-m", "cli", "search", "x"], capture_output=True, text=True,
                                  env={**env, "IPQA_RATE_LIMIT_PER_MINUTE": "-1"}, timeout=120, cwd=tmp_path)
    outputs.append(("bad settings", bad_settings.returncode, bad_settings.stdout + bad_settings.stderr))
    assert [code for _, code, _ in outputs] == [0, 2, 2, 2], [(n, c, o[-300:]) for n, c, o in outputs]
    for name, _, text in outputs:
        _assert_clean(text, f"`ipqa {name}` output")


def test_admin_token_compared_with_compare_digest(tmp_path: Path, engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison goes through hmac.compare_digest (constant time), not ==, for every admin request."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("service.http_support.hmac.compare_digest", spy)
    from service.engine import Engine

    # No index behind it: the admin check comes first, and an empty index skips the start-up warm-up.
    s = Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "none", admin_token=ADMIN_TOKEN)
    with TestClient(create_app(s, Engine(s, embedder=engine.embedder))) as client:
        r = client.post("/v1/admin/reindex", headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401
    assert calls == [(b"wrong", ADMIN_TOKEN.encode())]

