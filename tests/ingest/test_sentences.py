"""The sentence table built at ingest: what the reader compares is a lookup, and re-ingest embeds only new text."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from core.text import split_sentences
from ingest import ingest, load_index
from ingest.sentences import sentence_texts
from service.answer import AnswerService
from service.engine import Engine
from service.schemas import AskRequest
from tests.conftest import CORPUS

EXTRA = """# 追加の案内

## 相談窓口

中小企業の知財相談は、各都道府県の知財総合支援窓口で無料で受け付けている。窓口では弁理士が助言する。
"""


def test_every_reader_sentence_is_in_the_table_with_its_own_vector(built_settings: Settings, engine: Engine) -> None:
    index = load_index(built_settings.resolved_index_dir, engine.embedder.id)
    table = index.sentences
    assert table is not None and len(table) > 100
    for c in index.chunks:
        for sp in split_sentences(c.text):
            assert table.row(c.text[sp.start : sp.end]) is not None
        for _, _, en in c.en_sentences or []:
            assert table.row(en) is not None
    sample = table.texts[:: max(1, len(table) // 40)]
    fresh = engine.embedder.encode(sample, is_query=False)
    stored = np.asarray([table.vectors[table.row(t)] for t in sample])  # type: ignore[index]
    assert float(np.min(np.sum(fresh * stored, axis=1))) >= 0.999


def test_servers_map_the_table_read_only(built_settings: Settings, engine: Engine) -> None:
    table = engine.current.index.sentences
    assert table is not None
    assert not table.vectors.flags.writeable
    with pytest.raises(ValueError):
        table.vectors[0, 0] = 1.0


def test_answers_embed_no_sentence_at_question_time(built_settings: Settings, engine: Engine) -> None:
    service = AnswerService(engine)
    before = engine.current.vectors.misses
    for q in ("IPASとは何ですか", "What does the plan say about generative AI and copyright?",
              "東京の明日の天気を教えてください。"):
        service.ask(AskRequest(question=q))
    assert engine.current.vectors.misses == before


def test_reingest_embeds_only_the_new_documents_sentences(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(var_dir=tmp_path / "var", corpus_dir=corpus)
    first = ingest(settings)
    assert first.embedded_sentences == first.sentences > 100
    (corpus / "extra.md").write_text(EXTRA, encoding="utf-8")
    second = ingest(settings)
    new_texts = sentence_texts(c for c in _chunks(settings) if c.doc_id == "extra")
    assert second.sentences == first.sentences + len(new_texts)
    assert second.embedded_sentences == len(new_texts) <= 6


def _chunks(settings: Settings):  # type: ignore[no-untyped-def]
    from ingest import read_manifest

    manifest = read_manifest(settings.resolved_index_dir)
    return load_index(settings.resolved_index_dir, manifest["embedder"]["id"]).chunks


def test_a_build_from_before_sentence_tables_still_answers(tmp_path: Path, small_doc_corpus: Path) -> None:
    import json

    settings = Settings(var_dir=tmp_path / "var", corpus_dir=small_doc_corpus)
    ingest(settings)
    build = settings.resolved_index_dir.resolve()
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("sentence_count")
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (build / "sentences.npy").unlink()
    (build / "sentences.jsonl").unlink()
    engine = Engine(settings)
    engine.load()
    assert engine.ready and engine.current.index.sentences is None
    answer = AnswerService(engine).ask(AskRequest(question="相談はどこで受け付けていますか"))
    assert not answer.abstained and engine.current.vectors.misses > 0
    # The next ingest adds the table without re-embedding the unchanged document's chunks.
    again = ingest(settings)
    assert again.reused_documents == 1 and again.embedded_chunks == 0 and again.embedded_sentences == again.sentences


@pytest.fixture
def small_doc_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "small"
    corpus.mkdir()
    (corpus / "extra.md").write_text(EXTRA, encoding="utf-8")
    return corpus
