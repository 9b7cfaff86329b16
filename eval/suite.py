"""``ipqa eval``'s run: from options to QA sets, services, scored runs and reports. cli/main.py only maps arguments
to :class:`EvalOptions` and exceptions to exit codes (UsageError → 2, EvalError → 1)."""

from __future__ import annotations

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
from eval.report import metrics_document, write_report
from eval.runner import RunResult, ratios, run
from eval.sets import ALL, EvalSet, SetError, resolve
from eval.summary import Evaluated, SetRun, summary_document, summary_table, summary_text, write_summary
from eval.thresholds import UsageError, breach_lines, check_thresholds, parse_set_thresholds, parse_thresholds
from service.verifier import Similarity

DEFAULT_OUT = Path("eval-out")

__all__ = ["DEFAULT_OUT", "EvalError", "EvalOptions", "UsageError", "check_thresholds", "execute", "parse_set_thresholds",
           "parse_thresholds"]

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
    return AnswerService(engine)


def in_process_service(settings: Settings) -> Any:
    """The answer service over the configured index, built first when there is none (as ``ipqa serve`` does). Its
    sentence vectors come with the index, so latencies are those of a running server from the first question."""
    from ingest import IndexMissingError, read_manifest

    try:
        read_manifest(settings.resolved_index_dir)
    except IndexMissingError:
        from ingest import ingest

        print(f"ipqa: no index yet, built one: {ingest(settings).line()}", file=sys.stderr)
    return _service_over(settings)


def set_service(eval_set: EvalSet, settings: Settings) -> Any:
    """The answer service over a set's own corpus: its index under ``<var_dir>/eval-index/<name>`` is (re)built on
    every run by the ordinary ingest, which keeps the chunks and vectors of unchanged documents, so a rerun only
    re-embeds what changed."""
    from ingest import NothingToIngestError, ingest

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


def _embedder(settings: Settings) -> IpqaEmbeddings:
    from core.embedders import EmbedderError, make_embedder

    try:
        # Also used over HTTP: the verifier's similarity (citation precision), the baseline and the judge.
        return make_embedder(settings.embedder, settings.st_query_prompt, settings.st_passage_prompt)
    except EmbedderError as exc:
        raise EvalError(str(exc)) from exc


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
    from ingest import default_paths

    qa = opts.qa or DEFAULT_QA
    res = _evaluate(opts, settings, items, backend, embedder, _similarity(embedder), thresholds, opts.out,
                    default_paths(settings), {"qa_file": str(qa)})
    print(summary_table(res.system, res.baseline, res.ratios))
    print(f"\nreport: {opts.out / 'report.md'}")
    if res.error:
        raise EvalError(res.error)
    breaches = breach_lines(res.thresholds)
    for line in breaches:
        print(line, file=sys.stderr)
    return 1 if breaches else 0


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

    from ingest import default_paths

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
    breaches = [line for p in todo if p.result is not None for line in breach_lines(p.result.thresholds, f"{p.eval_set.name}:")]
    for line in breaches:
        print(line, file=sys.stderr)
    return 1 if breaches else 0


