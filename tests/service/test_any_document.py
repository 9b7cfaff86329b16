"""Documents other than the plan: a startup support guide added as HTML (and as a PDF printed from it), asked in
Japanese and in English, although it has no reference translation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.settings import REPO_ROOT, Settings
from core.text import canon
from ingest import ingest, load_document, normalize
from service.answer import AnswerService
from service.composer import EN_LEAD_JA_ONLY, EN_LEAD_SOURCE
from service.engine import Engine
from service.schemas import AskRequest
from tests.conftest import CORPUS
from tests.helpers import chromium_available, html_to_pdf

GUIDE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>創業者のための知財支援ハンドブック</title></head>
<body>
<h1>創業者のための知財支援ハンドブック</h1>
<p>本ハンドブックは、あおば区創業支援センターが実施する知財支援制度をまとめたものです。</p>
<h2>1. 出願費用の補助</h2>
<p>創業5年以内の区内企業を対象に、国内特許出願の費用の2分の1を補助します。補助の上限は1件あたり30万円です。</p>
<h2>2. 応募方法</h2>
<p>応募締切は<strong>2025年5月30日</strong>です。申請書は区のウェブサイトから入手できます。</p>
<p>必要な書類は次のとおりです。</p>
<ul><li>申請書(様式第1号)</li><li>履歴事項全部証明書</li><li>出願予定の発明の概要書</li></ul>
<h2>3. お問い合わせ</h2>
<p>あおば区創業支援センター 知財担当(電話 045-000-1234、平日9時から17時まで)</p>
</body></html>
"""


def _service(tmp_path: Path, docs: list[Path]) -> AnswerService:
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=tmp_path / "corpus")
    ingest(settings, docs)
    engine = Engine(settings)
    engine.load()
    assert engine.ready, engine.status
    return AnswerService(engine)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> AnswerService:
    """The bundled plan plus the guide, as after an upload through /v1/admin/documents."""
    tmp = tmp_path_factory.mktemp("mixed")
    guide = tmp / "guide.html"
    guide.write_text(GUIDE, encoding="utf-8")
    return _service(tmp, [CORPUS, guide])


def test_japanese_question_about_the_guide(mixed: AnswerService) -> None:
    a = mixed.ask(AskRequest(question="応募締切はいつですか"))
    assert not a.abstained and "2025年5月30日" in a.answer
    assert a.citations[0].doc_id.startswith("guide")


def test_english_question_reaches_the_untranslated_guide(mixed: AnswerService) -> None:
    a = mixed.ask(AskRequest(question="When is the application deadline?"))
    assert not a.abstained
    assert a.answer.startswith(EN_LEAD_JA_ONLY)  # an English lead, then the Japanese quote
    assert any("2025年5月30日" in c.quote for c in a.citations)


def test_list_of_documents_from_html_items(mixed: AnswerService) -> None:
    a = mixed.ask(AskRequest(question="必要な書類をすべて教えてください"))
    assert not a.abstained
    for item in ("申請書(様式第1号)", "履歴事項全部証明書", "出願予定の発明の概要書"):
        assert item in a.answer


def test_a_sentence_announcing_a_list_is_answered_with_the_list(mixed: AnswerService) -> None:
    # Not phrased as a list question: the best sentence (「必要な書類は次のとおりです。」) hands over to the items.
    a = mixed.ask(AskRequest(question="応募に必要な書類は？"))
    assert not a.abstained
    lines = a.answer.splitlines()
    assert lines[0].startswith("必要な書類は次のとおりです。")  # the announcing sentence leads, unbulleted
    assert [ln.split("[")[0] for ln in lines[1:]] == ["・申請書(様式第1号)", "・履歴事項全部証明書", "・出願予定の発明の概要書"]
    assert all(c.doc_id.startswith("guide") for c in a.citations)


def test_refusal_names_every_indexed_document(mixed: AnswerService) -> None:
    a = mixed.ask(AskRequest(question="明日の札幌の天気を教えてください。"))
    assert a.abstained
    assert "創業者のための知財支援ハンドブック" in a.answer and "知的財産推進計画2024" in a.answer


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="needs Debian's chromium")
def test_guide_printed_to_pdf_is_answered_like_the_html(tmp_path: Path) -> None:
    html = tmp_path / "guide.html"
    html.write_text(GUIDE, encoding="utf-8")
    pdf = tmp_path / "docs" / "guide.pdf"
    html_to_pdf(html, pdf)
    a = _service(tmp_path, [pdf.parent]).ask(AskRequest(question="応募締切はいつですか"))
    assert not a.abstained and "2025年5月30日" in a.answer  # 「2025 年 5 月 30 日」 repaired


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="needs Debian's chromium")
def test_second_document_as_pdf_keeps_every_gold_quote(tmp_path: Path) -> None:
    """The held-out guide printed to PDF: the text ingest gets holds every gold quote of its question set, so the
    PDF route can be evaluated like the HTML one (only the text is checked here, never answers: the set is held out)."""
    src = REPO_ROOT / "eval" / "data" / "guide"
    shutil.copy(src / "startup_ip_guide.html", tmp_path / "guide.html")
    pdf = tmp_path / "guide.pdf"
    html_to_pdf(tmp_path / "guide.html", pdf)
    text = canon(normalize(load_document(pdf).page_content, pdf=True).text)
    rows = [json.loads(line) for line in (src / "guide.jsonl").read_text(encoding="utf-8").splitlines() if line]
    missing = [q for r in rows for q in r["gold_quotes"] if canon(q) not in text]
    assert not missing, missing[:5]


def test_untranslated_passage_is_retrieved_first_for_english(mixed: AnswerService) -> None:
    hits = mixed.engine.current.retriever.search("When is the application deadline?", 5).hits
    assert hits[0].doc_id.startswith("guide") and "2025年5月30日" in hits[0].text


ENGLISH_GUIDE = """# Patent Fee Relief for Small Businesses

## 1. Who qualifies

Small and medium-sized enterprises with 300 or fewer employees and startups under 10 years old can apply for fee relief.

## 2. What is reduced

The examination request fee is reduced by half. Startups receive a two-thirds reduction of the examination request fee.

## 3. Contact

Fee Relief Desk, Patent Office. Phone: 03-3581-1101 (extension 2105).
"""


def test_an_english_document_is_quoted_as_it_is(tmp_path: Path) -> None:
    """A user's English document is its own English text: English questions read it as English (no "Japanese
    original" lead, no duplicate "translation" in the citation) and a reduction by a fraction answers "how much"."""
    guide = tmp_path / "fee_relief.md"
    guide.write_text(ENGLISH_GUIDE, encoding="utf-8")
    svc = _service(tmp_path, [guide])
    a = svc.ask(AskRequest(question="How much is the examination fee reduced for startups?"))
    assert not a.abstained, a.answer
    assert a.answer.startswith(EN_LEAD_SOURCE + " ") and "two-thirds" in a.answer
    assert all(c.text_en is None and c.quote_en is None for c in a.citations)
    a = svc.ask(AskRequest(question="Who can apply for fee relief?"))
    assert not a.abstained and "300 or fewer employees" in a.answer
