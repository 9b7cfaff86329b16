"""Admin endpoints (bearer token, upload, re-index), /metrics, request ids, CORS and the rate limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.logging import configure_logging
from core.settings import Settings
from ingest import ingest
from service.api import create_app
from service.http_support import BadUploadName, RateLimiter, request_id, safe_upload_name, token_matches

TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def small_settings(tmp_path: Path, small_corpus: Path) -> Settings:
    s = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus, admin_token=TOKEN, rate_limit_per_minute=0)
    ingest(s)
    return s


def _auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_admin_disabled_without_token(tmp_path: Path, small_corpus: Path) -> None:
    s = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus, admin_token=None)
    with TestClient(create_app(s)) as c:
        r = c.post("/v1/admin/reindex", headers=_auth())
        assert r.status_code == 403 and "disabled" in r.json()["detail"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                                     {"Authorization": "Basic " + TOKEN}])
def test_admin_refuses_missing_or_wrong_token(small_settings: Settings, headers: dict[str, str]) -> None:
    with TestClient(create_app(small_settings)) as c:
        for call in (lambda: c.post("/v1/admin/reindex", headers=headers),
                     lambda: c.post("/v1/admin/documents", headers=headers, files={"file": ("a.md", b"# a\n\nx\n")})):
            r = call()
            assert r.status_code == 401
            assert TOKEN not in r.text


def test_upload_then_answerable(small_settings: Settings) -> None:
    doc = "# 追加文書\n\n## 1 概要\n\nジャパンサーチは文化資源のデジタルアーカイブを横断して検索できる国の基盤である。\n".encode()
    with TestClient(create_app(small_settings)) as c:
        before = c.get("/v1/documents").json()["documents"]
        r = c.post("/v1/admin/documents", headers=_auth(), files={"file": ("../../etc/追加 文書.md", doc)})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["stored"] == "追加_文書.md"
        assert body["reindex"]["documents"] == len(before) + 1
        assert (small_settings.var_dir / "uploads" / "追加_文書.md").exists()
        assert not list((small_settings.var_dir / "uploads").glob(".upload-*"))
        hits = c.post("/v1/search", json={"query": "ジャパンサーチとは", "k": 3}).json()["hits"]
        assert "ジャパンサーチ" in hits[0]["text"]


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("empty.md", b"", 422),
        ("binary.md", b"\x00\x01\x02\x03binary", 422),
        ("broken.pdf", b"%PDF-1.4 not really a pdf", 422),
        ("notes.exe", b"MZ", 422),
        ("..", b"# x\n\ny\n", 422),
    ],
)
def test_bad_uploads_refused_and_index_kept(small_settings: Settings, name: str, content: bytes, status: int) -> None:
    with TestClient(create_app(small_settings)) as c:
        before = c.get("/readyz").json()["chunks"]
        r = c.post("/v1/admin/documents", headers=_auth(), files={"file": (name, content)})
        assert r.status_code == status and r.json()["detail"]
        assert c.get("/readyz").json()["chunks"] == before
        uploads = small_settings.var_dir / "uploads"
        assert not uploads.exists() or not any(uploads.iterdir())


def test_reindex_of_nothing_ingestible_is_refused_and_index_kept(small_settings: Settings, small_corpus: Path) -> None:
    with TestClient(create_app(small_settings)) as c:
        before = c.get("/readyz").json()["chunks"]
        for f in small_corpus.iterdir():
            f.unlink()
        (small_corpus / "zero.md").write_bytes(b"")
        r = c.post("/v1/admin/reindex", headers=_auth())
        assert r.status_code == 422 and "index is unchanged" in r.json()["detail"]
        assert str(small_corpus) not in r.text  # paths stay in the server log
        assert c.get("/readyz").json()["chunks"] == before
        assert c.post("/v1/search", json={"query": "知財"}).json()["hits"]


def test_upload_over_size_limit(tmp_path: Path, small_corpus: Path) -> None:
    s = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus, admin_token=TOKEN, max_file_bytes=1000)
    ingest(s)
    with TestClient(create_app(s)) as c:
        r = c.post("/v1/admin/documents", headers=_auth(), files={"file": ("big.md", b"# t\n\n" + "あ".encode() * 2000)})
        assert r.status_code == 413


def test_metrics_request_ids_and_access_log(small_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=True)  # as `ipqa serve` does; bound now to the captured stderr
    with TestClient(create_app(small_settings)) as c:
        r = c.post("/v1/ask", json={"question": "知財専門人材を何人育成しますか？"}, headers={"X-Request-ID": "abc-123"})
        assert r.status_code == 200 and r.headers["X-Request-ID"] == "abc-123"
        assert len(c.get("/healthz").headers["X-Request-ID"]) == 32  # generated
        text = c.get("/metrics").text
    assert 'ipqa_http_requests_total{method="POST",route="/v1/ask",status="200"} 1.0' in text
    assert "ipqa_answers_total" in text and "ipqa_ready 1.0" in text
    err = capsys.readouterr().err
    assert '"request_id": "abc-123"' in err and '"path": "/v1/ask"' in err


def test_rate_limit_answers_429(tmp_path: Path, small_corpus: Path) -> None:
    s = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus, rate_limit_per_minute=3)
    ingest(s)
    with TestClient(create_app(s)) as c:
        codes = [c.post("/v1/search", json={"query": "知財"}).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        r = c.post("/v1/search", json={"query": "知財"})
        assert int(r.headers["Retry-After"]) >= 1
        assert c.get("/healthz").status_code == 200  # probes are never limited


def test_cors_off_by_default_and_configurable(tmp_path: Path, small_corpus: Path) -> None:
    s = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus)
    with TestClient(create_app(s)) as c:
        assert "access-control-allow-origin" not in c.get("/healthz", headers={"Origin": "https://x.example"}).headers
    s2 = Settings(var_dir=tmp_path / "var", corpus_dir=small_corpus, cors_origins=["https://desk.example"])
    with TestClient(create_app(s2)) as c:
        h = c.get("/healthz", headers={"Origin": "https://desk.example"}).headers
        assert h["access-control-allow-origin"] == "https://desk.example"


def test_rate_limiter_window() -> None:
    rl = RateLimiter(2)
    assert rl.allow("a", 0.0)[0] and rl.allow("a", 1.0)[0]
    ok, retry = rl.allow("a", 2.0)
    assert not ok and 1 <= retry <= 60
    assert rl.allow("b", 2.0)[0]  # per client
    assert rl.allow("a", 61.0)[0]  # the window slid


def test_request_id_sanitized() -> None:
    assert request_id("ok-id_1.2") == "ok-id_1.2"
    assert request_id("bad id\r\nX-Injected: 1") != "bad id\r\nX-Injected: 1"


def test_token_compare() -> None:
    assert token_matches("abc", "abc") and not token_matches("abd", "abc") and not token_matches(None, "abc")
    assert not token_matches("トークン", "abc")


@pytest.mark.parametrize(
    ("raw", "safe"),
    [("../../etc/passwd.md", "passwd.md"), ("..\\..\\win.txt", "win.txt"), ("計画 2024.PDF", "計画_2024.PDF"),
     (".hidden.md", "hidden.md")],
)
def test_safe_upload_name(raw: str, safe: str) -> None:
    assert safe_upload_name(raw) == safe


@pytest.mark.parametrize("raw", ["", "../../etc/passwd", "a.exe", "side.en.jsonl", "..", "/"])
def test_unsafe_upload_names_refused(raw: str) -> None:
    with pytest.raises(BadUploadName):
        safe_upload_name(raw)


def test_only_costly_paths_are_rate_limited() -> None:
    from service.middleware import rate_limited as _rate_limited

    assert _rate_limited("/v1/ask") and _rate_limited("/v1/chat/completions")
    assert _rate_limited("/ui/gradio_api/queue/join")
    assert not _rate_limited("/ui/assets/index.js") and not _rate_limited("/healthz") and not _rate_limited("/metrics")
