"""The sentence channel: passages ranked by their best sentence, with hand-made unit vectors so each case is exact."""

from __future__ import annotations

import numpy as np
import pytest

from ingest import SentenceTable
from retriever.sentences import SentenceChannel
from tests.helpers import sentence_chunk, unit

Q = unit(1.0, 0.0, 0.0)
# cosines with Q: 一. 0.9, 二. 0.2, 三. 0.6, 四. 0.5; English: A 0.95, B 0.1
VECS = {"一。": unit(0.9, 0.436, 0.0), "二。": unit(0.2, 0.98, 0.0), "三。": unit(0.6, 0.8, 0.0),
        "四。": unit(0.5, 0.866, 0.0), "A.": unit(0.95, 0.312, 0.0), "B.": unit(0.1, 0.995, 0.0)}
TABLE = SentenceTable(list(VECS), np.stack(list(VECS.values())))


def test_a_passage_is_as_good_as_its_best_sentence() -> None:
    # Passage 0 has one strong sentence among weak ones; passage 1 is uniformly middling.
    ch = SentenceChannel([sentence_chunk(0, "二。一。"), sentence_chunk(1, "三。四。")], TABLE)
    ranked = ch.search(Q, "ja", [0, 1], 10)
    assert [p for p, _ in ranked] == [0, 1]
    assert ranked[0][1] == pytest.approx(0.9, abs=1e-3)
    assert ranked[1][1] == pytest.approx(0.6, abs=1e-3)


def test_only_the_candidates_are_scored_and_depth_cuts() -> None:
    ch = SentenceChannel([sentence_chunk(0, "二。"), sentence_chunk(1, "一。"), sentence_chunk(2, "三。")], TABLE)
    assert [p for p, _ in ch.search(Q, "ja", [0, 2], 10)] == [2, 0]
    assert [p for p, _ in ch.search(Q, "ja", [0, 1, 2], 1)] == [1]


def test_english_query_reads_the_translation_and_lifts_untranslated_passages_by_the_gap() -> None:
    # Passage 0 is translated: its English sentence (0.95) scores it, 0.05 above its Japanese best (0.9). Passage 1
    # has no translation: Japanese 0.6 + that gap. An English query must not see untranslated text as worse merely
    # because cross-lingual cosines run lower.
    chunks = [sentence_chunk(0, "一。", en=["A."]), sentence_chunk(1, "三。")]
    ranked = dict(SentenceChannel(chunks, TABLE).search(Q, "en", [0, 1], 10))
    assert ranked[0] == pytest.approx(0.95, abs=1e-3)
    assert ranked[1] == pytest.approx(0.6 + (0.95 - 0.9), abs=1e-3)
    # A Japanese query never looks at the English sentences.
    assert dict(SentenceChannel(chunks, TABLE).search(Q, "ja", [0, 1], 10))[0] == pytest.approx(0.9, abs=1e-3)


def test_a_lower_english_score_never_lowers_untranslated_passages() -> None:
    # The gap is clipped at zero: a translated passage's weak English sentence says nothing about the others.
    chunks = [sentence_chunk(0, "一。", en=["B."]), sentence_chunk(1, "三。")]
    assert dict(SentenceChannel(chunks, TABLE).search(Q, "en", [0, 1], 10))[1] == pytest.approx(0.6, abs=1e-3)


def test_builds_without_sentence_vectors_give_an_empty_channel() -> None:
    chunks = [sentence_chunk(0, "一。")]
    assert SentenceChannel(chunks, None).search(Q, "ja", [0], 10) == []
    empty = SentenceChannel(chunks, SentenceTable.empty(3))
    assert not empty.available and empty.search(Q, "ja", [0], 10) == []
    # A passage none of whose sentences is in the table is left out rather than scored 0.
    assert SentenceChannel([sentence_chunk(0, "五。"), sentence_chunk(1, "一。")], TABLE).search(Q, "ja", [0, 1], 10)[0][0] == 1
    assert len(SentenceChannel([sentence_chunk(0, "五。"), sentence_chunk(1, "一。")], TABLE).search(Q, "ja", [0, 1], 10)) == 1


def test_english_search_uses_the_channel_and_evidence_stays_passage_level(engine) -> None:  # type: ignore[no-untyped-def]
    r = engine.current.retriever
    result = r.search("What IP help can startups get from the JPO?", 5)
    assert any("sentence" in h.channels for h in result.hits)
    channels, _ = r.channels(result.query, "en", 50, result.query_vector)
    # The answerability model was calibrated on passage cosines; the sentence channel's run higher.
    assert result.evidence == pytest.approx(max(channels["dense"][0][1], channels["dense_en"][0][1]))
    assert channels["sentence"][0][1] > result.evidence
