"""``ipqa eval``: options, thresholds, and the run from QA file to report. ui/cli.py only maps arguments to
:class:`EvalOptions` and exceptions to exit codes (UsageError → 2, EvalError → 1)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from eval.backends import BaselineBackend, EvalError, HttpBackend, InProcessBackend
from eval.dataset import DEFAULT_QA, DatasetError, QAItem, load_qa
from eval.report import fmt, fmt_ratio, metrics_document, write_report
from eval.runner import METRICS, SCOPES, SPEC, RunResult, ratios, run
from ingest.settings import Settings
from service.verifier import Similarity

DEFAULT_OUT = Path("eval-out")

__all__ = ["DEFAULT_OUT", "EvalError", "EvalOptions", "UsageError", "execute", "parse_thresholds"]


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


@dataclass
class EvalOptions:
    qa: Path = DEFAULT_QA
    url: str | None = None
    out: Path = DEFAULT_OUT
    baseline: bool = False
    fail_under: list[str] = field(default_factory=list)
    judge: bool = True
    progress: bool | None = None  # None: a progress bar when stderr is a terminal


def parse_thresholds(specs: list[str]) -> dict[str, float]:
    """``METRIC=VALUE`` or ``SCOPE.METRIC=VALUE`` (scope ja, en or overall; default overall) → {"scope.metric": value}."""
    out: dict[str, float] = {}
    scores = sorted(k for k, s in SPEC.items() if s.higher_is_better)
    for spec in specs:
        name, sep, raw = spec.partition("=")
        name = name.strip().lower()
        if not sep or not name or not raw.strip():
            raise UsageError(f"--fail-under expects METRIC=VALUE (e.g. r@5=0.8 or ja.mrr@10=0.7), got {spec!r}")
        scope, dot, key = name.partition(".")
        if not dot:
            scope, key = "overall", name
        if scope not in SCOPES:
            raise UsageError(f"--fail-under: unknown scope {scope!r} in {spec!r} (use ja, en or overall)")
        metric = SPEC.get(key)
        if metric is None:
            raise UsageError(f"--fail-under: unknown metric {key!r} (choose from {', '.join(scores)})")
        if not metric.higher_is_better:
            raise UsageError(f"--fail-under: {key} is a latency (lower is better), not a score")
        try:
            value = float(raw)
        except ValueError:
            raise UsageError(f"--fail-under: {raw.strip()!r} is not a number (in {spec!r})") from None
        if not 0.0 <= value <= 1.0:
            raise UsageError(f"--fail-under: {value} is outside [0, 1] (in {spec!r})")
        out[f"{scope}.{key}"] = value
    return out


def check_thresholds(metrics: dict[str, dict[str, float | None]], thresholds: dict[str, float]) -> list[dict[str, Any]]:
    """One row per threshold; a metric that could not be computed (None) fails its threshold."""
    rows = []
    for name, minimum in thresholds.items():
        scope, key = name.split(".", 1)
        value = metrics.get(scope, {}).get(key)
        rows.append({"metric": name, "min": minimum, "value": value, "ok": value is not None and value >= minimum})
    return rows


def _validate(opts: EvalOptions) -> tuple[dict[str, float], list[QAItem]]:
    thresholds = parse_thresholds(opts.fail_under)
    if opts.url is not None:
        url = httpx.URL(opts.url) if opts.url.startswith(("http://", "https://")) else None
        if url is None or not url.host:
            raise UsageError(f"--url must be an http(s) URL such as http://127.0.0.1:8000, got {opts.url!r}")
    if opts.out.exists() and not opts.out.is_dir():
        raise UsageError(f"--out {opts.out} exists and is not a directory")
    try:
        items = load_qa(opts.qa)
    except DatasetError as exc:
        raise UsageError(str(exc)) from exc
    return thresholds, items


def in_process_service(settings: Settings) -> Any:
    """The answer service over the configured index, built first when there is none (as ``ipqa serve`` does), and
    warmed up so latencies are those of a running server rather than of first calls filling caches."""
    from ingest.store import IndexMissingError, read_manifest
    from service.answer import AnswerService
    from service.engine import Engine

    try:
        read_manifest(settings.resolved_index_dir)
    except IndexMissingError:
        from ingest.pipeline import ingest

        print(f"ipqa: no index yet, built one: {ingest(settings).line()}", file=sys.stderr)
    engine = Engine(settings)
    engine.load()
    if not engine.ready:
        raise EvalError(engine.status)
    service = AnswerService(engine)
    service.warm_up()
    return service


def _similarity(embedder: Any) -> Similarity:
    from service.composer import SentenceVectors

    vectors = SentenceVectors(embedder)

    def sim(a: str, b: str) -> float:
        v = vectors.get([a, b])
        return float(v[0] @ v[1])

    return sim


def summary_table(system: RunResult, baseline: RunResult | None, rat: dict[str, Any] | None) -> str:
    head = f"{'metric':<26}" + "".join(f"{s:>10}" for s in SCOPES)
    if baseline is not None:
        head += f"{'baseline':>10}{'ratio':>9}"
    lines = [head]
    for spec in METRICS + tuple(s for s in SPEC.values() if s.group == "judge" and s.key in system.metrics["overall"]):
        row = f"{spec.key:<26}" + "".join(f"{fmt(system.metrics[s].get(spec.key), spec.key):>10}" for s in SCOPES)
        if baseline is not None and rat is not None:
            row += f"{fmt(baseline.metrics['overall'].get(spec.key), spec.key):>10}"
            row += f"{fmt_ratio(rat['overall'].get(spec.key)):>9}"
        lines.append(row)
    return "\n".join(lines)


def execute(opts: EvalOptions, settings: Settings, service: Any = None, client: httpx.Client | None = None) -> int:
    """Run the evaluation and write the report. Returns the exit code: 0, or 1 when a --fail-under threshold is
    breached (one line per breach on stderr). ``service``/``client`` let tests inject an in-process service or an
    httpx client (e.g. FastAPI's TestClient) instead of building one."""
    thresholds, items = _validate(opts)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    t0 = time.perf_counter()

    backend: InProcessBackend | HttpBackend
    if opts.url is not None or client is not None:
        backend = HttpBackend(opts.url or "http://testserver", client=client)
    else:
        backend = InProcessBackend(service if service is not None else in_process_service(settings))
    info = backend.describe()  # for HTTP this is the readiness check: fail before asking 100 questions

    from ingest.embedders import EmbedderError, make_embedder

    try:
        # Also used over HTTP: the verifier's similarity (citation precision), the baseline and the judge.
        embedder = make_embedder(settings.embedder, settings.st_query_prompt, settings.st_passage_prompt)
    except EmbedderError as exc:
        raise EvalError(str(exc)) from exc
    similarity = _similarity(embedder)
    system = run(items, backend, similarity, "eval", opts.progress)
    system.info = info

    baseline: RunResult | None = None
    if opts.baseline:
        from ingest.pipeline import default_paths

        base = BaselineBackend(default_paths(settings), embedder, settings.max_file_bytes)
        baseline = run(items, base, similarity, "baseline", opts.progress)
        baseline.info = base.describe()

    if opts.judge:
        from eval.judge import judge_run

        judge = judge_run(system, settings, embedder, opts.progress)
    else:
        judge = {"status": "skipped", "reason": "--no-judge"}

    rows = check_thresholds(system.metrics, thresholds)
    rat = ratios(system.metrics, baseline.metrics) if baseline is not None else None
    run_info = {"qa_file": str(opts.qa), "questions": len(items), "started_at": started,
                "seconds": round(time.perf_counter() - t0, 1), "url": opts.url}
    doc = metrics_document(run_info, system, baseline, rat, judge, rows)
    write_report(opts.out, doc, system, baseline)

    print(summary_table(system, baseline, rat))
    print(f"\nreport: {opts.out / 'report.md'}")
    if system.support["overall"]["errors"] == len(items):
        first = next((r.obs.error for r in system.results if r.obs.error), "")
        raise EvalError(f"every question failed ({first})")
    breaches = [r for r in rows if not r["ok"]]
    for b in breaches:
        key = b["metric"].split(".", 1)[1]
        print(f"ipqa: eval: {b['metric']} = {fmt(b['value'], key)} is under the threshold {b['min']}", file=sys.stderr)
    return 1 if breaches else 0
