"""Shared data contracts (DESIGN.md): every package may import this module; it imports nothing of ours."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Lang = Literal["ja", "en"]


class Chunk(BaseModel):
    chunk_id: str
    doc_id: str
    doc_title: str
    section_path: list[str]
    text: str
    start: int
    end: int
    lang: str = "ja"
    text_en: str | None = None
    # Sentence-level alignment of the reference translation: [start, end, english] with offsets into the document.
    en_sentences: list[tuple[int, int, str]] | None = None

    def embed_text(self) -> str:
        """What gets embedded: the heading path gives short passages the topic words they omit."""
        head = " > ".join(self.section_path)
        return f"{head}\n{self.text}" if head else self.text


class Hit(BaseModel):
    rank: int
    score: float
    chunk_id: str
    doc_id: str
    doc_title: str = ""
    section_path: list[str]
    text: str
    start: int
    end: int
    text_en: str | None = None
    channels: dict[str, int] = Field(default_factory=dict, description="Rank of this chunk in each retrieval channel.")

    @property
    def translation(self) -> str | None:
        """The passage's reference translation, if it has one. An English passage's ``text_en`` is the passage itself
        (ingest.translation.own_english), which no one should be shown twice or told is a translation."""
        return None if self.text_en == self.text else self.text_en


class Citation(BaseModel):
    n: int
    chunk_id: str
    doc_id: str
    section_path: list[str]
    quote: str
    start: int
    end: int
    text: str
    text_en: str | None = None
    quote_en: str | None = None


class Answer(BaseModel):
    answer: str
    lang: Lang
    abstained: bool
    grounded: bool
    mode: str
    citations: list[Citation] = Field(default_factory=list)
    rewritten_query: str | None = None
    suggested_sections: list[list[str]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)


class DocumentInfo(BaseModel):
    """An indexed document as clients see it: no server paths, only the file's own name."""

    doc_id: str
    title: str
    file: str = Field(description="The file name it was read from (no folder).")
    sha256: str
    chunks: int
    chars: int
