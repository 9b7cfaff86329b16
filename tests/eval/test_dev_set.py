from __future__ import annotations

import json
from collections import Counter

from core.settings import REPO_ROOT
from core.text import canon
from ingest import load_document, normalize
from tests.conftest import corpus_file

DEV = REPO_ROOT / "eval" / "data" / "dev.jsonl"


def test_dev_set_shape_and_gold_quotes_are_in_the_source() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    raw = corpus_file().read_text(encoding="utf-8")
    doc = canon(normalize(load_document(corpus_file()).page_content).text)
    assert len(rows) >= 80 and len({r["id"] for r in rows}) == len(rows)
    langs = Counter(r["lang"] for r in rows)
    assert min(langs["ja"], langs["en"]) >= 0.4 * len(rows)
    assert sum(not r["answerable"] for r in rows) >= 12
    assert sum(r["kind"] in ("startup", "inquiry") for r in rows) >= 12
    for r in rows:
        assert set(r) >= {"id", "lang", "question", "gold_quotes", "answer", "answerable"}
        assert bool(r["gold_quotes"]) == r["answerable"], r["id"]
        for q in r["gold_quotes"]:
            assert q in raw, (r["id"], q)  # exact substring of the shipped source
            assert canon(q) in doc, (r["id"], q)  # and still findable after normalization
