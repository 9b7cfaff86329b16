"""Ingestion: load → normalize → chunk → embed → write a published index build.

This module is the package's public face. Code outside ``ingest/`` imports from here only (a test checks it), so
loaders, the chunker and the on-disk layout can change without touching the retriever, the service or the CLI."""

from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, discover, is_pdf, load_document
from ingest.normalize import NORMALIZER_VERSION, NormalizedText, normalize
from ingest.pipeline import DocumentProgress, IngestSummary, NothingToIngestError, default_paths, ingest
from ingest.store import (
    IndexMismatchError,
    IndexMissingError,
    IndexProblem,
    LoadedIndex,
    SentenceTable,
    StoredDocument,
    build_faiss,
    load_index,
    read_manifest,
    write_index,
)
from ingest.translate_llm import TranslationCheckFailed, translate_document

__all__ = [
    "DocumentProgress",
    "NORMALIZER_VERSION",
    "SUPPORTED_SUFFIXES",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexProblem",
    "IngestSummary",
    "LoadError",
    "LoadedIndex",
    "NormalizedText",
    "NothingToIngestError",
    "SentenceTable",
    "StoredDocument",
    "TranslationCheckFailed",
    "build_faiss",
    "default_paths",
    "discover",
    "ingest",
    "is_pdf",
    "load_document",
    "load_index",
    "normalize",
    "read_manifest",
    "translate_document",
    "write_index",
]
