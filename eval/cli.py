"""``ipqa eval``: options, thresholds, and the run from QA file to report. ui/cli.py only maps arguments to
:class:`EvalOptions` and exceptions to exit codes (UsageError → 2, EvalError → 1)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from core.embedders import IpqaEmbeddings
from core.settings import Settings
from eval.backends import BaselineBackend, EvalError, HttpBackend, InProcessBackend
from eval.dataset import DEFAULT_QA, DatasetError, QAItem, load_qa
from eval.report import fmt, fmt_ratio, metrics_document, write_report
from eval.runner import METRICS, SCOPES, SPEC, RunResult, ratios, run
from eval.sets import ALL, EvalSet, SetError, resolve
from service.verifier import Similarity

DEFAULT_OUT = Path("eval-out")

__all__ = ["DEFAULT_OUT", "EvalError", "EvalOptions", "UsageError", "execute", "parse_set_thresholds",
           "parse_thresholds"]

# The combined summary of a multi-set run: (column, scope, metric key).
SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("r@5", "overall", "r@5"),
    ("mrr@10", "overall", "mrr@10"),
    ("ja.citation_recall", "ja", "citation_recall"),
    ("en.citation_recall", "en", "citation_recall"),
    ("list_coverage", "overall", "list_coverage"),
    ("abstain_recall", "overall", "abstain_recall"),
    ("false_abstention", "overall", "false_abstention"),
)


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


@dataclass
class EvalOptions:
    qa: Path | None = None  # None: the development set (or, with ``sets``, each set's own file)
    url: str | None = None
    out: Path = DEFAULT_OUT
    baseline: bool = False
    fail_under: list[str] = field(default_factory=list)
    judge: bool = True
    progress: bool | None = None  # None: a progress bar when stderr is a terminal
    sets: list[str] = field(default_factory=list)  # named evaluation sets (eval/sets.py); "all" = every available one
    registry: Mapping[str, EvalSet] | None = None  # None: eval.sets.REGISTRY (tests inject their own sets)


def _parse_one(spec: str) -> tuple[str | None, str, float]:
    """``[SET:][SCOPE.]METRIC=VALUE`` → (set or None, "scope.metric", value)."""
    scores = sorted(k for k, s in SPEC.items() if s.fraction)
    name, sep, raw = spec.partition("=")
    name = name.strip().lower()
    set_name: str | None = None
    if ":" in name:
        set_name, _, name = name.partition(":")
        set_name, name = set_name.strip(), name.strip()
        if not set_name:
            raise UsageError(f"--fail-under: empty set name before ':' in {spec!r}")
    if not sep or not name or not raw.strip():
        raise UsageError(f"--fail-under expects METRIC=VALUE (e.g. r@5=0.8, ja.mrr@10=0.7 or dev:r@5=0.9), got {spec!r}")
    scope, dot, key = name.partition(".")
    if not dot:
        scope, key = "overall", name
    if scope not in SCOPES:
        raise UsageError(f"--fail-under: unknown scope {scope!r} in {spec!r} (use ja, en or overall)")
    metric = SPEC.get(key)
    if metric is None:
        raise UsageError(f"--fail-under: unknown metric {key!r} (choose from {', '.join(scores)})")
    if not metric.fraction:
        raise UsageError(f"--fail-under: {key} is a latency (lower is better), not a score")
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"--fail-under: {raw.strip()!r} is not a number (in {spec!r})") from None
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"--fail-under: {value} is outside [0, 1] (in {spec!r})")
    return set_name, f"{scope}.{key}", value


def parse_thresholds(specs: list[str]) -> dict[str, float]:
    """``METRIC=VALUE`` or ``SCOPE.METRIC=VALUE`` (scope ja, en or overall; default overall) → {"scope.metric": value}.
    For a lower-is-better rate (``false_abstention``) the value is a maximum. ``SET:`` prefixes need ``--set``."""
    out: dict[str, float] = {}
    for spec in specs:
        set_name, name, value = _parse_one(spec)
        if set_name is not None:
            raise UsageError(f"--fail-under: {spec!r} names a set ({set_name}:); set prefixes need --set")
        out[name] = value
    return out


def parse_set_thresholds(specs: list[str], selected: list[str], known: list[str]) -> dict[str, dict[str, float]]:
    """Thresholds per selected set: an unprefixed one applies to every set, ``SET:METRIC=VALUE`` to that set only
    (and wins over an unprefixed one for the same metric). A prefix naming an unknown or unselected set is an error."""
    common: dict[str, float] = {}
    own: dict[str, dict[str, float]] = {}
    for spec in specs:
        set_name, name, value = _parse_one(spec)
        if set_name is None:
            common[name] = value
        elif set_name not in known:
            raise UsageError(f"--fail-under: unknown set {set_name!r} in {spec!r} (choose from {', '.join(known)})")
        elif set_name not in selected:
            raise UsageError(f"--fail-under: {spec!r} is for set {set_name!r}, which --set does not select")
        else:
            own.setdefault(set_name, {})[name] = value
    return {s: {**common, **own.get(s, {})} for s in selected}


def check_thresholds(metrics: dict[str, dict[str, float | None]], thresholds: dict[str, float]) -> list[dict[str, Any]]:
    """One row per threshold; a metric that could not be computed (None) fails its threshold. Scores must reach
    their value ("min"); a lower-is-better rate such as ``false_abstention`` must not exceed it ("max")."""
    rows = []
    for name, limit in thresholds.items():
        scope, key = name.split(".", 1)
        value = metrics.get(scope, {}).get(key)
        if SPEC[key].higher_is_better:
            rows.append({"metric": name, "min": limit, "value": value, "ok": value is not None and value >= limit})
        else:
            rows.append({"metric": name, "max": limit, "value": value, "ok": value is not None and value <= limit})
    return rows


def _check_url_and_out(opts: EvalOptions) -> None:
    if opts.url is not None:
        url = httpx.URL(opts.url) if opts.url.startswith(("http://", "https://")) else None
        if url is None or not url.host:
            raise UsageError(f"--url must be an http(s) URL such as http://127.0.0.1:8000, got {opts.url!r}")
    if opts.out.exists() and not opts.out.is_dir():
        raise UsageError(f"--out {opts.out} exists and is not a directory")


def _load(path: Path) -> list[QAItem]:
    try:
        return load_qa(path)
    except DatasetError as exc:
        raise UsageError(str(exc)) from exc


def _validate(opts: EvalOptions) -> tuple[dict[str, float], list[QAItem]]:
    thresholds = parse_thresholds(opts.fail_under)
    _check_url_and_out(opts)
    return thresholds, _load(opts.qa or DEFAULT_QA)


def _service_over(settings: Settings) -> Any:
    from service.answer import AnswerService
    from service.engine import Engine

    engine = Engine(settings)
    engine.load()
    if not engine.ready:
        raise EvalError(engine.status)
    service = AnswerService(engine)
    service.warm_up()
    return service


def in_process_service(settings: Settings) -> Any:
    """The answer service over the configured index, built first when there is none (as ``ipqa serve`` does), and
    warmed up so latencies are those of a running server rather than of first calls filling caches."""
    from ingest.store import IndexMissingError, read_manifest

    try:
        read_manifest(settings.resolved_index_dir)
    except IndexMissingError:
        from ingest.pipeline import ingest

        print(f"ipqa: no index yet, built one: {ingest(settings).line()}", file=sys.stderr)
    return _service_over(settings)


def set_service(eval_set: EvalSet, settings: Settings) -> Any:
    """The answer service over a set's own corpus: its index under ``<var_dir>/eval-index/<name>`` is (re)built on
    every run by the ordinary ingest, which keeps the chunks and vectors of unchanged documents, so a rerun only
    re-embeds what changed."""
    from ingest.pipeline import NothingToIngestError, ingest

    set_settings = eval_set.settings_for(settings)
    try:
        summary = ingest(set_settings, paths=eval_set.corpus_files())
    except NothingToIngestError as exc:
        raise EvalError(f"set {eval_set.name}: {exc}") from exc
    print(f"ipqa: eval: set {eval_set.name}: index {set_settings.resolved_index_dir}: {summary.line()}", file=sys.stderr)
    return _service_over(set_settings)


def _similarity(embedder: Any) -> Similarity:
    """The verifier's embedding similarity (as the service computes it: passage-side vectors, cosine), with every
    sentence embedded once per run."""
    from service.vectors import SentenceVectors

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


def _embedder(settings: Settings) -> IpqaEmbeddings:
    from core.embedders import EmbedderError, make_embedder

    try:
        # Also used over HTTP: the verifier's similarity (citation precision), the baseline and the judge.
        return make_embedder(settings.embedder, settings.st_query_prompt, settings.st_passage_prompt)
    except EmbedderError as exc:
        raise EvalError(str(exc)) from exc


@dataclass
class Evaluated:
    """One QA set run and scored, its report written."""

    system: RunResult
    baseline: RunResult | None
    ratios: dict[str, Any] | None
    thresholds: list[dict[str, Any]]
    out: Path
    error: str | None = None  # every question failed


def _evaluate(
    opts: EvalOptions, settings: Settings, items: list[QAItem], backend: InProcessBackend | HttpBackend,
    embedder: IpqaEmbeddings, similarity: Similarity, thresholds: dict[str, float], out: Path,
    baseline_paths: list[Path], run_extra: dict[str, Any], desc: str = "eval",
) -> Evaluated:
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    t0 = time.perf_counter()
    info = backend.describe()  # for HTTP this is the readiness check: fail before asking 100 questions
    system = run(items, backend, similarity, desc, opts.progress)
    system.info = info

    baseline: RunResult | None = None
    if opts.baseline:
        base = BaselineBackend(baseline_paths, embedder, settings.max_file_bytes)
        baseline = run(items, base, similarity, "baseline", opts.progress)
        baseline.info = base.describe()

    if opts.judge:
        from eval.judge import judge_run

        judge = judge_run(system, settings, embedder, opts.progress)
    else:
        judge = {"status": "skipped", "reason": "--no-judge"}

    rows = check_thresholds(system.metrics, thresholds)
    rat = ratios(system.metrics, baseline.metrics) if baseline is not None else None
    run_info = {**run_extra, "questions": len(items), "started_at": started,
                "seconds": round(time.perf_counter() - t0, 1), "url": opts.url}
    doc = metrics_document(run_info, system, baseline, rat, judge, rows)
    write_report(out, doc, system, baseline)
    error = None
    if system.support["overall"]["errors"] == len(items):
        first = next((r.obs.error for r in system.results if r.obs.error), "")
        error = f"every question failed ({first})"
    return Evaluated(system, baseline, rat, rows, out, error)


def _breach_lines(rows: list[dict[str, Any]], prefix: str = "") -> list[str]:
    lines = []
    for b in rows:
        if b["ok"]:
            continue
        key = b["metric"].split(".", 1)[1]
        where = "under the threshold" if "min" in b else "over the threshold (a maximum)"
        limit = b["min"] if "min" in b else b["max"]
        lines.append(f"ipqa: eval: {prefix}{b['metric']} = {fmt(b['value'], key)} is {where} {limit}")
    return lines


def execute(opts: EvalOptions, settings: Settings, service: Any = None, client: httpx.Client | None = None) -> int:
    """Run the evaluation and write the report. Returns the exit code: 0, or 1 when a --fail-under threshold is
    breached (one line per breach on stderr). ``service``/``client`` let tests inject an in-process service or an
    httpx client (e.g. FastAPI's TestClient) instead of building one; with ``opts.sets`` the injected service answers
    the sets over the configured corpus (a set with its own corpus always gets a service over its own index)."""
    if opts.sets:
        if opts.qa is not None:
            raise UsageError("--qa and --set cannot be combined (each set names its own QA file)")
        return _execute_sets(opts, settings, service, client)
    thresholds, items = _validate(opts)

    backend: InProcessBackend | HttpBackend
    if opts.url is not None or client is not None:
        backend = HttpBackend(opts.url or "http://testserver", client=client)
    else:
        backend = InProcessBackend(service if service is not None else in_process_service(settings))
    backend.describe()  # fail on an unreachable server before loading the embedder
    embedder = _embedder(settings)
    from ingest.pipeline import default_paths

    qa = opts.qa or DEFAULT_QA
    res = _evaluate(opts, settings, items, backend, embedder, _similarity(embedder), thresholds, opts.out,
                    default_paths(settings), {"qa_file": str(qa)})
    print(summary_table(res.system, res.baseline, res.ratios))
    print(f"\nreport: {opts.out / 'report.md'}")
    if res.error:
        raise EvalError(res.error)
    breaches = _breach_lines(res.thresholds)
    for line in breaches:
        print(line, file=sys.stderr)
    return 1 if breaches else 0


# --- named sets ----------------------------------------------------------------------------------------------------
@dataclass
class SetRun:
    eval_set: EvalSet
    items: list[QAItem] = field(default_factory=list)
    skipped: str | None = None
    result: Evaluated | None = None


def _plan_sets(opts: EvalOptions) -> tuple[list[SetRun], dict[str, dict[str, float]]]:
    """Which sets run and with which thresholds; everything a usage error can be about is checked here, before any
    index is built or question asked."""
    from eval.sets import REGISTRY

    registry = REGISTRY if opts.registry is None else opts.registry
    try:
        chosen = resolve(opts.sets, registry)
    except SetError as exc:
        raise UsageError(str(exc)) from exc
    thresholds = parse_set_thresholds(opts.fail_under, [s.name for s in chosen], list(registry))
    _check_url_and_out(opts)
    explicit = ALL not in {n.strip().lower() for n in opts.sets}
    plans: list[SetRun] = []
    for s in chosen:
        plan = SetRun(s)
        plan.skipped = s.missing()
        if plan.skipped is None and opts.url is not None and s.corpus is not None:
            if explicit:
                raise UsageError(f"--set {s.name} has its own corpus; --url can only evaluate sets over the server's "
                                 "corpus (run it in-process, without --url)")
            plan.skipped = "has its own corpus; --url evaluates the server's index"
        if plan.skipped is None:
            plan.items = _load(s.qa)
        plans.append(plan)
    return plans, thresholds


def _execute_sets(opts: EvalOptions, settings: Settings, service: Any, client: httpx.Client | None) -> int:
    plans, thresholds = _plan_sets(opts)
    for p in plans:
        if p.skipped is not None:
            gated = " (its --fail-under thresholds are not checked)" if thresholds.get(p.eval_set.name) else ""
            print(f"ipqa: eval: set {p.eval_set.name} skipped: {p.skipped}{gated}", file=sys.stderr)
    todo = [p for p in plans if p.skipped is None]
    if not todo:
        raise EvalError("no evaluation set to run: " + "; ".join(f"{p.eval_set.name}: {p.skipped}" for p in plans))

    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    t0 = time.perf_counter()
    http: HttpBackend | None = None
    if opts.url is not None or client is not None:
        http = HttpBackend(opts.url or "http://testserver", client=client)
        http.describe()  # fail on an unreachable server before loading the embedder
    embedder = _embedder(settings)
    similarity = _similarity(embedder)
    shared: Any = service  # the service over the configured corpus, built once for all the sets that use it

    from ingest.pipeline import default_paths

    for p in todo:
        s = p.eval_set
        backend: InProcessBackend | HttpBackend
        if http is not None:
            backend = http
        elif s.corpus is None:
            shared = shared if shared is not None else in_process_service(settings)
            backend = InProcessBackend(shared)
        else:
            backend = InProcessBackend(set_service(s, settings))
        paths = default_paths(settings) if s.corpus is None else s.corpus_files()
        extra = {"set": s.name, "qa_file": str(s.qa),
                 "corpus": None if s.corpus is None else [str(c) for c in s.corpus]}
        p.result = _evaluate(opts, settings, p.items, backend, embedder, similarity, thresholds.get(s.name, {}),
                             opts.out / s.name, paths, extra, desc=s.name)
        print(f"set {s.name}: {len(p.items)} questions, report {opts.out / s.name / 'report.md'}", file=sys.stderr)

    doc = summary_document(plans, started, round(time.perf_counter() - t0, 1))
    write_summary(opts.out, doc)
    print(summary_text(doc))
    print(f"\nsummary: {opts.out / 'summary.md'}")
    errors = [f"set {p.eval_set.name}: {p.result.error}" for p in todo if p.result is not None and p.result.error]
    if errors:
        raise EvalError(errors[0])
    breaches = [line for p in todo if p.result is not None for line in _breach_lines(p.result.thresholds, f"{p.eval_set.name}:")]
    for line in breaches:
        print(line, file=sys.stderr)
    return 1 if breaches else 0


def _key_metrics(metrics: dict[str, dict[str, float | None]]) -> dict[str, float | None]:
    return {col: metrics.get(scope, {}).get(key) for col, scope, key in SUMMARY_COLUMNS}


def summary_document(plans: list[SetRun], started: str, seconds: float) -> dict[str, Any]:
    """summary.json: per set its status, size, key metrics (system and, with --baseline, baseline) and gate."""
    sets = []
    for p in plans:
        s = p.eval_set
        row: dict[str, Any] = {"set": s.name, "qa_file": str(s.qa),
                               "corpus": None if s.corpus is None else [str(c) for c in s.corpus]}
        if p.result is None:
            row.update(status="skipped", reason=p.skipped)
        else:
            r = p.result
            failed = [t["metric"] for t in r.thresholds if not t["ok"]]
            row.update(
                status="failed" if r.error else "ok", reason=r.error, questions=len(p.items),
                report=f"{s.name}/report.md", metrics=_key_metrics(r.system.metrics),
                support={col: r.system.support.get(scope, {}).get(key) for col, scope, key in SUMMARY_COLUMNS},
                baseline=_key_metrics(r.baseline.metrics) if r.baseline is not None else None,
                thresholds={"checked": len(r.thresholds), "failed": failed},
            )
        sets.append(row)
    return {"schema": 1, "started_at": started, "seconds": seconds, "columns": [c for c, _, _ in SUMMARY_COLUMNS],
            "sets": sets, "definitions": "docs/evaluation.md"}


def _gate(row: dict[str, Any]) -> str:
    t = row.get("thresholds") or {}
    if not t.get("checked"):
        return "—"
    return f"FAIL {len(t['failed'])}" if t["failed"] else "ok"


def _summary_rows(doc: dict[str, Any]) -> list[list[str]]:
    rows = []
    for row in doc["sets"]:
        if row["status"] == "skipped":
            continue
        cells = [fmt(row["metrics"][c], c.split(".")[-1]) for c in doc["columns"]]
        rows.append([row["set"], str(row["questions"]), *cells, _gate(row)])
        if row.get("baseline"):
            cells = [fmt(row["baseline"][c], c.split(".")[-1]) for c in doc["columns"]]
            rows.append([f"{row['set']} (baseline)", str(row["questions"]), *cells, ""])
    return rows


def summary_text(doc: dict[str, Any]) -> str:
    """The summary table for the terminal: one row per set (and baseline), the key metrics, the gate."""
    head = ["set", "n", *doc["columns"], "gate"]
    rows = _summary_rows(doc)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(head, widths, strict=True)))]
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    lines += [f"{row['set']}: skipped ({row['reason']})" for row in doc["sets"] if row["status"] == "skipped"]
    return "\n".join(lines)


def summary_markdown(doc: dict[str, Any]) -> str:
    head = ["set", "n", *(f"`{c}`" for c in doc["columns"]), "gate"]
    out = ["# ipqa evaluation summary", "",
           f"Run {doc['started_at']}, {doc['seconds']:.0f} s. Overall values unless the column names a language; "
           "per-set reports (`<set>/report.md`) have every metric. Definitions: `docs/evaluation.md`.", "",
           "| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 2) + "---|"]
    out += ["| " + " | ".join(r) + " |" for r in _summary_rows(doc)]
    skipped = [row for row in doc["sets"] if row["status"] == "skipped"]
    if skipped:
        out += ["", "Skipped:"] + [f"- `{row['set']}`: {row['reason']}" for row in skipped]
    failed = [row for row in doc["sets"] if row["status"] == "failed"]
    if failed:
        out += ["", "Failed:"] + [f"- `{row['set']}`: {row['reason']}" for row in failed]
    return "\n".join(out) + "\n"


def write_summary(out: Path, doc: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(doc), encoding="utf-8")
