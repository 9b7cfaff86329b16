"""Load test: many concurrent clients asking /v1/ask at once, against `ipqa serve` with 1 and with 2 worker processes.

Each configuration gets a fresh `ipqa serve --workers N` subprocess on 127.0.0.1 (rate limit off, a temporary var/
holding an index of the bundled corpus built once for the whole run). After /readyz and a short warm-up, C client
tasks each send one question at a time, rotating through the development questions (Japanese and English,
answerable and not), for D seconds or until the request cap. Requests still in flight at the deadline are awaited
and counted. An error is any non-200 answer or transport failure; the goal is none.

Run (about 3 minutes with the defaults):
    .venv/bin/python bench/load.py                      # 1 and 2 workers, 50 clients, 60 s each
    .venv/bin/python bench/load.py --workers 2 --duration 20
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000   # an already running server (rate limit off!)
Results: bench/results/load.json and load.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV = REPO_ROOT / "eval" / "data" / "dev.jsonl"
RESULTS = REPO_ROOT / "bench" / "results"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def questions(path: Path) -> list[str]:
    """Alternate Japanese and English so every stretch of the run carries both."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ja = [r["question"] for r in rows if r["lang"] == "ja"]
    en = [r["question"] for r in rows if r["lang"] == "en"]
    mixed = [q for pair in zip(ja, en, strict=False) for q in pair]
    return mixed + ja[len(en):] + en[len(ja):]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (the value a p-fraction of requests did not exceed)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(-(-p * len(ordered) // 100)))  # ceil(p/100 * n)
    return ordered[rank - 1]


def child_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPQA_")}
    env.update({"IPQA_VAR_DIR": str(var_dir), "IPQA_RATE_LIMIT_PER_MINUTE": "0", "GRADIO_ANALYTICS_ENABLED": "False",
                "PYTHONPATH": str(REPO_ROOT)})
    return env


def build_index(var_dir: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli", "ingest"], env=child_env(var_dir), cwd=REPO_ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    return time.perf_counter() - t0


class Server:
    """`ipqa serve --workers N` in its own process group, so stopping it also stops its workers and nothing else."""

    def __init__(self, var_dir: Path, workers: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers)],
            env=child_env(var_dir), cwd=REPO_ROOT, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout: float = 600) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see its log")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError("server not ready in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


async def run_load(url: str, qs: list[str], clients: int, duration: float, max_requests: int,
                   timeout: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    abstained = 0
    issued = 0
    deadline = time.monotonic() + duration

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal issued, abstained
        while time.monotonic() < deadline and issued < max_requests:
            question = qs[issued % len(qs)]
            issued += 1
            t = time.perf_counter()
            try:
                r = await http.post("/v1/ask", json={"question": question})
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] += 1
                continue
            elapsed = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                errors[f"HTTP {r.status_code}"] += 1
                continue
            body = r.json()
            latencies.append(elapsed)
            langs[body.get("lang", "?")] += 1
            abstained += bool(body.get("abstained"))

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    t0 = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    wall = time.monotonic() - t0
    ok = len(latencies)
    return {
        "clients": clients, "duration_s": duration, "wall_s": round(wall, 2), "requests": ok + sum(errors.values()),
        "ok": ok, "errors": sum(errors.values()), "error_kinds": dict(errors),
        "throughput_rps": round(ok / wall, 2) if wall else 0.0,
        "latency_ms": {"p50": round(percentile(latencies, 50), 1), "p95": round(percentile(latencies, 95), 1),
                       "p99": round(percentile(latencies, 99), 1), "max": round(max(latencies, default=0.0), 1),
                       "mean": round(statistics.fmean(latencies), 1) if latencies else None},
        "answers": {"lang": dict(langs), "abstained": abstained},
    }


def warm_up(url: str, qs: list[str], seconds: float) -> int:
    """One pass of sequential questions (bounded in time), so caches are filled before the clock starts."""
    n, end = 0, time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=120) as http:
        for q in qs:
            if time.monotonic() > end:
                break
            http.post("/v1/ask", json={"question": q})
            n += 1
    return n


def machine() -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True)
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "git_commit": commit.stdout.strip() or None}


def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median over rounds for each worker count (what the docs quote), with the total error count."""
    out = []
    for n in sorted({r.get("workers", 0) for r in runs}):
        mine = [r for r in runs if r.get("workers", 0) == n]
        out.append({
            "workers": n, "rounds": len(mine), "requests_ok": sum(r["ok"] for r in mine),
            "errors": sum(r["errors"] for r in mine),
            "throughput_rps_median": round(statistics.median(r["throughput_rps"] for r in mine), 2),
            "throughput_rps_range": [min(r["throughput_rps"] for r in mine), max(r["throughput_rps"] for r in mine)],
            **{f"{p}_ms_median": round(statistics.median(r["latency_ms"][p] for r in mine), 1)
               for p in ("p50", "p95", "p99")},
            "loadavg_1min_median": round(statistics.median(r["loadavg_before"][0] for r in mine), 2),
        })
    return out


def write_markdown(result: dict[str, Any], path: Path) -> None:
    lines = [
        "# Load test: /v1/ask",
        "",
        f"`bench/load.py`: {result['settings']['clients']} concurrent clients, {result['settings']['duration_s']:g} s per "
        "configuration, questions rotating through eval/data/dev.jsonl (Japanese and English, answerable and not), "
        f"127.0.0.1, rate limit off, extractive mode. Machine: {result['machine']['cpus']} CPUs, shared with other "
        "jobs while measured (load average in the table), so figures are noisy.",
        "",
        "Medians over rounds:",
        "",
        "| workers | rounds | requests ok | errors | throughput req/s (range) | p50 ms | p95 ms | p99 ms |",
        "|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for row in result["summary"]:
        lo, hi = row["throughput_rps_range"]
        lines.append(f"| {row['workers']} | {row['rounds']} | {row['requests_ok']} | {row['errors']} | "
                     f"{row['throughput_rps_median']} ({lo}–{hi}) | {row['p50_ms_median']} | {row['p95_ms_median']} | "
                     f"{row['p99_ms_median']} |")
    lines += [
        "",
        "Every run:",
        "",
        "| workers | round | ok | errors | req/s | p50 ms | p95 ms | p99 ms | max ms | load avg before → after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in result["runs"]:
        lat = run["latency_ms"]
        load = f"{run['loadavg_before'][0]:.2f} → {run['loadavg_after'][0]:.2f}"
        lines.append(f"| {run.get('workers', '?')} | {run.get('round', 1)} | {run['ok']} | {run['errors']} | "
                     f"{run['throughput_rps']} | "
                     f"{lat['p50']} | {lat['p95']} | {lat['p99']} | {lat['max']} | {load} |")
    failed = [f"{r.get('workers', '?')} workers, round {r.get('round', 1)}: {r['error_kinds']}"
              for r in result["runs"] if r["errors"]]
    lines += ["", "Errors: " + ("; ".join(failed) if failed else "none in any run."), ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="target a running server instead of starting one (127.0.0.1 only)")
    ap.add_argument("--workers", default="1,2", help="worker counts to compare, e.g. 1,2 (ignored with --url)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load per configuration")
    ap.add_argument("--max-requests", type=int, default=100_000, help="hard cap per configuration")
    ap.add_argument("--timeout", type=float, default=120.0, help="per-request timeout, seconds")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds; the worker counts are interleaved (1,2,1,2,...) so drift in the machine's load hits both")
    ap.add_argument("--warmup", type=float, default=20.0, help="seconds of sequential warm-up before measuring")
    ap.add_argument("--var-dir", type=Path, help="use this var/ (with an index) instead of building one in a temp dir")
    ap.add_argument("--qa", type=Path, default=DEV)
    ap.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = ap.parse_args()
    if not (1 <= args.clients <= 500 and 0 < args.duration <= 600 and 1 <= args.repeat <= 10):
        ap.error("--clients must be 1..500, --duration 0..600 s and --repeat 1..10: this is a bounded benchmark")
    if args.url and urlsplit(args.url).hostname not in LOCAL_HOSTS:
        ap.error("--url must point at this machine (127.0.0.1 / localhost)")
    qs = questions(args.qa)
    settings = {"clients": args.clients, "duration_s": args.duration, "max_requests": args.max_requests,
                "timeout_s": args.timeout, "warmup_s": args.warmup, "questions": len(qs), "repeat": args.repeat}
    runs: list[dict[str, Any]] = []

    def measure(url: str) -> dict[str, Any]:
        warmed = warm_up(url, qs, args.warmup)
        before = os.getloadavg()
        run = asyncio.run(run_load(url, qs, args.clients, args.duration, args.max_requests, args.timeout))
        run.update({"warmup_requests": warmed, "loadavg_before": [round(x, 2) for x in before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]})
        return run

    if args.url:
        runs.append({"target": args.url, **measure(args.url)})
    else:
        with tempfile.TemporaryDirectory(prefix="ipqa-load-") as tmp:
            var_dir = args.var_dir or Path(tmp) / "var"
            if args.var_dir is None:
                print(f"building the index in {var_dir} ...", file=sys.stderr)
                settings["index_build_s"] = round(build_index(var_dir), 1)
            rounds = [(r, int(x)) for r in range(1, args.repeat + 1) for x in args.workers.split(",")]
            for round_no, n in rounds:
                server = Server(var_dir, n, Path(tmp) / f"serve-{n}.log")
                try:
                    ready_s = server.wait_ready()
                    # Sentence vectors come with the index (no background warm-up): load starts at readiness.
                    print(f"{n} worker(s) ready in {ready_s:.1f} s; {args.duration:g} s of load ...", file=sys.stderr)
                    run = {"workers": n, "round": round_no, "ready_s": round(ready_s, 1), **measure(server.url)}
                finally:
                    server.stop()
                runs.append(run)
                print(json.dumps({k: run[k] for k in ("workers", "ok", "errors", "throughput_rps", "latency_ms")}),
                      file=sys.stderr)
                time.sleep(5)  # let the machine settle between configurations
    result = {"benchmark": "load /v1/ask", "settings": settings, "machine": machine(), "summary": summarize(runs),
              "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_markdown(result, args.out.with_suffix(".md"))
    print(f"wrote {args.out} and {args.out.with_suffix('.md')}", file=sys.stderr)
    return 0 if all(r["errors"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
