"""The loaded state of a running service: settings, embedder, index and retriever, created once and swapped whole on
re-index, so a request never sees half of an old index and half of a new one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.embedders import IpqaEmbeddings, make_embedder
from core.logging import get_logger
from core.settings import Settings
from ingest import IndexProblem, LoadedIndex, load_index
from retriever.factory import retriever_config
from retriever.hybrid import HybridRetriever
from service.vectors import SentenceVectors

log = get_logger("ipqa.engine")


class NotReady(RuntimeError):
    """The index is missing or unusable; the message says what to do."""


@dataclass(frozen=True)
class Loaded:
    index: LoadedIndex
    retriever: HybridRetriever
    vectors: SentenceVectors  # the index's sentence table; goes with the index it was built for


class Engine:
    def __init__(self, settings: Settings, embedder: IpqaEmbeddings | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._loaded: Loaded | None = None
        self._error: str | None = "not loaded yet"
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], object]] = []
        self._next_check = 0.0
        self._following = threading.Lock()
        self._unloadable: Path | None = None  # a published build that failed to load: not retried every check

    def on_load(self, listener: Callable[[], object]) -> None:
        """Call ``listener`` after every successful (re)load, e.g. to warm caches for the new index."""
        self._listeners.append(listener)

    @property
    def embedder(self) -> IpqaEmbeddings:
        if self._embedder is None:
            self._embedder = make_embedder(
                self.settings.embedder, self.settings.st_query_prompt, self.settings.st_passage_prompt
            )
        return self._embedder

    def load(self) -> None:
        """(Re)load the published index. On failure the previous index, if any, keeps serving."""
        with self._lock:
            try:
                index = load_index(self.settings.resolved_index_dir, self.embedder.id)
                if index.sentences is None:
                    log.warning("index_without_sentence_table", path=str(index.path),
                                hint="questions embed their sentences; re-run 'ipqa ingest' to build the table")
                self._loaded = Loaded(index, HybridRetriever(index, self.embedder, retriever_config(self.settings)),
                                      SentenceVectors(self.embedder, index.sentences))
                self._error = None
                log.info("index_loaded", chunks=len(index.chunks), path=str(index.path))
            except IndexProblem as exc:
                self._error = str(exc)
                log.warning("index_not_loaded", reason=str(exc))
                # Keep serving the old one, if any; readiness stays green.
                return
        for listener in self._listeners:
            listener()

    def warm_lexicon(self) -> None:
        """Read the bilingual lexicon for the loaded index (~0.3 s for the plan) before requests need it. A server
        does this while starting (and after each reload), so no question waits for it; a CLI process never pays it
        unless an English question over untranslated text needs it. (In a background thread it made the first
        English question after start-up wait on the lexicon's lock, 60 → 250 ms in bench/ask.py.)"""
        loaded = self._loaded
        if loaded is not None:
            _ = loaded.retriever.term_stats.cross
            _ = loaded.retriever.term_stats.kana  # the readings of its nouns, for words spelled in hiragana

    def follow_published(self) -> None:
        """Load a build published since ours, at most one check per ``index_follow_seconds``.

        Several worker processes share one index folder but each holds its own copy in memory; a re-index through
        one worker, or `ipqa ingest` run beside the server, would otherwise leave the others answering from the old
        build until restarted. The check is one readlink; the reload runs in a background thread while requests keep
        being answered from the build already loaded."""
        every = self.settings.index_follow_seconds
        now = time.monotonic()
        if every <= 0 or now < self._next_check:
            return
        self._next_check = now + every
        try:
            published = self.settings.resolved_index_dir.resolve(strict=True)
        except OSError:
            return
        loaded = self._loaded
        if (loaded is not None and loaded.index.path == published) or published == self._unloadable:
            return
        if self._following.acquire(blocking=False):
            threading.Thread(target=self._follow, name="ipqa-follow-index", daemon=True).start()

    def _follow(self) -> None:
        try:
            published = self.settings.resolved_index_dir.resolve()
            log.info("index_published_elsewhere", path=str(published))
            self.load()
            loaded = self._loaded
            self._unloadable = None if loaded is not None and loaded.index.path == published else published
        finally:
            self._following.release()

    @property
    def ready(self) -> bool:
        return self._loaded is not None

    @property
    def status(self) -> str:
        return "ok" if self._loaded is not None else (self._error or "not loaded")

    @property
    def current(self) -> Loaded:
        # Every request passes here, so this is where a newer published build is noticed (a clock compare, mostly).
        self.follow_published()
        loaded = self._loaded
        if loaded is None:
            raise NotReady(self._error or "index not loaded; run 'ipqa ingest'")
        return loaded
