"""The one place that builds a LangChain chat model for the configured OpenAI-compatible server."""

from __future__ import annotations

from typing import Any

from core.settings import Settings


class ChatModelUnavailable(RuntimeError):
    pass


def chat_model(settings: Settings, streaming: bool = False) -> Any:
    if not settings.llm_base_url:
        raise ChatModelUnavailable("no LLM configured (set IPQA_LLM_BASE_URL)")
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - depends on extras
        raise ChatModelUnavailable("needs the 'llm' extra: pip install -e '.[llm]'") from exc
    # Callers decide about retries (translation re-asks with the failure explained; answers fall back to extractive).
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout_s,
        max_retries=0,
        temperature=0,
        streaming=streaming,
    )
