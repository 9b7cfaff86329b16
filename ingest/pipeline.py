"""``ipqa ingest``: load → normalize → chunk → embed → write, reusing the vectors of unchanged documents."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.contracts import Chunk
from core.embedders import IpqaEmbeddings, make_embedder
from core.fast_e5 import bulk_embedder
from core.logging import get_logger
from core.settings import Settings
from ingest.chunker import chunk_document
from ingest.embed_cache import EmbedCache
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
from ingest.translation import attach_translations, own_english
from ingest.vectors import PassageVectors

log = get_logger("ipqa.ingest")

Progress = Callable[[str, int, int], None]


@dataclass
class DocumentProgress:
    """One document done: what ``ingest(..., on_document=)`` reports, e.g. for a log line per document."""

    index: int  # 1-based position among the discovered files
    total: int
    name: str
    chunks: int
    sentences: int
    embedded: int  # texts of this document the engine embedded
    cached: int  # texts of this document found in the resume cache
    reused: bool  # unchanged since the previous build: nothing embedded
    seconds: float
    bytes_done: int  # file bytes of the documents done so far, of bytes_total
    bytes_total: int
    eta_s: float | None  # remaining time at the rate of the documents embedded so far


OnDocument = Callable[[DocumentProgress], None]


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
    embedded_texts: int = 0  # distinct texts the engine embedded (chunks, English texts and sentences overlap)
    cached_texts: int = 0  # texts taken from the resume cache of an interrupted run
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    index_path: str = ""

    def line(self) -> str:
        return (
            f"{self.documents} documents, {self.chunks} chunks ({self.embedded_chunks} embedded, "
            f"{self.reused_documents} documents unchanged), {self.sentences} sentences "
            f"({self.embedded_sentences} embedded), {self.embedded_texts} texts embedded, {self.cached_texts} from "
            f"the resume cache, {len(self.skipped)} skipped, {self.seconds:.2f} s"
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
    on_document: OnDocument | None = None,
) -> IngestSummary:
    """Build the index from ``paths`` (default: the corpus folder plus uploads). The index then holds exactly those
    documents; unchanged ones (same sha256 and settings) keep their chunks and vectors.

    Documents are parsed and embedded one at a time; ``progress(stage, i, n)`` reports files ("load", "document")
    and file bytes done ("bytes", also within a document), ``on_document`` each finished document. Every vector computed
    goes to the resume cache first, so a rerun after a crash embeds only what was in flight (docs/ingest.md)."""
    t0 = time.perf_counter()
    summary = IngestSummary()
    emb = embedder or make_embedder(settings.embedder, settings.st_query_prompt, settings.st_passage_prompt)
    engine = bulk_embedder(emb, settings.ingest_engine, settings.ingest_threads, settings.ingest_batch_tokens)
    index_dir = settings.resolved_index_dir
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    files = discover(paths or default_paths(settings))
    chunk_cfg = chunker_settings(settings)
    sizes = [_size(f) for f in files]

    with writer_lock(index_dir):
        cleanup_partial(index_dir)
        previous = prev_index = None
        if not rebuild:
            try:
                # Vectors are reused by text whatever the chunking recipe, as long as the embedder is the same;
                # whole documents (by sha256) only under the same recipe.
                previous = prev_index = load_index(index_dir, emb.id)
                same_recipe = (
                    previous.manifest.get("chunker") == chunk_cfg
                    and previous.manifest.get("normalizer_version") == NORMALIZER_VERSION
                )
                if not same_recipe:
                    previous = None
            except IndexProblem:
                previous = None
        scope = str(index_dir.parent.resolve() / index_dir.name)  # the link's own path: builds come and go
        cache = (EmbedCache(settings.var_dir / "embed-cache", scope, emb.id, emb.dim,
                            settings.embed_cache_max_mb * 1024 * 1024) if settings.embed_cache_max_mb > 0 else None)
        source = PassageVectors(engine, cache, prev_index, prev_index.sentences if prev_index else None)

        all_chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        en_vectors: list[np.ndarray] = []
        documents: list[StoredDocument] = []
        seen_ids: set[str] = set()
        prev_vecs: np.ndarray | None = None
        embed_s, embed_bytes = 0.0, 0
        for i, path in enumerate(files):
            t_doc = time.perf_counter()
            before = (source.counts.embedded, source.counts.cached)
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
            reused = previous is not None and prev_doc is not None and prev_doc.sha256 == sha_key
            if reused and previous is not None and prev_doc is not None:
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
                chunks = [previous.chunks[j] for j in positions]
                sentences = sentence_texts(chunks)
                source.ensure(sentences)  # a build from before sentence tables has none of them
            else:
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
                own_english(chunks, norm.text)
                if not chunks:
                    msg = f"{path}: no text chunks after normalization, skipped"
                    log.warning("document_skipped", reason=msg)
                    summary.skipped.append(msg)
                    continue
                texts = [c.embed_text() for c in chunks]
                en_idx = [j for j, c in enumerate(chunks) if c.text_en]
                en_texts = [chunks[j].text_en or "" for j in en_idx]
                # The document's sentences are embedded with it, so the sentence table at the end only looks up.
                sentences = sentence_texts(chunks)
                source.ensure(texts + en_texts + sentences, _bytes_progress(progress, sizes, i))
                summary.embedded_chunks += len(chunks)
                all_chunks.extend(chunks)
                vectors.append(source.matrix(texts))
                en = np.zeros((len(chunks), emb.dim), np.float32)
                en[en_idx] = source.matrix(en_texts)
                en_vectors.append(en)
                documents.append(
                    StoredDocument(doc_id, doc.metadata["title"], str(path), sha_key, norm.text, len(chunks))
                )
                embed_s += time.perf_counter() - t_doc
                embed_bytes += sizes[i]
            if progress:
                progress("document", i + 1, len(files))
                progress("bytes", sum(sizes[: i + 1]), sum(sizes))
            if on_document:
                done, left = sum(sizes[: i + 1]), sum(sizes[i + 1 :])
                on_document(DocumentProgress(
                    i + 1, len(files), path.name, len(chunks), len(sentences),
                    source.counts.embedded - before[0], source.counts.cached - before[1], reused,
                    time.perf_counter() - t_doc, done, done + left,
                    left * embed_s / embed_bytes if embed_bytes else None,
                ))
        if not documents:
            if cache is not None:
                cache.close()
            raise NothingToIngestError(summary.skipped)
        texts = sentence_texts(all_chunks)
        if progress:
            progress("sentences", 0, len(texts))
        table, summary.embedded_sentences = build_sentence_table(
            texts, engine, prev_index.sentences if prev_index else None,
            progress=(lambda i, n: progress("sentences", i, n)) if progress else None, known=source.known,
        )
        summary.embedded_sentences += sum(1 for t in texts if t in source.embedded_texts)
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
        if cache is not None:
            cache.prune()  # published: the build holds every vector now (ingest/embed_cache.py says why)
    summary.documents = len(documents)
    summary.chunks = len(all_chunks)
    summary.embedded_texts = source.counts.embedded
    summary.cached_texts = source.counts.cached
    summary.seconds = time.perf_counter() - t0
    summary.index_path = str(build)
    log.info("ingest_done", documents=summary.documents, chunks=summary.chunks, sentences=summary.sentences,
             embedded_sentences=summary.embedded_sentences, embedded_texts=summary.embedded_texts,
             cached_texts=summary.cached_texts, skipped=len(summary.skipped), seconds=round(summary.seconds, 3))
    return summary


def _bytes_progress(progress: Progress | None, sizes: list[int], i: int) -> Callable[[int, int], None] | None:
    """Texts done within file ``i`` as file bytes done overall, so one bar (and its ETA) spans all documents."""
    if progress is None:
        return None
    base, total = sum(sizes[:i]), sum(sizes)
    return lambda done, todo: progress("bytes", base + sizes[i] * done // max(todo, 1), total)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _sidecar_sha(path: Path) -> str:
    from ingest.loaders import sha256_bytes

    return sha256_bytes(path.read_bytes())[:16]
