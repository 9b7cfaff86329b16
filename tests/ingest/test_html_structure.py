"""HTML structure that answers depend on: list items keep their marks, table rows stay whole, inline tags add no
spaces inside Japanese sentences."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders import load_document
from ingest.normalize import normalize

PAGE = """<!doctype html><html lang="ja"><head><title>案内</title></head><body>
<h1>支援の案内</h1>
<p>応募締切は<strong>2025年5月30日</strong>です。</p>
<h2>必要書類</h2>
<ul><li>申請書(様式第1号)</li><li>登記事項証明書</li></ul>
<h2>審査の流れ</h2>
<ol><li>書類審査</li><li>面接審査</li><li>採択通知</li></ol>
<table><tr><th>メニュー</th><th>募集枠</th></tr><tr><td>出願助成</td><td>20件程度</td></tr></table>
<p>住所:みなと市1-2-3<br>電話:012-555-0184</p>
</body></html>"""


def _text(tmp_path: Path) -> str:
    path = tmp_path / "guide.html"
    path.write_text(PAGE, encoding="utf-8")
    return normalize(load_document(path).page_content).text


def test_inline_tags_add_no_spaces(tmp_path: Path) -> None:
    assert "応募締切は2025年5月30日です。" in _text(tmp_path)


def test_list_items_keep_their_marks_and_order(tmp_path: Path) -> None:
    text = _text(tmp_path)
    assert "・申請書(様式第1号)\n\n・登記事項証明書" in text
    assert "・書類審査\n\n・面接審査\n\n・採択通知" in text


def test_ordered_items_are_not_section_headings(tmp_path: Path) -> None:
    from ingest.sections import detect_sections

    paths = {s.path for s in detect_sections(_text(tmp_path), "案内")}
    assert all("書類審査" not in " ".join(p) for p in paths)


def test_table_rows_stay_whole_and_are_not_joined(tmp_path: Path) -> None:
    text = _text(tmp_path)
    assert "| メニュー | 募集枠 |\n\n| 出願助成 | 20件程度 |" in text


def test_line_breaks_separate_words(tmp_path: Path) -> None:
    assert "住所:みなと市1-2-3 電話:012-555-0184" in _text(tmp_path)
