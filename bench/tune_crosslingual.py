"""Weight of the cross-lingual lexical channel (``lexical_x``: English query → bilingual lexicon → Japanese BM25),
chosen on training data only.

    .venv/bin/python bench/tune_crosslingual.py   → bench/results/crosslingual_tuning.{json,md}

English questions over documents without a reference translation are what the channel is for, so it is tuned on
the English questions of the training documents (eval/data/train_docs/, each in its own index) and of the training
set over the plan with its translation hidden. Two query structures are compared: every translation of every word in
one flat bag, and each word's translations as one synonym class (a structured query). Each question's channels are
computed once per structure, then fusion is replayed for every weight. The choice maximises MRR@10 over all those
questions together; dev, held-out and the guide are not read.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from core.embedders import make_embedder  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.text import canon  # noqa: E402
from eval.dataset import QAItem, load_qa  # noqa: E402
from ingest import LoadedIndex, ingest, load_index  # noqa: E402
from retriever.fusion import score_mix  # noqa: E402
from retriever.hybrid import DEFAULT_WEIGHTS_EN, HybridRetriever, RetrieverConfig  # noqa: E402
from retriever.query import clean_query  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WEIGHTS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3)
STRUCTURES = ("flat", "classes")


def untranslated(index: LoadedIndex) -> LoadedIndex:
    chunks = [c.model_copy(update={"text_en": None, "en_sentences": None}) for c in index.chunks]
    return LoadedIndex(index.path, index.manifest, index.faiss_index, chunks, index.documents, None, index.sentences)


def first_rank(fused: list[tuple[int, float]], texts: list[str], gold: list[str], limit: int = 10) -> int | None:
    golds = [canon(g) for g in gold]
    for r, (pos, _) in enumerate(fused[:limit], 1):
        if any(g in texts[pos] for g in golds):
            return r
    return None


def summary(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {"mrr@10": round(sum(1 / r for r in ranks if r) / n, 4),
            "r@1": round(sum(1 for r in ranks if r == 1) / n, 4),
            "r@5": round(sum(1 for r in ranks if r and r <= 5) / n, 4), "n": len(ranks)}


def main() -> int:
    t0 = time.perf_counter()
    var = Path(tempfile.mkdtemp(prefix="ipqa-xl-"))
    embedder = make_embedder(Settings(var_dir=var).embedder)
    sets: list[tuple[str, LoadedIndex, list[QAItem]]] = []
    plan_settings = Settings(var_dir=var / "plan", log_level="WARNING")
    ingest(plan_settings)
    plan = load_index(plan_settings.resolved_index_dir, embedder.id)
    sets.append(("train (plan, translation hidden)", untranslated(plan), load_qa(ROOT / "eval" / "data" / "train.jsonl")))
    for doc in sorted((ROOT / "eval" / "data" / "train_docs").glob("*")):
        if doc.suffix in (".html", ".md") and doc.with_suffix(".jsonl").is_file():
            s = Settings(var_dir=var / doc.stem, log_level="WARNING")
            ingest(s, [doc])
            sets.append((doc.stem, load_index(s.resolved_index_dir, embedder.id), load_qa(doc.with_suffix(".jsonl"))))

    # ranks[structure][weight] = first relevant rank of every question
    ranks: dict[str, dict[float, list[int | None]]] = {c: {w: [] for w in WEIGHTS} for c in STRUCTURES}
    per_set: dict[str, dict[str, dict[str, float]]] = {}
    for name, index, items in sets:
        retriever = HybridRetriever(index, embedder, RetrieverConfig())
        texts = [canon(c.text) for c in retriever.chunks]
        qs = [it for it in items if it.lang == "en" and it.answerable]
        set_ranks: dict[str, list[int | None]] = {"dense only": []}
        for it in qs:
            q = clean_query(it.question, 2000)
            base, _ = retriever.channels(q, "en", 50)
            classes = retriever.translate_query(q)
            for structure in STRUCTURES:
                if structure == "flat":
                    lex = retriever._lexical.search([t for c in classes for t in c], 50)
                else:
                    lex = retriever._lexical.search_classes(classes, 50)
                for w in WEIGHTS:
                    fused = score_mix({**base, "lexical_x": lex}, {**DEFAULT_WEIGHTS_EN, "lexical_x": w})
                    ranks[structure][w].append(first_rank(fused, texts, it.gold_quotes))
            set_ranks["dense only"].append(first_rank(score_mix(base, {"dense": 1.0}), texts, it.gold_quotes))
        per_set[name] = {k: summary(v) for k, v in set_ranks.items()}
        print(f"{name}: {len(qs)} English answerable questions", file=sys.stderr)
    table = {f"{st}/{w}": summary(ranks[st][w]) for st in STRUCTURES for w in WEIGHTS}
    best = max(table, key=lambda key: (table[key]["mrr@10"], table[key]["r@5"]))
    result = {"chosen": best, "table": table, "per_set_dense_only": per_set,
              "seconds": round(time.perf_counter() - t0, 1)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "crosslingual_tuning.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = ["# Cross-lingual lexical channel (training data only)", "",
             f"English answerable questions over untranslated text: {table[best]['n']} "
             f"(the plan's training questions with the translation hidden, and the training documents).", "",
             "| structure / weight | MRR@10 | R@1 | R@5 |", "|---|---|---|---|"]
    for key, v in table.items():
        mark = " **chosen**" if key == best else ""
        lines.append(f"| {key}{mark} | {v['mrr@10']} | {v['r@1']} | {v['r@5']} |")
    (RESULTS / "crosslingual_tuning.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
