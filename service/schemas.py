"""HTTP request bodies (responses reuse the shared contracts in core/contracts.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.contracts import Citation


class ChatTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    # Gradio 6 and OpenAI clients may send content as a list of parts; both forms are accepted.
    content: str | list[dict[str, Any]] = ""

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return " ".join(str(p.get("text", "")) for p in self.content if isinstance(p, dict))


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1)
    k: int = Field(default=5, ge=1, le=50)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1)
    history: list[ChatTurn] = Field(default_factory=list, max_length=50)
    k: int = Field(default=5, ge=1, le=20)
    mode: Literal["extractive", "llm"] | None = None
    lang: Literal["auto", "ja", "en"] = "auto"

    @field_validator("question")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("question is empty")
        return v


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=20_000)
    answer: str = Field(max_length=50_000)
    citations: list[Citation] | list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    rating: Literal[1, -1]
    comment: str | None = Field(default=None, max_length=5_000)


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = ""

    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return " ".join(str(p.get("text", "")) for p in self.content if isinstance(p, dict))


class ChatCompletionRequest(BaseModel):
    # OpenAI clients send many optional fields (temperature, user, ...); they are accepted and ignored.
    model_config = ConfigDict(extra="allow")

    model: str = "ipqa"
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False
