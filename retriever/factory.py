"""A hybrid retriever over the published index, built from settings alone.

The service holds its retriever inside ``service.engine.Engine`` (which also follows re-indexes), but the retriever
package must not depend on the service; scripts, notebooks and the LangChain adapter come here instead."""

from __future__ import annotations

import threading
from collections import OrderedDict

from core.embedders import IpqaEmbeddings, make_embedder
from core.settings import Settings
from ingest import load_index
from retriever.hybrid import HybridRetriever, RetrieverConfig

# Builds are immutable folders (publishing swaps a link to a new one), so a build's resolved path names its content
# and a cached retriever for it never goes stale; a new publish simply gets a new key. Small: each entry holds a whole
# index, and a process rarely has more than one or two (e.g. LangChain retrievers with different k share one).
_CACHE_SIZE = 2
_CACHE: OrderedDict[tuple[str, str, str], HybridRetriever] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def retriever_config(settings: Settings) -> RetrieverConfig:
    """The retrieval knobs that settings override; the rest are the tuned defaults of ``RetrieverConfig``."""
    cfg = RetrieverConfig(use_sparse=settings.use_sparse, max_query_chars=settings.max_query_chars)
    if settings.min_score is not None:
        cfg.min_evidence = settings.min_score
    return cfg


def settings_embedder(settings: Settings) -> IpqaEmbeddings:
    return make_embedder(settings.embedder, settings.st_query_prompt, settings.st_passage_prompt)


def load_retriever(settings: Settings | None = None, embedder: IpqaEmbeddings | None = None) -> HybridRetriever:
    """The retriever over the index published at ``settings.resolved_index_dir`` (``Settings()`` from the environment
    when not given). Raises ``ingest.IndexProblem`` (missing, damaged, or built with another embedder) with a message
    that says what to run."""
    settings = settings if settings is not None else Settings()
    emb = embedder if embedder is not None else settings_embedder(settings)
    config = retriever_config(settings)
    try:
        build = str(settings.resolved_index_dir.resolve(strict=True))
    except OSError:
        build = ""  # nothing published: load_index below says so in its own words
    # The embedder object is part of the key: two with the same id are interchangeable in content, but a caller that
    # passes its own expects that one to be used. The cached retriever keeps it alive, so its id() is not reused.
    key = (build, f"{emb.id}@{id(emb)}", repr(config))
    with _CACHE_LOCK:
        cached = _CACHE.get(key) if build else None
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    index = load_index(settings.resolved_index_dir, emb.id)
    # Built outside the lock: tokenizing a large index takes seconds, and a duplicate build in a race is harmless.
    built = HybridRetriever(index, emb, config)
    key = (str(index.path), key[1], key[2])  # the build actually loaded, should a publish have happened meanwhile
    with _CACHE_LOCK:
        _CACHE[key] = built
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return built
