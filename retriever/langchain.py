"""LangChain adapter, so the hybrid retriever drops into any LangChain chain (``retriever | prompt | llm``).

``IpqaRetriever()`` needs no arguments: it reads ``Settings()`` (the ``IPQA_*`` environment) and loads the index
published there the first time it is asked something. ``k`` is both a field and an ``invoke`` keyword."""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from core.settings import Settings
from retriever.factory import load_retriever
from retriever.hybrid import HybridRetriever

# LangChain hands every invoke() keyword to _get_relevant_documents once that accepts any beyond run_manager, and it
# reads "verbose" itself; anything else would be a typo (say top_k=) that must not silently return the default count.
_IGNORED_INVOKE_KWARGS = frozenset({"verbose"})


class IpqaRetriever(BaseRetriever):
    """Hybrid (dense + BM25 + English reference) retrieval over an ipqa index.

    - ``IpqaRetriever()`` / ``IpqaRetriever(k=3)``: the index at ``Settings().resolved_index_dir``, with the embedder
      and retrieval knobs of those settings.
    - ``IpqaRetriever(settings=Settings(var_dir=...))``: another configuration.
    - ``IpqaRetriever(retriever=hybrid)``: an already built ``HybridRetriever`` (the service's, for instance).

    Settings are read at construction, so a bad ``IPQA_*`` variable fails there; the index is loaded on first use, so
    a chain can be defined (at import time, in a module) before ``ipqa ingest`` has run, and building one costs
    nothing until it is invoked. A loaded index is shared by every instance over the same build (see
    ``retriever.factory``); an instance keeps the build it loaded, and a new instance picks up a newer one.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: HybridRetriever | None = None
    settings: Settings = Field(default_factory=Settings)
    k: int = Field(default=5, ge=1, description="Documents per query; when not given, the settings' k (IPQA_K).")

    _loaded: HybridRetriever | None = PrivateAttr(default=None)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="after")
    def _k_from_settings(self) -> IpqaRetriever:
        # The service answers from settings.k passages; a retriever built from the same settings should agree.
        if "k" not in self.model_fields_set:
            self.k = self.settings.k
        return self

    @property
    def hybrid(self) -> HybridRetriever:
        """The underlying retriever; loads the index on first access (``ingest.IndexProblem`` if there is none)."""
        if self.retriever is not None:
            return self.retriever
        with self._load_lock:
            if self._loaded is None:
                self._loaded = load_retriever(self.settings)
            return self._loaded

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None, **kwargs: Any
    ) -> list[Document]:
        unknown = set(kwargs) - _IGNORED_INVOKE_KWARGS
        if unknown:
            raise TypeError(f"IpqaRetriever.invoke() got unexpected keyword arguments {sorted(unknown)}; it takes k")
        if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
            raise ValueError(f"k must be a positive integer, got {k!r}")
        return self._search(query, self.k if k is None else k)

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, k: int | None = None, **kwargs: Any
    ) -> list[Document]:
        # BaseRetriever's default drops invoke keywords on the way to the sync method, so ainvoke(q, k=1) needs its own.
        return await run_in_executor(
            None, self._get_relevant_documents, query, run_manager=run_manager.get_sync(), k=k, **kwargs
        )

    def _search(self, query: str, k: int) -> list[Document]:
        result = self.hybrid.search(query, k)
        return [
            Document(
                page_content=h.text,
                id=h.chunk_id,
                metadata={
                    "chunk_id": h.chunk_id, "doc_id": h.doc_id, "doc_title": h.doc_title, "rank": h.rank,
                    "score": h.score, "section_path": h.section_path, "start": h.start, "end": h.end,
                    "text_en": h.text_en, "evidence": result.evidence, "confident": result.confident,
                },
            )
            for h in result.hits
        ]
