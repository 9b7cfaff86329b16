"""``ipqa ingest``: load → normalize → chunk → embed → write, reusing the vectors of unchanged documents."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.contracts import Chunk
from core.embedders import IpqaEmbeddings, make_embedder
from core.logging import get_logger
from core.settings import Settings
from ingest.chunker import chunk_document
from ingest.loaders import LoadError, discover, is_pdf, load_document
from ingest.normalize import NORMALIZER_VERSION, normalize
from ingest.sentences import build_sentence_table, sentence_texts
from ingest.store import (
    IndexProblem,
    StoredDocument,
    cleanup_partial,
    load_index,
    write_index,
    writer_lock,
)
from ingest.translation import attach_translations

log = get_logger("ipqa.ingest")

Progress = Callable[[str, int, int], None]


class NothingToIngestError(RuntimeError):
    """Every file was skipped (or there were none): publishing would replace a working index with an empty one."""

    def __init__(self, skipped: list[str]) -> None:
        super().__init__("no documents could be ingested; the published index is unchanged")
        self.skipped = skipped


@dataclass
class IngestSummary:
    documents: int = 0
    chunks: int = 0
    embedded_chunks: int = 0
    sentences: int = 0
    embedded_sentences: int = 0
    reused_documents: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    index_path: str = ""

    def line(self) -> str:
        return (
            f"{self.documents} documents, {self.chunks} chunks ({self.embedded_chunks} embedded, "
            f"{self.reused_documents} documents unchanged), {self.sentences} sentences "
            f"({self.embedded_sentences} embedded), {len(self.skipped)} skipped, {self.seconds:.2f} s"
        )


def default_paths(settings: Settings) -> list[Path]:
    uploads = settings.var_dir / "uploads"
    return [settings.corpus_dir] + ([uploads] if uploads.is_dir() else [])


def chunker_settings(settings: Settings) -> dict[str, int]:
    return {
        "target_chars": settings.chunk_target_chars,
        "max_chars": settings.chunk_max_chars,
        "overlap_sentences": settings.chunk_overlap_sentences,
    }


def ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    rebuild: bool = False,
    embedder: IpqaEmbeddings | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Build the index from ``paths`` (default: the corpus folder plus uploads). The index then holds exactly those
    documents; unchanged ones (same sha256 and settings) keep their chunks and vectors."""
    t0 = time.perf_counter()
    summary = IngestSummary()
    emb = embedder or make_embedder(settings.embedder, settings.st_query_prompt, settings.st_passage_prompt)
    index_dir = settings.resolved_index_dir
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    files = discover(paths or default_paths(settings))
    chunk_cfg = chunker_settings(settings)

    with writer_lock(index_dir):
        cleanup_partial(index_dir)
        previous = None
        prev_sentences = None  # by text: valid whatever the chunking recipe, as long as the embedder is the same
        if not rebuild:
            try:
                previous = load_index(index_dir, emb.id)
                prev_sentences = previous.sentences
                same_recipe = (
                    previous.manifest.get("chunker") == chunk_cfg
                    and previous.manifest.get("normalizer_version") == NORMALIZER_VERSION
                )
                if not same_recipe:
                    previous = None
            except IndexProblem:
                previous = None

        all_chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        en_vectors: list[np.ndarray] = []
        documents: list[StoredDocument] = []
        seen_ids: set[str] = set()
        prev_vecs: np.ndarray | None = None
        for i, path in enumerate(files):
            if progress:
                progress("load", i, len(files))
            try:
                doc = load_document(path, settings.max_file_bytes)
            except LoadError as exc:
                log.warning("document_skipped", reason=str(exc))
                summary.skipped.append(str(exc))
                continue
            doc_id = doc.metadata["doc_id"]
            if doc_id in seen_ids:
                doc_id = f"{doc_id}-{doc.metadata['sha256'][:8]}"
            seen_ids.add(doc_id)
            sha = doc.metadata["sha256"]
            sidecar = path.with_name(path.stem + ".en.jsonl")
            sha_key = sha + (":" + _sidecar_sha(sidecar) if sidecar.is_file() else "")
            prev_doc = previous.documents.get(doc_id) if previous else None
            if previous is not None and prev_doc is not None and prev_doc.sha256 == sha_key:
                positions = [j for j, c in enumerate(previous.chunks) if c.doc_id == doc_id]
                if positions:
                    prev_vecs = previous.vectors() if prev_vecs is None else prev_vecs
                    all_chunks.extend(previous.chunks[j] for j in positions)
                    vectors.append(prev_vecs[positions])
                    en_vectors.append(
                        previous.en_vectors[positions] if previous.en_vectors is not None
                        else np.zeros((len(positions), emb.dim), np.float32)
                    )
                documents.append(prev_doc)
                summary.reused_documents += 1
                continue
            norm = normalize(doc.page_content, pdf=is_pdf(doc))
            chunks = chunk_document(
                doc_id, doc.metadata["title"], norm.text,
                settings.chunk_target_chars, settings.chunk_max_chars, settings.chunk_overlap_sentences,
            )
            if sidecar.is_file():
                try:
                    attach_translations(chunks, norm.text, sidecar)
                except ValueError as exc:
                    log.warning("translation_skipped", file=str(sidecar), reason=str(exc))
            if not chunks:
                msg = f"{path}: no text chunks after normalization, skipped"
                log.warning("document_skipped", reason=msg)
                summary.skipped.append(msg)
                continue
            vecs = emb.encode([c.embed_text() for c in chunks], is_query=False)
            summary.embedded_chunks += len(chunks)
            all_chunks.extend(chunks)
            vectors.append(vecs)
            en_vectors.append(_embed_translations(emb, chunks))
            documents.append(
                StoredDocument(doc_id, doc.metadata["title"], str(path), sha_key, norm.text, len(chunks))
            )
        if not documents:
            raise NothingToIngestError(summary.skipped)
        texts = sentence_texts(all_chunks)
        if progress:
            progress("sentences", 0, len(texts))
        table, summary.embedded_sentences = build_sentence_table(
            texts, emb, prev_sentences,
            progress=(lambda i, n: progress("sentences", i, n)) if progress else None,
        )
        summary.sentences = len(texts)
        if progress:
            progress("write", len(files), len(files))
        matrix = np.vstack(vectors) if vectors else np.zeros((0, emb.dim), np.float32)
        en_matrix = np.vstack(en_vectors) if en_vectors else None
        build = write_index(
            index_dir, all_chunks, matrix, documents,
            {
                "embedder": {"id": emb.id, "spec": settings.embedder, "dim": emb.dim},
                "normalizer_version": NORMALIZER_VERSION,
                "chunker": chunk_cfg,
            },
            settings.index_type, settings.hnsw_threshold, en_matrix, table,
        )
        cleanup_partial(index_dir)
    summary.documents = len(documents)
    summary.chunks = len(all_chunks)
    summary.seconds = time.perf_counter() - t0
    summary.index_path = str(build)
    log.info("ingest_done", documents=summary.documents, chunks=summary.chunks, sentences=summary.sentences,
             embedded_sentences=summary.embedded_sentences, skipped=len(summary.skipped),
             seconds=round(summary.seconds, 3))
    return summary


def _embed_translations(emb: IpqaEmbeddings, chunks: list[Chunk]) -> np.ndarray:
    """Vectors of the reference translations: a second dense channel for English questions (zero rows: none)."""
    out = np.zeros((len(chunks), emb.dim), np.float32)
    idx = [i for i, c in enumerate(chunks) if c.text_en]
    if idx:
        out[idx] = emb.encode([chunks[i].text_en or "" for i in idx], is_query=False)
    return out


def _sidecar_sha(path: Path) -> str:
    from ingest.loaders import sha256_bytes

    return sha256_bytes(path.read_bytes())[:16]
