"""The report in ``--out``: metrics.json, per_question.jsonl, report.md and three PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.runner import JUDGE_METRICS, METRICS, SCOPES, SPEC, QuestionResult, RunResult

PLOTS = {
    "metrics_by_language.png": "Metrics by language",
    "latency.png": "Latency distribution",
    "hit_ranks.png": "Rank of the first relevant passage, per question",
}
WORST_N = 10
NOT_FOUND_RANK = 11  # where a question with no relevant passage in the top 10 is drawn in the hit-rank chart


def fmt(value: float | None, key: str) -> str:
    if value is None:
        return "—"
    spec = SPEC.get(key)
    if spec is not None and not spec.fraction:
        return f"{value:.0f}"
    return f"{value:.3f}"


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"×{value:.2f}"


def _metric_keys(run: RunResult) -> list[str]:
    keys = [s.key for s in METRICS]
    keys += [s.key for s in JUDGE_METRICS if s.key in run.metrics.get("overall", {})]
    return keys


def _one_line(text: str, limit: int = 400) -> str:
    t = " ".join(text.split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def question_record(r: QuestionResult, system: str) -> dict[str, Any]:
    a = r.obs.answer
    return {
        "system": system, "id": r.item.id, "lang": r.item.lang, "answerable": r.item.answerable, "kind": r.item.kind,
        "question": r.item.question, "reference": r.item.answer,
        "answer": a.answer if a else None, "abstained": a.abstained if a else None,
        "citations": [{"n": c.n, "section_path": c.section_path, "quote": c.quote, "chunk_id": c.chunk_id}
                      for c in (a.citations if a else [])],
        "first_relevant_rank": r.first_rank, "relevant_in_pool": r.n_relevant,
        "hits": [h.chunk_id for h in r.obs.hits[:10]],
        "scores": r.scores, "quality": round(r.quality, 4), "reasons": r.reasons,
        "ask_ms": r.obs.ask_ms, "search_ms": r.obs.search_ms, "error": r.obs.error,
    }


def metrics_document(
    run_info: dict[str, Any], system: RunResult, baseline: RunResult | None, ratios: dict[str, Any] | None,
    judge: dict[str, Any], thresholds: list[dict[str, Any]],
) -> dict[str, Any]:
    def part(r: RunResult) -> dict[str, Any]:
        return {"info": r.info, "metrics": r.metrics, "support": r.support}

    return {
        "schema": 1,
        "run": run_info,
        "system": part(system),
        "baseline": part(baseline) if baseline else None,
        "ratios": ratios,
        "judge": judge,
        "thresholds": thresholds,
        "definitions": "docs/evaluation.md",
    }


def _mean_top_chars(run: RunResult, k: int = 5) -> float:
    sizes = [len(h.text) for r in run.results for h in r.obs.hits[:k]]
    return sum(sizes) / len(sizes) if sizes else 0.0


def render_markdown(doc: dict[str, Any], system: RunResult, baseline: RunResult | None, plots_note: str | None = None) -> str:
    run = doc["run"]
    sup = system.support["overall"]
    out: list[str] = ["# ipqa evaluation report", ""]
    if run.get("set"):
        corpus = ", ".join(f"`{c}`" for c in run["corpus"]) if run.get("corpus") else "the configured corpus"
        out.append(f"- Evaluation set: `{run['set']}` over {corpus}")
    out.append(f"- QA set: `{run['qa_file']}` — {sup['questions']} questions ({system.support['ja']['questions']} ja, "
               f"{system.support['en']['questions']} en; {sup['answerable']} answerable, {sup['unanswerable']} not)")
    info = system.info
    where = info.get("url") or info.get("index", "")
    out.append(f"- System: {info.get('mode')} `{where}`, answer mode {info.get('answer_mode', 'server default')}, "
               f"{info.get('chunks')} chunks" + (f", embedder `{info['embedder']}`" if info.get("embedder") else ""))
    if baseline is not None:
        b = baseline.info
        out.append(f"- Baseline: {b.get('splitter')}, {b.get('chunks')} chunks (mean {b.get('mean_chunk_chars')} "
                   "characters), dense only, top passage as the answer")
    out.append(f"- Run: {run['started_at']}, {run['seconds']:.0f} s; {sup['errors']} request errors")
    out += ["", "Metric definitions: `docs/evaluation.md`. n = questions the overall value is computed over.", ""]

    out += ["## System", "", "| group | metric | ja | en | overall | n |", "|---|---|---:|---:|---:|---:|"]
    for key in _metric_keys(system):
        spec = SPEC[key]
        vals = [fmt(system.metrics[s].get(key), key) for s in SCOPES]
        out.append(f"| {spec.group} | {spec.label} (`{key}`) | {' | '.join(vals)} | {sup.get(key, '')} |")
    out.append("")

    if baseline is not None and doc.get("ratios"):
        out += ["## System vs baseline", ""]
        out.append(f"Mean length of a top-5 passage: system {_mean_top_chars(system):.0f} characters, baseline "
                   f"{_mean_top_chars(baseline):.0f}. A longer passage contains a gold quote more easily, so the "
                   "retrieval metrics favour the baseline's long chunks; citation precision and the answer metrics "
                   "show what that costs.")
        out.append("")
        out += ["| metric | " + " | ".join(f"{s} system | {s} baseline | {s} ratio" for s in SCOPES) + " |",
                "|---|" + "---:|" * (3 * len(SCOPES))]
        for spec in METRICS:
            cells = []
            for s in SCOPES:
                cells += [fmt(system.metrics[s].get(spec.key), spec.key), fmt(baseline.metrics[s].get(spec.key), spec.key),
                          fmt_ratio(doc["ratios"][s].get(spec.key))]
            out.append(f"| {spec.label} (`{spec.key}`) | " + " | ".join(cells) + " |")
        out.append("")

    judge = doc.get("judge") or {}
    out += ["## LLM judge", ""]
    if judge.get("status") == "ok":
        out.append(f"Model `{judge.get('model')}` at `{judge.get('endpoint')}`: {judge.get('judged')} answers judged, "
                   f"{judge.get('errors')} errors. Faithfulness and answer relevancy are in the System table.")
    elif judge.get("status") == "failed":
        out.append(f"Failed: {judge.get('first_error')}")
    else:
        out.append(f"Skipped: {judge.get('reason', 'not requested')}.")
    out.append("")

    if doc.get("thresholds"):
        out += ["## Thresholds", "", "| metric | limit | value | |", "|---|---:|---:|---|"]
        for t in doc["thresholds"]:
            key = t["metric"].split(".", 1)[1]
            limit = f"≥ {t['min']}" if "min" in t else f"≤ {t['max']}"
            out.append(f"| `{t['metric']}` | {limit} | {fmt(t['value'], key)} | {'ok' if t['ok'] else '**FAIL**'} |")
        out.append("")

    out += [f"## Worst {WORST_N} questions", ""]
    worst = sorted(system.results, key=lambda r: (r.quality, r.item.id))[:WORST_N]
    for i, r in enumerate(worst, 1):
        a = r.obs.answer
        status = "answerable" if r.item.answerable else "not answerable"
        out.append(f"### {i}. `{r.item.id}` ({r.item.lang}, {status}, {r.item.kind}) — quality {r.quality:.2f}")
        out.append("")
        out.append(f"- **Question:** {_one_line(r.item.question)}")
        out.append(f"- **Reference:** {_one_line(r.item.answer)}")
        if a is None:
            out.append(f"- **Answer:** none ({r.obs.error})")
        else:
            out.append(f"- **Answer{' (abstained)' if a.abstained else ''}:** {_one_line(a.answer)}")
            for c in a.citations:
                out.append(f"  - [{c.n}] {' > '.join(c.section_path) or c.chunk_id}: 「{_one_line(c.quote, 160)}」")
        if r.item.answerable:
            where = f"rank {r.first_rank}" if r.first_rank else f"not in the top {len(r.obs.hits)}"
            out.append(f"- **First relevant passage:** {where}")
        shown = [k for k in ("r@5", "citation_recall", "citation_precision_gold", "char_f1", "rouge_l", "key_facts",
                             "list_coverage", "lang_match") if r.scores.get(k) is not None]
        if shown:
            out.append("- **Scores:** " + ", ".join(f"{k} {fmt(r.scores[k], k)}" for k in shown))
        out.append("- **Why:** " + ("; ".join(r.reasons) if r.reasons else "no single failure; weak scores above"))
        out.append("")

    out += ["## Plots", ""]
    if plots_note:
        out += [plots_note, ""]
    else:
        for name, title in PLOTS.items():
            out.append(f"![{title}]({name})")
            out.append("")
    out.append("Per-question details (scores, reasons, hit ids): `per_question.jsonl`.")
    return "\n".join(out) + "\n"


# --- plots ---------------------------------------------------------------------------------------------------------
def plotting_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def plot_metrics_by_language(path: Path, system: RunResult, baseline: RunResult | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    runs = [system] + ([baseline] if baseline is not None else [])
    keys = [k for k in _metric_keys(system) if SPEC[k].fraction]
    fig, axes = plt.subplots(len(runs), 1, figsize=(14, 4.2 * len(runs)), squeeze=False)
    x = np.arange(len(keys))
    width = 0.27
    for ax, run in zip(axes[:, 0], runs, strict=True):
        for j, scope in enumerate(SCOPES):
            vals = [run.metrics[scope].get(k) for k in keys]
            ax.bar(x + (j - 1) * width, [v if v is not None else 0.0 for v in vals], width, label=scope)
        ax.set_xticks(x, keys, rotation=35, ha="right", fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("score")
        ax.set_title(f"{run.name}: metrics by language")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_latency(path: Path, system: RunResult) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, attr, title in ((axes[0], "ask_ms", "ask"), (axes[1], "search_ms", "search (pool depth)")):
        everything = [v for r in system.results if (v := getattr(r.obs, attr)) is not None]
        if not everything:
            continue
        # Shared bin edges, so the two languages' bars line up and compare.
        lo, hi = min(everything), max(everything)
        edges = [lo + (hi - lo) * i / 20 for i in range(21)] if hi > lo else 1
        for lang in ("ja", "en"):
            vals = [v for r in system.results if r.item.lang == lang and (v := getattr(r.obs, attr)) is not None]
            if vals:
                ax.hist(vals, bins=edges, alpha=0.6, label=lang)
        key = "latency" if attr == "ask_ms" else "search"
        p50 = system.metrics["overall"].get(f"{key}_p50_ms")
        if p50 is not None:
            ax.axvline(p50, color="k", linestyle="--", linewidth=1, label=f"p50 {p50:.0f} ms")
        p95 = system.metrics["overall"].get("latency_p95_ms") if attr == "ask_ms" else None
        if p95 is not None:
            ax.axvline(p95, color="r", linestyle=":", linewidth=1, label=f"p95 {p95:.0f} ms")
        ax.set_xlabel("milliseconds (client wall clock)")
        ax.set_ylabel("questions")
        ax.set_title(f"{system.name}: {title} latency")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_hit_ranks(path: Path, system: RunResult, baseline: RunResult | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    answerable = [r for r in system.results if r.item.answerable]
    order = sorted(answerable, key=lambda r: (r.item.lang != "ja", r.item.id))
    pos = {r.item.id: i for i, r in enumerate(order)}
    fig, ax = plt.subplots(figsize=(max(10, len(order) * 0.14), 4.5))

    def rank_of(r: QuestionResult) -> int:
        return r.first_rank if r.first_rank is not None and r.first_rank <= 10 else NOT_FOUND_RANK

    runs = [(system, "o", 0.0)] + ([(baseline, "x", 0.25)] if baseline is not None else [])
    for run, marker, shift in runs:
        for lang, color in (("ja", "tab:blue"), ("en", "tab:orange")):
            rs = [r for r in run.results if r.item.answerable and r.item.lang == lang and r.item.id in pos]
            ax.scatter([pos[r.item.id] + shift for r in rs], [rank_of(r) for r in rs], marker=marker, s=18,
                       color=color, label=f"{run.name} {lang}")
    ax.set_ylim(NOT_FOUND_RANK + 0.7, 0.3)  # rank 1 at the top
    ax.set_yticks(list(range(1, 11)) + [NOT_FOUND_RANK], [str(i) for i in range(1, 11)] + [">10"])
    step = max(1, len(order) // 40)
    ax.set_xticks(range(0, len(order), step), [order[i].item.id for i in range(0, len(order), step)],
                  rotation=90, fontsize=6)
    ax.set_ylabel("rank of first relevant passage")
    ax.set_title("Per-question hit rank (answerable questions)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=4, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(out: Path, doc: dict[str, Any], system: RunResult, baseline: RunResult | None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    p = out / "metrics.json"
    p.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(p)
    p = out / "per_question.jsonl"
    with p.open("w", encoding="utf-8") as fh:
        for run in [system] + ([baseline] if baseline is not None else []):
            for r in run.results:
                fh.write(json.dumps(question_record(r, run.name), ensure_ascii=False) + "\n")
    written.append(p)
    plots_note = None
    if plotting_available():
        plot_metrics_by_language(out / "metrics_by_language.png", system, baseline)
        plot_latency(out / "latency.png", system)
        plot_hit_ranks(out / "hit_ranks.png", system, baseline)
        written += [out / name for name in PLOTS]
    else:
        # matplotlib comes with the dev extra; the offline install (`pip install -e .`) can still evaluate.
        plots_note = "Plots skipped: matplotlib is not installed (pip install -e '.[dev]')."
    p = out / "report.md"
    p.write_text(render_markdown(doc, system, baseline, plots_note), encoding="utf-8")
    written.append(p)
    return written
