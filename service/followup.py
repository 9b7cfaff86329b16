"""Follow-up questions: turn an elliptical turn ("それはいつまでに？", "what about for universities?") into a standalone
query by carrying the topic of the previous user turn. The LLM mode asks the model instead (service/llm.py)."""

from __future__ import annotations

import re

from service.schemas import ChatTurn

_ANAPHORA_JA = re.compile(r"^(それ|その|これ|この|あれ|あの|そこ|では|じゃあ|また|他に|ほかに|なお|で、|それで|同じ)")
_ANAPHORA_EN = re.compile(
    r"^(and |but |so |also |then )?(what about|how about|and for|what of|what else|is it|are they|does it|do they|"
    r"when is it|when will it|when does it|how much|who runs it|why)\b|\b(it|its|they|them|that|this|those|these)\b",
    re.I,
)
_SHORT_JA = 14
_SHORT_EN_WORDS = 5


def needs_context(question: str, lang: str) -> bool:
    q = question.strip()
    if lang == "ja":
        return bool(_ANAPHORA_JA.match(q)) or len(q) <= _SHORT_JA
    return bool(_ANAPHORA_EN.search(q)) or len(q.split()) <= _SHORT_EN_WORDS


def rewrite_heuristic(question: str, history: list[ChatTurn], lang: str) -> str | None:
    """Prefix the last user question's words when the new one leans on it; ``None`` when it stands alone."""
    previous = [t.text() for t in history if t.role == "user" and t.text().strip()]
    if not previous or not needs_context(question, lang):
        return None
    return f"{previous[-1].strip()} {question.strip()}"
