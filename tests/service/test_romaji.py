"""Romanized readings, and the names check of English questions over untranslated Japanese text."""

from __future__ import annotations

import pytest

from service.romaji import fold, loan_key, names_unseen, romanize, text_romaji


@pytest.mark.parametrize(("katakana", "roman"), [
    ("トウキョウ", "tokyo"), ("ホッカイドウ", "hokkaido"), ("シュショウ", "shusho"), ("マッチャ", "matcha"),
    ("キョウト", "kyoto"), ("ナゴヤ", "nagoya"), ("アオバセイキ", "aobaseki"), ("ジョウホウ", "joho"),
    ("コーヒー", "kohi"),
])
def test_katakana_readings_become_folded_hepburn(katakana: str, roman: str) -> None:
    assert romanize(katakana) == roman


def test_english_spellings_fold_to_the_same_form() -> None:
    # Macrons, ou/ei digraphs and case all meet the romanized reading.
    assert fold("Tōkyō") == fold("Toukyou") == fold("Tokyo") == romanize("トウキョウ")
    assert fold("Aoba Seiki") == romanize("アオバセイキ")


def test_passage_readings_come_from_sudachi() -> None:
    romaji = text_romaji("株式会社アオバ精機は名古屋市に工場を置く。")
    assert "aobaseki" in romaji and "nagoya" in romaji


def test_names_are_seen_by_reading_dictionary_or_spelling_and_figures_are_left_out() -> None:
    text = "北辰大学の本部は名古屋市にあり、IPASの支援を受けた。日本の企業。"
    romaji = text_romaji(text)
    lexicon = {"japan": frozenset({"日本"})}
    terms = frozenset({"北辰", "大学", "名古屋", "日本", "企業", "ipas"})

    def unseen(names: set[str]) -> float:
        return names_unseen(names, lambda stem: lexicon.get(stem, frozenset()), text, terms, romaji)

    assert unseen({"nagoya"}) == 0.0  # by its reading
    assert unseen({"japan"}) == 0.0  # by the dictionary
    assert unseen({"ipas"}) == 0.0  # as written
    assert unseen({"hokushin university"}) == 1.0  # "university" neither reads nor translates here
    assert unseen({"osaka", "nagoya"}) == 0.5
    assert unseen({"2024", "fy2025"}) == 0.0  # figures are the numbers check's business
    # A short word would find itself inside any long reading by chance: it needs the spelling or the dictionary.
    assert unseen({"ki"}) == 1.0
    assert unseen(set()) == 0.0


def test_foreign_names_meet_their_katakana_by_consonants() -> None:
    text = "国際出願はハーグ協定とジュネーブ改正協定に基づく。マドリッド・プロトコルも使える。"
    romaji = text_romaji(text)

    def unseen(names: set[str], passage: str = text) -> float:
        return names_unseen(names, lambda stem: frozenset(), passage, frozenset(), text_romaji(passage))

    assert romaji and unseen({"hague"}) == 0.0  # hagu: the reading alone differs in its vowels
    assert unseen({"geneva"}) == 0.0 and unseen({"madrid"}) == 0.0
    assert loan_key("Microsoft") == loan_key("maikurosofuto") == "mksft"
    # Two consonants alone would meet unrelated words (モデル → md): the opening syllable must agree too.
    assert unseen({"madrid"}, "モデル事業を始める。") == 1.0
    assert unseen({"brussels"}) == 1.0
