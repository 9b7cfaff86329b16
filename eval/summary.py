"""What a run leaves behind besides the per-set reports: the terminal table of one set, and the summary of a
multi-set run (summary.json and summary.md) with each set's key metrics and gate."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.dataset import QAItem
from eval.report import fmt, fmt_ratio
from eval.runner import METRICS, SCOPES, SPEC, RunResult
from eval.sets import EvalSet

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


@dataclass
class Evaluated:
    """One QA set run and scored, its report written."""

    system: RunResult
    baseline: RunResult | None
    ratios: dict[str, Any] | None
    thresholds: list[dict[str, Any]]
    out: Path
    error: str | None = None  # every question failed


@dataclass
class SetRun:
    eval_set: EvalSet
    items: list[QAItem] = field(default_factory=list)
    skipped: str | None = None
    result: Evaluated | None = None


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
