"""Run a QA set through a backend, score every question, and aggregate per language and overall."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eval import metrics as m
from eval.backends import Backend, Observation
from eval.dataset import QAItem
from service.verifier import Similarity

SCOPES = ("ja", "en", "overall")


@dataclass(frozen=True)
class MetricSpec:
    key: str
    label: str
    group: str
    higher_is_better: bool = True
    fraction: bool = True  # a value in [0, 1]


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("r@1", "Recall@1", "retrieval"),
    MetricSpec("r@5", "Recall@5", "retrieval"),
    MetricSpec("mrr@10", "MRR@10", "retrieval"),
    MetricSpec("ndcg@10", "nDCG@10", "retrieval"),
    MetricSpec("quote_recall@5", "gold-quote recall@5", "retrieval"),
    MetricSpec("citation_recall", "citation recall", "citations"),
    MetricSpec("lead_citation", "first citation covers a gold quote", "citations"),
    MetricSpec("citation_precision", "citation precision (ALCE)", "citations"),
    MetricSpec("citation_precision_gold", "citation precision (gold)", "citations"),
    MetricSpec("char_f1", "character F1", "answer"),
    MetricSpec("rouge_l", "ROUGE-L (Sudachi)", "answer"),
    MetricSpec("key_facts", "key-fact coverage", "answer"),
    MetricSpec("list_coverage", "list-item coverage", "answer"),
    MetricSpec("lang_match", "language match", "answer"),
    MetricSpec("numbers_cited", "numbers all in cited text", "answer"),
    MetricSpec("abstain_precision", "abstention precision", "abstention"),
    MetricSpec("abstain_recall", "abstention recall", "abstention"),
    MetricSpec("false_abstention", "false abstention (answerable)", "abstention", higher_is_better=False),
    MetricSpec("latency_p50_ms", "ask latency p50 (ms)", "latency", higher_is_better=False, fraction=False),
    MetricSpec("latency_p95_ms", "ask latency p95 (ms)", "latency", higher_is_better=False, fraction=False),
    MetricSpec("search_p50_ms", "search latency p50 (ms)", "latency", higher_is_better=False, fraction=False),
)
JUDGE_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("faithfulness", "faithfulness (LLM judge)", "judge"),
    MetricSpec("answer_relevancy", "answer relevancy (LLM judge)", "judge"),
)
SPEC = {s.key: s for s in METRICS + JUDGE_METRICS}
# Per-question values that are averaged into the metric of the same name.
MEAN_KEYS = ("r@1", "r@5", "mrr@10", "ndcg@10", "quote_recall@5", "citation_recall", "lead_citation", "citation_precision",
             "citation_precision_gold", "char_f1", "rouge_l", "key_facts", "list_coverage", "lang_match", "numbers_cited",
             "faithfulness", "answer_relevancy")


@dataclass
class QuestionResult:
    item: QAItem
    obs: Observation
    first_rank: int | None = None  # rank of the first relevant passage within the pool
    n_relevant: int = 0  # relevant passages in the pool
    scores: dict[str, float | None] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    missing_facts: list[str] = field(default_factory=list)

    @property
    def abstained(self) -> bool:
        return self.obs.answer is not None and self.obs.answer.abstained

    @property
    def quality(self) -> float:
        """One number per question for picking the worst ones: the mean of what matters most for its kind."""
        s = self.scores
        if self.obs.error or self.obs.answer is None:
            return 0.0
        if not self.item.answerable:
            parts = [1.0 if self.abstained else 0.0, s.get("lang_match") or 0.0]
        else:
            parts = [s.get("r@5") or 0.0, s.get("citation_recall") or 0.0, s.get("rouge_l") or 0.0,
                     s.get("lang_match") or 0.0]
            if s.get("key_facts") is not None:
                parts.append(s["key_facts"] or 0.0)
            if s.get("list_coverage") is not None:
                parts.append(s["list_coverage"] or 0.0)
            if self.abstained:
                parts.append(0.0)
        return sum(parts) / len(parts)


@dataclass
class RunResult:
    name: str
    results: list[QuestionResult]
    metrics: dict[str, dict[str, float | None]]
    support: dict[str, dict[str, int]]
    info: dict[str, Any] = field(default_factory=dict)


def score_question(item: QAItem, obs: Observation, similarity: Similarity | None) -> QuestionResult:
    """All per-question values. None means "does not apply" (e.g. retrieval metrics of an unanswerable question)."""
    res = QuestionResult(item=item, obs=obs)
    s = res.scores
    passages = [h.text for h in obs.hits]
    answer = obs.answer
    if obs.error:
        res.reasons.append(f"request failed: {obs.error}")

    if item.answerable:
        rels = m.relevance(passages, item.gold_quotes)
        res.first_rank = m.first_relevant_rank(rels)
        res.n_relevant = sum(rels)
        s["r@1"] = m.recall_at_k(rels, 1)
        s["r@5"] = m.recall_at_k(rels, 5)
        s["mrr@10"] = m.mrr_at_k(rels, 10)
        s["ndcg@10"] = m.ndcg_at_k(rels, res.n_relevant, 10)
        s["quote_recall@5"] = m.quote_recall_at_k(passages, item.gold_quotes, 5)
        if res.first_rank is None:
            res.reasons.append(f"no retrieved passage (top {len(passages)}) contains a gold quote")
        elif res.first_rank > 5:
            res.reasons.append(f"first relevant passage only at rank {res.first_rank}")

    if answer is None:
        return res
    text, cits = answer.answer, answer.citations
    answered = not answer.abstained
    s["lang_match"] = 1.0 if m.language_match(text, item.lang) else 0.0
    if not s["lang_match"]:
        res.reasons.append(f"answer is in {m.answer_lang(text)}, question in {item.lang}")

    if item.answerable:
        s["citation_recall"] = m.citation_recall(item.gold_quotes, cits) if answered else 0.0
        s["lead_citation"] = m.lead_citation(item.gold_quotes, text, cits) if answered else 0.0
        if answered:
            s["char_f1"] = m.char_f1(text, item.answer)
            s["rouge_l"] = m.rouge_l_text(text, item.answer)
            cov, res.missing_facts = m.key_fact_coverage(text, item.answer)
            s["key_facts"] = cov
            s["citation_precision_gold"] = m.citation_precision_gold(cits, item.gold_quotes)
            if s["citation_precision_gold"] is not None and s["citation_precision_gold"] < 1.0:
                off = round((1 - s["citation_precision_gold"]) * len(cits))
                res.reasons.append(f"{off} of {len(cits)} cited passages hold no gold quote")
        else:
            s["char_f1"] = s["rouge_l"] = 0.0
            s["key_facts"] = 0.0 if m.key_facts(item.answer) != (set(), set()) else None
            res.reasons.append("abstained on an answerable question")
        if item.list_items:
            s["list_coverage"] = m.list_coverage(item.list_items, text, cits, answer.abstained)
            if answered and (s["list_coverage"] or 0.0) < 1.0:
                found = m.list_items_found(item.list_items, text, cits)
                missing = [x for x, ok in zip(item.list_items, found, strict=True) if not ok]
                res.reasons.append(f"list items given {sum(found)}/{len(found)}; missing: " + ", ".join(missing[:6]))
        if answered and (s["citation_recall"] or 0.0) < 1.0:
            covered = round((s["citation_recall"] or 0.0) * len(item.gold_quotes))
            res.reasons.append(f"citations cover {covered}/{len(item.gold_quotes)} gold quotes")
        if res.missing_facts:
            res.reasons.append("key facts missing: " + ", ".join(res.missing_facts[:6]))
        if answered and (s["rouge_l"] or 0.0) < 0.2:
            res.reasons.append(f"little overlap with the reference (ROUGE-L {s['rouge_l']:.2f})")
    elif answered:
        res.reasons.append("answered a question the documents do not answer")

    if answered:
        s["citation_precision"] = m.citation_precision(text, cits, item.gold_quotes, similarity)
        if s["citation_precision"] is not None and s["citation_precision"] < 1.0:
            res.reasons.append(f"citation precision {s['citation_precision']:.2f} (a cited passage supports nothing)")
        if not cits:
            res.reasons.append("answer has no citations")
        bad = m.unsupported_answer_numbers(text, cits)
        s["numbers_cited"] = None if bad is None else (0.0 if bad else 1.0)
        if bad:
            res.reasons.append("numbers not in the cited text: " + ", ".join(m.number_text(n) for n in sorted(bad)[:6]))
    return res


def _in_scope(results: Sequence[QuestionResult], scope: str) -> list[QuestionResult]:
    return list(results) if scope == "overall" else [r for r in results if r.item.lang == scope]


def aggregate(results: Sequence[QuestionResult]) -> tuple[dict[str, dict[str, float | None]], dict[str, dict[str, int]]]:
    """Metric values and, for each, how many questions it was computed over."""
    metrics: dict[str, dict[str, float | None]] = {}
    support: dict[str, dict[str, int]] = {}
    for scope in SCOPES:
        rs = _in_scope(results, scope)
        vals: dict[str, float | None] = {}
        sup: dict[str, int] = {
            "questions": len(rs),
            "answerable": sum(r.item.answerable for r in rs),
            "unanswerable": sum(not r.item.answerable for r in rs),
            "abstained": sum(r.abstained for r in rs),
            "errors": sum(bool(r.obs.error) for r in rs),
        }
        for key in MEAN_KEYS:
            got = [r.scores[key] for r in rs if r.scores.get(key) is not None]
            if key in ("faithfulness", "answer_relevancy") and not got:
                continue  # the judge did not run: no entry rather than a misleading None
            vals[key] = m.mean(got)
            sup[key] = len(got)
        pairs = [(not r.item.answerable, r.abstained) for r in rs if r.obs.answer is not None]
        vals["abstain_precision"], vals["abstain_recall"] = m.abstention_precision_recall(pairs)
        sup["abstain_precision"] = sum(1 for _, did in pairs if did)
        sup["abstain_recall"] = sum(1 for should, _ in pairs if should)
        vals["false_abstention"] = m.false_abstention_rate([not should for should, _ in pairs], [d for _, d in pairs])
        sup["false_abstention"] = sum(1 for should, _ in pairs if not should)
        ask = [r.obs.ask_ms for r in rs if r.obs.ask_ms is not None]
        search = [r.obs.search_ms for r in rs if r.obs.search_ms is not None]
        vals["latency_p50_ms"] = m.percentile(ask, 50)
        vals["latency_p95_ms"] = m.percentile(ask, 95)
        vals["search_p50_ms"] = m.percentile(search, 50)
        sup["latency_p50_ms"] = sup["latency_p95_ms"] = len(ask)
        sup["search_p50_ms"] = len(search)
        metrics[scope], support[scope] = vals, sup
    return metrics, support


Progress = Callable[[int, int], None]


def run(
    items: Sequence[QAItem],
    backend: Backend,
    similarity: Similarity | None,
    desc: str = "eval",
    show_progress: bool | None = None,
) -> RunResult:
    """Ask every question, score it, aggregate. ``show_progress`` None: a tqdm bar when stderr is a terminal."""
    from tqdm import tqdm

    enabled = sys.stderr.isatty() if show_progress is None else show_progress
    results: list[QuestionResult] = []
    for item in tqdm(items, desc=desc, unit="q", disable=not enabled, file=sys.stderr):
        obs = backend.observe(item)
        results.append(score_question(item, obs, similarity))
    metrics, support = aggregate(results)
    return RunResult(backend.name, results, metrics, support)


Table = dict[str, dict[str, float | None]]


def ratios(system: Table, baseline: Table) -> Table:
    """system / baseline per scope and metric (None where the baseline is 0 or either side is undefined)."""
    out: dict[str, dict[str, float | None]] = {}
    for scope, vals in system.items():
        out[scope] = {}
        for key, v in vals.items():
            b = baseline.get(scope, {}).get(key)
            out[scope][key] = round(v / b, 3) if v is not None and b else None
    return out
