"""The bilingual lexicon: its file format, restriction to an index's vocabulary, compounds through their parts, the
shipped data, the builder over JMdict's SQLite schema, and the cross-lingual BM25 channel it feeds."""

from __future__ import annotations

import gzip
import sqlite3
import sys
from pathlib import Path

import pytest

from core.settings import Settings
from retriever.lexicon import KNOWN_STEMS, LEXICON_PATH, CrossLexicon, read_lexicon
from retriever.tokenize import english_tokens

ROOT = Path(__file__).resolve().parents[2]


def _write(path: Path, entries: dict[str, str]) -> Path:
    stems = sorted({s for v in entries.values() for s in v.split()})
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(f"{KNOWN_STEMS}\t{' '.join(stems)}\n")
        for form, v in entries.items():
            fh.write(f"{form}\t{v}\n")
    return path


def test_read_lexicon_keeps_only_wanted_forms_and_all_known_stems(tmp_path: Path) -> None:
    path = _write(tmp_path / "lex.tsv.gz", {"締め切り": "deadline clos", "天気": "weather fine"})
    entries, known = read_lexicon(path, {"締め切り"})
    assert entries == {"締め切り": ("deadline", "clos")}
    assert {"weather", "deadline"} <= known  # known although 天気 was not wanted
    assert read_lexicon(tmp_path / "missing.tsv.gz", {"x"}) == ({}, frozenset())


def test_cross_lexicon_maps_english_stems_to_index_terms_only(tmp_path: Path) -> None:
    path = _write(tmp_path / "lex.tsv.gz", {"締め切り": "deadline", "天気": "weather", "海外": "abroad oversea",
                                            "展開": "expansion develop", "規模": "scale"})
    lex = CrossLexicon(["締め切り", "応募", "海外展開規模"], path)
    assert lex.translations("deadline") == {"締め切り"}
    # The dictionary knows "weather", but this index never says 天気: known, with no translation here.
    assert lex.translations("weather") == frozenset() and lex.knows("weather")
    assert not lex.knows("tokyo")
    # A compound the dictionary lacks is glossed by its short-unit parts.
    assert lex.translations("scale") == {"海外展開規模"}
    assert lex.translations("oversea") == {"海外展開規模"}


def test_shipped_lexicon_glosses_common_administrative_words() -> None:
    assert LEXICON_PATH.is_file()
    entries, known = read_lexicon(LEXICON_PATH, {"締め切り", "上限", "申請", "知的財産"})
    assert english_tokens("deadline")[0] in entries["締め切り"]
    assert english_tokens("limit")[0] in entries["上限"]
    assert set(english_tokens("intellectual property")) <= set(entries["知的財産"])
    assert len(known) > 10_000


def test_builder_reads_jmdict_schema_first_senses_short_glosses(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import build_lexicon
    finally:
        sys.path.remove(str(ROOT / "bench"))
    db = tmp_path / "jamdict.db"
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE Sense (ID INTEGER PRIMARY KEY, idseq INTEGER);
        CREATE TABLE SenseGloss (sid INTEGER, lang TEXT, gend TEXT, text TEXT);
        CREATE TABLE Kanji (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT);
        CREATE TABLE Kana (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT, nokanji BOOLEAN);
        INSERT INTO Sense VALUES (1, 100), (2, 100), (3, 100), (4, 100);
        INSERT INTO SenseGloss VALUES (1, 'eng', '', 'deadline'), (2, 'eng', '', 'closing (of a door)'),
            (3, 'eng', '', 'a very long explanation of a rare sense'), (4, 'eng', '', 'cofferdam'),
            (1, 'ger', '', 'Frist');
        INSERT INTO Kanji VALUES (1, 100, '締め切り'), (2, 100, '締切');
        INSERT INTO Kana VALUES (1, 100, 'しめきり', 0);
    """)
    con.commit()
    con.close()
    out = tmp_path / "lex.tsv.gz"
    assert build_lexicon.main([str(db), "--out", str(out)]) == 0
    entries, known = read_lexicon(out, {"締め切り", "締切", "しめきり"})
    # The 4th sense is cut; the long gloss and the parenthesised note are dropped.
    assert set(entries["締め切り"]) == set(english_tokens("deadline closing"))
    assert entries["締切"] == entries["しめきり"] == entries["締め切り"]
    assert not {"frist", *english_tokens("cofferdam")} & known


def test_english_query_reaches_untranslated_passage_through_lexicon(small_index_settings: Settings) -> None:
    from retriever.factory import load_retriever

    r = load_retriever(small_index_settings)
    assert any("海賊版" in c for c in r.translate_query("How large is the damage from pirated editions?"))
    channels, _ = r.channels("How large is the damage from pirated editions?", "en", 10)
    assert "lexical_x" in channels
    top = r.chunks[channels["lexical_x"][0][0]]
    assert "海賊版" in top.text
    hits = r.search("How large is the damage from pirated editions?", 3).hits
    assert "海賊版" in hits[0].text and "lexical_x" in hits[0].channels


def test_translated_index_has_no_cross_lingual_channel(engine) -> None:  # type: ignore[no-untyped-def]
    channels, _ = engine.current.retriever.channels("What IP help can startups get from the JPO?", "en", 10)
    assert "lexical_x" not in channels


def test_a_translated_word_weighs_as_one_term_however_many_its_translations() -> None:
    from retriever.hybrid import _Lexical

    docs = [["申請", "出願", "期間"], ["申請", "期限"], ["上限", "金額", "予算"], ["上限", "申請"], ["国", "費用"]]
    lexical = _Lexical(docs)
    # A class of one is plain BM25.
    single, plain = lexical.search_classes([["上限"]], 5), lexical.search(["上限"], 5)
    assert [d for d, _ in single] == [d for d, _ in plain]
    assert [s for _, s in single] == pytest.approx([s for _, s in plain])
    # "application cap": in a flat bag, application's two translations outweigh cap, and the passage naming both
    # 申請 and 出願 wins; as classes, the one passage with both words of the question does.
    flat = lexical.search(["申請", "出願", "上限"], 5)
    classes = lexical.search_classes([["申請", "出願"], ["上限"]], 5)
    assert flat[0][0] == 0
    assert classes[0][0] == 3
