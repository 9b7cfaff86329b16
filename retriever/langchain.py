"""LangChain adapter, so the hybrid retriever drops into any LangChain chain (``retriever | prompt | llm``)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retriever.hybrid import HybridRetriever


class IpqaRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any  # HybridRetriever; typed Any because pydantic cannot validate it
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        engine: HybridRetriever = self.retriever
        result = engine.search(query, self.k)
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
