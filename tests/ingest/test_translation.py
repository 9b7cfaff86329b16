"""The reference-translation sidecar: the bundled one passes the check, the check catches real errors, and the
LLM translator writes a checked sidecar through an OpenAI-compatible server (a local stub here)."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from core.text import canon
from ingest.translate_llm import (
    TranslationCheckFailed,
    TranslationFailed,
    TranslationUnavailable,
    translate_document,
)
from ingest.translation import load_sidecar, own_english
from ingest.translation_check import (
    check_file,
    check_translation,
    document_sentences,
    extract_quantities_en,
    extract_quantities_ja,
    has_japanese,
)

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "data" / "corpus" / "ipsp2024.md"
SIDECAR = REPO / "data" / "corpus" / "ipsp2024.en.jsonl"


def q(*values: int | str) -> Counter[Decimal]:
    return Counter(Decimal(str(v)) for v in values)


def qja(text: str) -> Counter[Decimal]:
    return Counter(extract_quantities_ja(text))


def qen(text: str) -> Counter[Decimal]:
    return Counter(extract_quantities_en(text))


def _lines(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write_lines(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


# --- (a) the bundled corpus -------------------------------------------------------------------------------------


def test_bundled_sidecar_passes_check() -> None:
    issues = check_file(DOC, SIDECAR)
    assert issues == [], "\n".join(map(str, issues))


def test_every_japanese_body_sentence_has_a_line_in_order() -> None:
    _, sentences = document_sentences(DOC)
    table = load_sidecar(SIDECAR)
    japanese = [s for s in sentences if has_japanese(s)]
    assert len(japanese) > 80
    assert [s for s in japanese if canon(s) not in table] == []
    # One line per sentence, in document order, with ja copied exactly.
    assert [r["ja"] for r in _lines(SIDECAR)] == sentences
    assert all(r["en"].strip() and not has_japanese(r["en"]) for r in _lines(SIDECAR))


def test_bundled_sidecar_key_figures() -> None:
    rows = {r["ja"]: r["en"] for r in _lines(SIDECAR)}
    piracy = next(en for ja, en in rows.items() if "約2兆円" in ja)
    assert "about 2 trillion yen" in piracy and "2022" in piracy
    assert any("50 trillion yen (by 2033)" in en for en in rows.values())
    assert any("June 4, 2024" in en for en in rows.values())
    assert any("30–40%" in en and "per million people" in en for en in rows.values())


# --- (b), (c) the check fails on real errors ---------------------------------------------------------------------


def test_changed_number_is_a_number_mismatch(tmp_path: Path) -> None:
    rows = _lines(SIDECAR)
    hit = [i for i, r in enumerate(rows) if "2 trillion" in r["en"]]
    assert len(hit) == 1
    rows[hit[0]]["en"] = rows[hit[0]]["en"].replace("2 trillion", "3 trillion")
    bad = tmp_path / "ipsp2024.en.jsonl"
    _write_lines(bad, rows)
    issues = check_file(DOC, bad)
    assert [i.kind for i in issues] == ["number_mismatch"]
    assert "約2兆円" in issues[0].ja and "3 trillion" in (issues[0].en or "")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("June 4, 2024", "June 5, 2024"),
        ("30–40%", "30–50%"),
        ("fiscal 2026", "fiscal 2025"),
        ("four items", "five items"),
    ],
)
def test_other_changed_numbers_are_caught(tmp_path: Path, old: str, new: str) -> None:
    rows = _lines(SIDECAR)
    (i,) = [i for i, r in enumerate(rows) if old in r["en"]]
    rows[i]["en"] = rows[i]["en"].replace(old, new)
    bad = tmp_path / "x.en.jsonl"
    _write_lines(bad, rows)
    assert [issue.kind for issue in check_file(DOC, bad)] == ["number_mismatch"]


def test_removed_line_is_missing(tmp_path: Path) -> None:
    rows = _lines(SIDECAR)
    removed = next(r for r in rows if r["ja"].startswith("2024年6月4日"))
    rows.remove(removed)
    bad = tmp_path / "x.en.jsonl"
    _write_lines(bad, rows)
    issues = check_file(DOC, bad)
    assert [(i.kind, i.ja) for i in issues] == [("missing", removed["ja"])]


def test_line_for_no_sentence_is_unknown(tmp_path: Path) -> None:
    rows = _lines(SIDECAR) + [{"ja": "これは本文にない文である。", "en": "This sentence is not in the document."}]
    bad = tmp_path / "x.en.jsonl"
    _write_lines(bad, rows)
    assert [i.kind for i in check_file(DOC, bad)] == ["unknown_sentence"]


def test_alignment_ignores_whitespace_and_width(tmp_path: Path) -> None:
    doc = "# 題\n\n## 1 概要\n\n計画は2024年に決定された。予算は30億円である。\n"
    side = tmp_path / "d.en.jsonl"
    # Full-width digits and extra spaces in "ja" still match through canon().
    _write_lines(side, [
        {"ja": "計画は ２０２４年に 決定された。", "en": "The plan was decided in 2024."},
        {"ja": "予算は30億円である。", "en": "The budget is 3 billion yen."},
    ])
    assert check_translation(doc, side) == []
    assert [i.kind for i in check_translation(doc, side, ["計画は2024年に決定された。", "別の文。"])] == [
        "missing", "unknown_sentence",
    ]


# --- (d) quantity extraction -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ja", "en", "expected"),
    [
        ("約2兆円", "about 2 trillion yen", q(2_000_000_000_000)),
        ("3～4割", "30–40 %", q(30, 40)),
        ("３～４割程度", "30-40%", q(30, 40)),
        ("２０２４年", "2024", q(2024)),
        ("50兆円(2033年)", "50 trillion yen (by 2033)", q(50_000_000_000_000, 2033)),
        ("5倍", "five times", q(5)),
        ("5倍", "fivefold", q(5)),
        ("2024年6月4日", "June 4, 2024", q(2024, 6, 4)),
        ("100万人当たり", "per million people", q(1_000_000)),
        ("100万人", "1 million people", q(1_000_000)),
        ("4つの項目", "four items", q(4)),
        ("2つ目は", "The second is", q(2)),
        ("2026年度以降", "from fiscal 2026 onward", q(2026)),
        ("2026年度以降", "from FY2026 onward", q(2026)),
        ("1兆2,000億円", "1.2 trillion yen", q(1_200_000_000_000)),
        ("30億円", "3 billion yen", q(3_000_000_000)),
        ("5千万円", "50 million yen", q(50_000_000)),
        ("2~3兆円", "2 to 3 trillion yen", q(2_000_000_000_000, 3_000_000_000_000)),
        ("ガイドランス Ver1.0を策定", "Guidance Ver1.0", q()),
        ("G7「広島AIプロセス」", "the G7 Hiroshima AI Process", q()),
        ("✉ eiichi.yamamoto.v8i@cao.go.jp", "eiichi.yamamoto.v8i@cao.go.jp", q()),
        ("<https://www.kantei.go.jp/jp/singi/titeki2/x2024/pdf/s2.pdf>", "https://www.kantei.go.jp/a2/b.pdf", q()),
        ("指標の一つ", "one of the indicators", q()),
        ("令和6年度", "fiscal 2024", q(2024)),
        ("令和元年5月", "May 2019", q(2019, 5)),
        ("平成31年", "Heisei 31", q(2019)),
        ("第三者の権利", "third-party rights", q()),
        ("2倍", "twice", q(2)),
        ("2020年代", "the 2020s", q(2020)),
        ("1,000件", "1,000 cases", q(1000)),
    ],
)
def test_quantities_agree(ja: str, en: str, expected: Counter[Decimal]) -> None:
    assert qja(ja) == expected
    assert qen(en) == expected


@pytest.mark.parametrize(
    ("ja", "en"),
    [
        ("約2兆円", "about 3 trillion yen"),
        ("約2兆円", "about 2 billion yen"),
        ("3～4割", "3–4%"),
        ("5倍", "four times"),
        ("2024年6月4日", "June 4, 2025"),
        ("2024年6月4日", "July 4, 2024"),
        ("100万人当たり", "per thousand people"),
        ("50兆円(2033年)", "50 trillion yen"),
    ],
)
def test_quantities_disagree(ja: str, en: str) -> None:
    assert qja(ja) != qen(en)


def test_month_names_only_count_next_to_numbers() -> None:
    assert qen("Companies may act in March 2023.") == q(3, 2023)
    assert qen("It may march on.") == q()


# --- (e) LLM translation through a stub OpenAI-compatible server ------------------------------------------------

_NUMBERED = re.compile(r"^(\d+)\. (.*)$", re.MULTILINE)


def _stub_translate(ja: str, drop_units: bool) -> str:
    """A 'translation' that keeps the quantities (兆 → trillion, 億 → hundred million) unless told to drop units."""
    text = ja if drop_units else ja.replace("兆", " trillion ").replace("億", " hundred million ")
    kept = re.findall(r"\d+(?:\.\d+)?(?:\s*(?:trillion|hundred million))?", text)
    return "Sentence stating " + (" and ".join(kept) if kept else "no figures") + "."


class _Stub:
    """State shared with the handler: what to answer, and what was asked."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.bad_first_replies = 0
        self.drop_units = False
        self.lock = threading.Lock()


def _make_handler(stub: _Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/v1/chat/completions":
                self.send_error(404)
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with stub.lock:
                stub.requests.append(body)
                bad = stub.bad_first_replies > 0
                stub.bad_first_replies -= 1 if bad else 0
            user = next(m["content"] for m in body["messages"] if m["role"] == "user")
            sentences = [m.group(2) for m in _NUMBERED.finditer(user)]
            if bad:
                content = "Sure! Here are the translations: " + json.dumps(["only one"])
            else:
                content = json.dumps([_stub_translate(s, stub.drop_units) for s in sentences])
            payload = json.dumps({
                "id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": body.get("model", "stub"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def stub_llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[_Stub, str]]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    stub = _Stub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(stub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _small_doc(tmp_path: Path) -> Path:
    body = "".join(f"第{i}の施策は{2000 + i}年に開始された。" for i in range(1, 13))
    doc = tmp_path / "plan.md"
    doc.write_text(
        "# 小さな計画\n\n## 1 概要\n\n" + body + "\n\n予算は約2兆円である。\n\nAn English subtitle 2024\n\n"
        "## 2 詳細\n\n予算は30億円である。\n",
        encoding="utf-8",
    )
    return doc


def _settings(base_url: str | None) -> Settings:
    return Settings(llm_base_url=base_url, llm_model="stub-model", llm_timeout_s=10)


def test_translate_document_writes_checked_sidecar(tmp_path: Path, stub_llm: tuple[_Stub, str]) -> None:
    stub, url = stub_llm
    doc = _small_doc(tmp_path)
    out = translate_document(doc, _settings(url), batch_size=10)
    assert out == tmp_path / "plan.en.jsonl"
    rows = _lines(out)
    _, sentences = document_sentences(doc)
    japanese = [s for s in sentences if has_japanese(s)]
    assert len(japanese) == 14
    assert [r["ja"] for r in rows] == japanese
    assert "2 trillion" in next(r["en"] for r in rows if "2兆円" in r["ja"])
    assert check_file(doc, out) == []
    # 14 sentences in batches of 10: two requests, numbered sentences, to the configured model.
    assert len(stub.requests) == 2
    assert all(r["model"] == "stub-model" for r in stub.requests)
    assert "10. " in stub.requests[0]["messages"][-1]["content"]


def test_translate_document_retries_a_malformed_reply(tmp_path: Path, stub_llm: tuple[_Stub, str]) -> None:
    stub, url = stub_llm
    stub.bad_first_replies = 1
    out = translate_document(_small_doc(tmp_path), _settings(url), out=tmp_path / "side.jsonl")
    assert out == tmp_path / "side.jsonl" and len(_lines(out)) == 14
    assert len(stub.requests) == 3  # the first batch twice, then the second


def test_translate_document_gives_up_after_one_retry(tmp_path: Path, stub_llm: tuple[_Stub, str]) -> None:
    stub, url = stub_llm
    stub.bad_first_replies = 2
    with pytest.raises(TranslationFailed):
        translate_document(_small_doc(tmp_path), _settings(url))
    assert not (tmp_path / "plan.en.jsonl").exists()


def test_translate_document_reports_wrong_numbers(tmp_path: Path, stub_llm: tuple[_Stub, str]) -> None:
    stub, url = stub_llm
    stub.drop_units = True  # "約2兆円" comes back as plain "2": wrong, even when asked again
    with pytest.raises(TranslationCheckFailed) as err:
        translate_document(_small_doc(tmp_path), _settings(url))
    assert err.value.path.is_file()
    assert sorted(i.kind for i in err.value.issues) == ["number_mismatch", "number_mismatch"]
    assert {i.ja for i in err.value.issues} == {"予算は約2兆円である。", "予算は30億円である。"}
    # Two batches plus one single-sentence retry for each wrong line.
    assert len(stub.requests) == 4


def test_translate_document_without_llm_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(TranslationUnavailable, match="IPQA_LLM_BASE_URL"):
        translate_document(_small_doc(tmp_path), _settings(None))
    assert not (tmp_path / "plan.en.jsonl").exists()


def test_unreachable_llm_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(TranslationUnavailable, match="LLM request failed"):
        translate_document(_small_doc(tmp_path), _settings("http://127.0.0.1:9/v1"))


def test_an_english_passage_is_its_own_english_text() -> None:
    from core.contracts import Chunk

    doc = "Startups receive a two-thirds reduction. Apply online.\n本制度は中小企業を支援します。"
    english = Chunk(chunk_id="d#0", doc_id="d", doc_title="d", section_path=[], text=doc[:54], start=0, end=54, lang="en")
    japanese = Chunk(chunk_id="d#1", doc_id="d", doc_title="d", section_path=[], text=doc[55:], start=55, end=len(doc))
    translated = Chunk(chunk_id="d#2", doc_id="d", doc_title="d", section_path=[], text=doc[:54], start=0, end=54, lang="en",
                       text_en="A translation.", en_sentences=[(0, 54, "A translation.")])
    assert own_english([english, japanese, translated], doc) == 1
    assert english.text_en == english.text
    assert english.en_sentences == [(0, 40, "Startups receive a two-thirds reduction."), (41, 54, "Apply online.")]
    assert japanese.text_en is None and translated.text_en == "A translation."
