"""Optional LLM judge: RAGAS-style faithfulness and answer relevancy through the configured OpenAI-compatible server.

- faithfulness: the judge splits the answer into standalone statements, then says for each whether the cited
  passages alone imply it; the score is the share implied.
- answer relevancy: the judge writes three questions the answer answers (and flags a noncommittal answer); the score
  is the mean cosine similarity (our embedder) between them and the real question, 0 when noncommittal.

The prompts are our own (ragas is not a dependency). Without ``IPQA_LLM_BASE_URL`` the judge is skipped, and said so.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.embedders import IpqaEmbeddings
from core.settings import Settings
from eval.metrics import strip_markers
from eval.runner import RunResult, aggregate

STATEMENTS_PROMPT = (
    "You split an answer into claims for fact-checking. Break the ANSWER into short standalone statements, one "
    "fact each, with pronouns resolved and citation markers such as [1] removed. Keep the answer's language. Leave "
    "out lead-ins that state nothing. Reply with JSON only, in this form: {\"statements\": [\"...\", \"...\"]}"
)
VERDICTS_PROMPT = (
    "You are a strict fact-checker. For each numbered STATEMENT decide whether it can be directly inferred from the "
    "CONTEXT alone (1) or not (0); a statement with a number, date or name the context does not state is 0. The "
    "context may be Japanese while the statements are English. Reply with JSON only, in this form: "
    "{\"verdicts\": [{\"statement\": 1, \"verdict\": 1, \"reason\": \"...\"}]}"
)
QUESTIONS_PROMPT = (
    "Write three different questions, in {language}, that the ANSWER below directly answers. Also judge whether the "
    "answer is noncommittal (evasive, or only says the information is not available): 1 if so, else 0. Reply with "
    "JSON only, in this form: {{\"questions\": [\"...\", \"...\", \"...\"], \"noncommittal\": 0}}"
)
# Stop asking after this many failures in a row with no success: the endpoint is down, not one answer odd.
GIVE_UP_AFTER = 3


class JudgeError(RuntimeError):
    pass


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a model reply (models wrap JSON in prose or ``` fences)."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise JudgeError("judge reply holds no JSON object")
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        raise JudgeError(f"judge reply is not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise JudgeError("judge reply is not a JSON object")
    return data


@dataclass
class JudgeScores:
    faithfulness: float | None
    answer_relevancy: float | None


class Judge:
    def __init__(self, settings: Settings, embedder: IpqaEmbeddings) -> None:
        from core.chat import chat_model

        self._model: Any = chat_model(settings)
        self._embedder = embedder
        self.model_name = settings.llm_model

    def _ask(self, system: str, human: str) -> dict[str, Any]:
        try:
            reply = self._model.invoke([("system", system), ("human", human)])
        except Exception as exc:  # noqa: BLE001 - any client/transport failure of the judge endpoint
            raise JudgeError(f"judge request failed: {type(exc).__name__}: {exc}".splitlines()[0]) from exc
        content = reply.content if isinstance(reply.content, str) else ""
        return parse_json_object(content)

    def faithfulness(self, answer: str, contexts: list[str]) -> float | None:
        data = self._ask(STATEMENTS_PROMPT, f"ANSWER:\n{strip_markers(answer)}")
        statements = [s for s in data.get("statements", []) if isinstance(s, str) and s.strip()]
        if not statements:
            return None
        numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(statements, 1))
        context = "\n\n".join(contexts)
        verdicts = self._ask(VERDICTS_PROMPT, f"CONTEXT:\n{context}\n\nSTATEMENTS:\n{numbered}").get("verdicts", [])
        by_n: dict[int, int] = {}
        for i, v in enumerate(verdicts, 1):
            if isinstance(v, dict):
                n = v.get("statement", i)
                by_n[int(n) if isinstance(n, int | float) else i] = 1 if v.get("verdict") in (1, "1", True, "yes") else 0
        # A statement the judge gave no verdict for counts as not inferred.
        return sum(by_n.get(i, 0) for i in range(1, len(statements) + 1)) / len(statements)

    def answer_relevancy(self, question: str, answer: str, lang: str) -> float:
        language = "Japanese" if lang == "ja" else "English"
        data = self._ask(QUESTIONS_PROMPT.format(language=language), f"ANSWER:\n{strip_markers(answer)}")
        if data.get("noncommittal") in (1, "1", True):
            return 0.0
        generated = [q for q in data.get("questions", []) if isinstance(q, str) and q.strip()]
        if not generated:
            raise JudgeError("judge wrote no questions")
        vecs = self._embedder.encode([question, *generated], is_query=True)
        return float(np.clip(vecs[1:] @ vecs[0], 0.0, 1.0).mean())

    def score(self, question: str, answer: str, lang: str, contexts: list[str]) -> JudgeScores:
        return JudgeScores(self.faithfulness(answer, contexts), self.answer_relevancy(question, answer, lang))


def judge_run(run: RunResult, settings: Settings, embedder: IpqaEmbeddings, show_progress: bool | None = None) -> dict[str, Any]:
    """Score every non-abstained answer of ``run`` and re-aggregate. Returns a summary for the report."""
    if not settings.llm_configured:
        return {"status": "skipped", "reason": "no LLM endpoint configured (set IPQA_LLM_BASE_URL)"}
    from tqdm import tqdm

    from core.chat import ChatModelUnavailable

    try:
        judge = Judge(settings, embedder)
    except ChatModelUnavailable as exc:
        return {"status": "skipped", "reason": str(exc)}
    todo = [r for r in run.results if r.obs.answer is not None and not r.obs.answer.abstained]
    judged, errors, streak = 0, 0, 0
    first_error: str | None = None
    enabled = sys.stderr.isatty() if show_progress is None else show_progress
    for r in tqdm(todo, desc="judge", unit="q", disable=not enabled, file=sys.stderr):
        answer = r.obs.answer
        assert answer is not None
        contexts = [c.text + (f"\n(English reference: {c.text_en})" if c.text_en else "") for c in answer.citations]
        try:
            scores = judge.score(r.item.question, answer.answer, r.item.lang, contexts)
        except JudgeError as exc:
            errors += 1
            streak += 1
            first_error = first_error or str(exc)
            if streak >= GIVE_UP_AFTER and judged == 0:
                break
            continue
        streak = 0
        judged += 1
        r.scores["faithfulness"] = scores.faithfulness
        r.scores["answer_relevancy"] = scores.answer_relevancy
    run.metrics, run.support = aggregate(run.results)
    status = "ok" if judged else "failed"
    return {"status": status, "model": judge.model_name, "endpoint": settings.llm_base_url, "judged": judged,
            "errors": errors, "first_error": first_error}
