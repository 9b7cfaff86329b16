"""Section detection in plain text (.txt, PDF): short numbered lines are headings, unless they are a list."""

from __future__ import annotations

from ingest import normalize
from ingest.sections import detect_sections, enumerated_lines

RULES = """第1章 総則
本規程は発明の取扱いを定める。
従業者等とは次の者をいう。
（１）正社員
（２）契約社員
（３）嘱託社員
1. 手続
手順は次のとおり。
1. 届出書を出す
2. 面談を受ける
3. 審査を待つ
2. 報奨
報奨金を支払う。
○ 対象外
○ 派遣社員
○ 学生
"""


def _sections(text: str) -> dict[tuple[str, ...], str]:
    t = normalize(text).text
    return {s.path: t[s.start : s.end] for s in detect_sections(t)}


def test_a_run_of_numbered_short_lines_is_a_list_in_its_section() -> None:
    secs = _sections(RULES)
    assert list(secs) == [("第1章 総則",), ("1. 手続",), ("2. 報奨",)]
    # The (n) items and the steps are body text of their section, where retrieval and quoting can find them.
    assert "(1)正社員\n(2)契約社員\n(3)嘱託社員" in secs[("第1章 総則",)]
    assert "1. 届出書を出す\n2. 面談を受ける\n3. 審査を待つ" in secs[("1. 手続",)]
    # 「2. 報奨」 right after step 3 does not continue the steps' numbering: it is the next heading.
    assert secs[("2. 報奨",)].startswith("報奨金を支払う。")
    # Bullets of the same mark with nothing between them are a list too.
    assert "○ 対象外\n○ 派遣社員\n○ 学生" in secs[("2. 報奨",)]


def test_an_outline_with_body_under_each_heading_keeps_its_headings() -> None:
    secs = _sections("1. 概要\n本書の目的を述べる。\n2. 対象\n中小企業が対象です。\n"
                     "(1) 申請\n申請書を出す。\n(2) 審査\n審査する。\n")
    assert list(secs) == [("1. 概要",), ("2. 対象",), ("2. 対象", "(1) 申請"), ("2. 対象", "(2) 審査")]


def test_enumerated_lines_needs_the_next_number_of_the_same_numbering() -> None:
    lines = ["1. 届出", "2. 面談", "1.1 細目", "(1) 一", "(3) 三", "第1章 総則", "第2章 届出", "本文。"]
    # 1.→2. continue; 1.1 is another depth; (1)→(3) skips; chapters in a row are a table of contents' headings.
    assert enumerated_lines(lines) == {0, 1}
    assert enumerated_lines(["1. 届出", "", "2. 面談"]) == {0, 2}  # blank lines between items do not end the list


def test_the_title_heading_leaves_the_paths_whatever_its_width() -> None:
    # The title comes as loaded (full-width brackets), the heading from normalized text (NFKC): the same title. Left
    # in, it roots every path, and every question about the report shares its words (報告書).
    text = normalize("# 営業秘密の調査報告書（2025年）\n\n本書は調査の結果をまとめる。\n\n"
                     "## 5. 課題\n\n人材が不足している。\n").text
    paths = [s.path for s in detect_sections(text, "営業秘密の調査報告書（2025年）")]
    assert paths == [(), ("5. 課題",)]
    # Another first heading is a section of its own.
    assert [s.path for s in detect_sections(text, "別の文書")][0] == ("営業秘密の調査報告書(2025年)",)


def test_each_article_under_its_caption_is_a_section_of_its_chapter() -> None:
    # The layout of Japanese statutes and company rule books: a caption line, then the article's number and text.
    secs = _sections("第1章 総則\n（目的）\n第1条 この規程は発明の取扱いを定める。\n（従業者等の範囲）\n"
                     "第3条 「従業者等」とは、次の者をいう。\n（１）正社員\n（２）契約社員\n第2章 報奨\n（報奨金）\n"
                     "第13条の2 報奨金を支払う。\n")
    assert list(secs) == [("第1章 総則", "第1条 (目的)"), ("第1章 総則", "第3条 (従業者等の範囲)"),
                          ("第2章 報奨", "第13条の2 (報奨金)")]
    assert "(1)正社員\n(2)契約社員" in secs[("第1章 総則", "第3条 (従業者等の範囲)")]
    # A bracketed line that no article follows stays body text.
    assert list(_sections("1. 概要\n(注)\n本書は案内である。\n")) == [("1. 概要",)]
