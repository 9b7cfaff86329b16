"""The shared text utilities: every layer must cut sentences and match quotes the same way."""

from __future__ import annotations

import pytest

from core.text import canon, detect_lang, split_sentences, western_years


def test_sentences_split_at_japanese_and_english_ends_with_exact_offsets() -> None:
    text = "知財を活用する。  スタートアップを支援する！\nThe plan is new. It has five pillars."
    spans = split_sentences(text)
    pieces = [text[s.start : s.end] for s in spans]
    assert pieces == ["知財を活用する。", "スタートアップを支援する！", "The plan is new.", "It has five pillars."]


def test_a_list_number_at_a_line_start_is_not_a_sentence_end() -> None:
    # 「2. AOBA…」 read as "2." + "AOBA…" lost its item mark, and the step fell out of its list.
    text = "手順は次のとおり。\n1. 発明を整理する。\n2. AOBA-IPナビにログインする。\n12. IPAS supports startups. It helps."
    pieces = [text[s.start : s.end] for s in split_sentences(text)]
    assert pieces == ["手順は次のとおり。", "1. 発明を整理する。", "2. AOBA-IPナビにログインする。",
                      "12. IPAS supports startups.", "It helps."]
    # Inside a line a number before a capital still ends an English sentence.
    prose = "See section 3. The rule applies."
    assert [prose[s.start : s.end] for s in split_sentences(prose)] == ["See section 3.", "The rule applies."]


def test_closing_brackets_stay_with_their_sentence() -> None:
    text = "「知財を守る。」次の文。"
    assert [text[s.start : s.end] for s in split_sentences(text)] == ["「知財を守る。」", "次の文。"]


def test_a_full_stop_inside_brackets_does_not_end_the_sentence() -> None:
    # Cut at 「除く。)」, the rate (10%) was a sentence of its own, apart from what it is the rate of.
    text = "実施報奨金の額は、実施料収入(消費税を除く。)の10%に相当する額とする。(1) 対象。(2) 期間。"
    assert [text[s.start : s.end] for s in split_sentences(text)] == [
        "実施報奨金の額は、実施料収入(消費税を除く。)の10%に相当する額とする。", "(1) 対象。", "(2) 期間。"]
    # A bracket that never closes is an ordinary character.
    unclosed = "括弧が(閉じない。次の文。"
    assert [unclosed[s.start : s.end] for s in split_sentences(unclosed)] == ["括弧が(閉じない。", "次の文。"]


def test_a_table_row_is_one_sentence_whatever_its_cells_hold() -> None:
    # Cut at its cells' full stops, 「撮影費1点16,500円。」 answered "how much for a website?" without its row's name.
    row = "| 新規撮影 | 既存データがない場合に限る。撮影費1点16,500円。 |"
    text = f"料金は次のとおり。\n{row}\n| ウェブ | 3,300円 |\n注記。次。"
    assert [text[s.start : s.end] for s in split_sentences(text)] == [
        "料金は次のとおり。", row, "| ウェブ | 3,300円 |", "注記。", "次。"]
    inline = "前置き。 | ではない。"  # a bar inside a line starts no row
    assert [inline[s.start : s.end] for s in split_sentences(inline)] == ["前置き。", "| ではない。"]


def test_a_window_is_split_inside_its_bounds_only() -> None:
    text = "前の文。対象の文。後の文。"
    spans = split_sentences(text, 4, 9)
    assert [text[s.start : s.end] for s in spans] == ["対象の文。"]


def test_language_is_japanese_from_a_tenth_of_japanese_characters() -> None:
    assert detect_lang("IPASの支援") == "ja"
    assert detect_lang("What is IPAS?") == "en"
    assert detect_lang("") == "en"


def test_quote_key_ignores_width_emphasis_and_whitespace() -> None:
    assert canon("**ＩＰＡＳ** は\n支援") == canon("IPASは支援")


@pytest.mark.parametrize(("text", "western"), [
    ("県は令和6年度、補助金を交付しました。", "県は2024年度、補助金を交付しました。"),
    ("令和元年5月に施行", "2019年5月に施行"),
    ("平成31年4月", "2019年4月"),
    ("昭和64年", "1989年"),
    ("R7年4月1日から受付", "2025年4月1日から受付"),
    ("In Reiwa 6 the desk opened.", "In 2024 the desk opened."),
    # Not era years: no era, or no year after it.
    ("R&Dの第6年次計画、H2O、令和の時代", "R&Dの第6年次計画、H2O、令和の時代"),
])
def test_an_era_year_is_written_as_its_western_year(text: str, western: str) -> None:
    assert western_years(text) == western
