"""The ``ipqa`` command line: ingest | search | ask | serve. Errors exit non-zero with one line on stderr."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from core.logging import configure_logging
from core.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def _fail(msg: str, code: int = 2) -> int:
    print(f"ipqa: error: {msg}", file=sys.stderr)
    return code


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from ingest import DocumentProgress, NothingToIngestError, default_paths, discover, ingest

    paths = [Path(p) for p in args.paths] or None
    names = [f.name for f in discover(paths or default_paths(settings))]
    # On a terminal: one bar over the corpus' bytes (its ETA spans documents of any size), named for the document
    # being embedded. Otherwise (a log, CI): a plain line per finished document, with the ETA computed by ingest.
    tty = sys.stderr.isatty()
    bar = tqdm(total=0, unit="B", unit_scale=True, disable=not tty, dynamic_ncols=True)

    def progress(stage: str, i: int, n: int) -> None:
        if stage == "load" and i < len(names):
            bar.set_description(f"[{i + 1}/{n}] {names[i]}")
        elif stage == "bytes":
            bar.total = n
            bar.update(i - bar.n)
        elif stage in ("sentences", "write"):
            bar.set_description(stage)

    def document_line(d: DocumentProgress) -> None:
        what = ("unchanged" if d.reused else
                f"{d.chunks} chunks, {d.sentences} sentences, {d.embedded} texts embedded, {d.cached} from cache")
        eta = f", ETA {_duration(d.eta_s)}" if d.eta_s is not None and d.index < d.total else ""
        line = (f"ingest: [{d.index}/{d.total}] {d.name}: {what}, {d.seconds:.1f} s; "
                f"{_size(d.bytes_done)} of {_size(d.bytes_total)}{eta}")
        if tty:
            bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    failure: str | None = None
    try:
        summary = ingest(settings, paths, rebuild=args.rebuild, progress=progress, on_document=document_line)
    except NothingToIngestError as exc:
        skipped, failure = exc.skipped, str(exc)
    else:
        skipped = summary.skipped
    finally:
        bar.close()
    for reason in skipped:
        print(f"warning: {reason}", file=sys.stderr)
    if failure:
        return _fail(failure)
    print(summary.line())
    return 0


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from service.engine import Engine

    engine = Engine(settings)
    engine.load()
    if not engine.ready:
        raise RuntimeError(engine.status)
    return engine


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    result = _engine(settings).current.retriever.search(args.query, args.k)
    if args.json:
        print(json.dumps({"hits": [h.model_dump() for h in result.hits]}, ensure_ascii=False, indent=2))
        return 0
    for h in result.hits:
        print(f"[{h.rank}] {h.score:.4f}  {' > '.join(h.section_path)}")
        print(f"    {h.text[:200]}")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from service.answer import AnswerService
    from service.schemas import AskRequest

    service = AnswerService(_engine(settings))
    answer = service.ask(AskRequest(question=args.question, mode=args.mode, k=args.k))
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    print(answer.answer)
    for note in answer.notes:
        print(f"(note: {note})")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"[{c.n}] {' > '.join(c.section_path)} ({c.doc_id} {c.start}-{c.end})")
            print(f"    「{c.quote}」")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from ingest import IndexProblem, read_manifest
    from ui.web import build_app

    try:
        read_manifest(settings.resolved_index_dir)
    except IndexProblem:
        # First start on a fresh machine: build the bundled corpus's index.
        from ingest import ingest

        print(ingest(settings).line(), file=sys.stderr)
    host, port = args.host or settings.host, args.port or settings.port
    if args.workers > 1:
        # Worker processes cannot share an app object: each one imports the factory and loads the read-only index
        # and the embedder itself (settings come from the same environment and .env).
        uvicorn.run("cli.main:app_factory", factory=True, workers=args.workers, host=host, port=port, log_level="warning")
        return 0
    app = build_app(settings)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


def app_factory() -> FastAPI:
    """The app of one ``ipqa serve --workers N`` worker process (uvicorn calls this in each)."""
    from ui.web import build_app

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    return build_app(settings)


def cmd_translate(args: argparse.Namespace, settings: Settings) -> int:
    from ingest import TranslationCheckFailed, translate_document

    try:
        out = translate_document(Path(args.path), settings, Path(args.out) if args.out else None)
    except TranslationCheckFailed as exc:
        return _fail(f"translation written but its check found {len(exc.issues)} issue(s): {exc.path}", 1)
    print(f"wrote {out} (translation check passed)")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from eval.suite import DEFAULT_OUT, EvalError, EvalOptions, UsageError, execute

    opts = EvalOptions(
        qa=Path(args.qa) if args.qa else None, url=args.url, out=Path(args.out) if args.out else DEFAULT_OUT,
        baseline=args.baseline, fail_under=args.fail_under or [], judge=not args.no_judge, sets=args.set or [],
    )
    try:
        return execute(opts, settings)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except EvalError as exc:
        return _fail(str(exc), 1)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    parser = argparse.ArgumentParser(prog="ipqa", description="Cited Q&A over 知的財産推進計画2024")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="build the index")
    p.add_argument("paths", nargs="*")
    p.add_argument("--rebuild", action="store_true")
    p = sub.add_parser("search", help="show the best passages")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("ask", help="answer with citations")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--mode", choices=["extractive", "llm"], default=None)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("serve", help="run the API and the web UI (/ui)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--workers", type=_positive, default=1,
                   help="worker processes; each loads the index and the embedder (memory grows with N)")
    p = sub.add_parser("translate", help="write an English reference sidecar through the configured LLM")
    p.add_argument("path")
    p.add_argument("--out", default=None)
    from eval.sets import REGISTRY as EVAL_SETS

    p = sub.add_parser("eval", help="score retrieval, citations and answers on a QA set; write a report")
    p.add_argument("--qa", default=None, help="QA set (JSON lines); default: the development set")
    p.add_argument("--set", action="append", metavar="NAME",
                   help=f"named evaluation set (repeatable): {', '.join(EVAL_SETS)} or all; report in OUT/NAME/ "
                        "plus OUT/summary.md")
    p.add_argument("--url", default=None, help="evaluate a running server (e.g. http://127.0.0.1:8000) instead")
    p.add_argument("--out", default=None, help="report folder (default: eval-out/)")
    p.add_argument("--baseline", action="store_true", help="also run the plain 1000/200 dense-only baseline")
    p.add_argument("--fail-under", action="extend", nargs="+", metavar="METRIC=VALUE",
                   help="exit 1 when a metric is below VALUE (false_abstention: above), e.g. r@5=0.8 "
                        "ja.citation_recall=0.6; with --set, SET:METRIC=VALUE gates one set (dev:r@5=0.9)")
    p.add_argument("--no-judge", action="store_true", help="skip the LLM judge even when an LLM is configured")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except Exception as exc:  # noqa: BLE001 - pydantic's message names the bad variable
        return _fail(f"invalid settings: {exc}".splitlines()[0])
    configure_logging(settings.log_level, settings.log_json)
    handlers = {"ingest": cmd_ingest, "search": cmd_search, "ask": cmd_ask, "serve": cmd_serve, "translate": cmd_translate,
                "eval": cmd_eval}
    try:
        return handlers[args.command](args, settings)
    except ValidationError as exc:
        # pydantic's first line only says "1 validation error for AskRequest"; the useful part is the field and why.
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return _fail(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid input")))
    except Exception as exc:  # noqa: BLE001 - the CLI contract is one line on stderr, not a traceback
        return _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


if __name__ == "__main__":
    sys.exit(main())
