"""Where the answers come from: the service in this process, a running server over HTTP, or the plain baseline.

Each backend turns one question into an :class:`Observation`: the ranked passages of a deep search (the judged pool
for the retrieval metrics) and the answer of ``ask``, with client-side wall-clock latencies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from core.contracts import Answer, Citation, Hit
from core.embedders import IpqaEmbeddings
from eval.dataset import QAItem

# Search depth of every question: the retrieval metrics look at the top 10; nDCG's ideal ranking counts the relevant
# passages found in the top POOL (TREC-style pooling; docs/evaluation.md). 50 is the API's maximum k.
POOL = 50

# The plain pipeline the issue asks us to compare against (LangChain's usual defaults).
BASELINE_CHUNK_SIZE = 1000
BASELINE_CHUNK_OVERLAP = 200


class EvalError(RuntimeError):
    """A run cannot go on (server unreachable, index missing); the message says what to do."""


@dataclass
class Observation:
    hits: list[Hit]
    answer: Answer | None
    search_ms: float | None = None
    ask_ms: float | None = None
    error: str | None = None


class Backend(Protocol):
    name: str

    def describe(self) -> dict[str, Any]: ...

    def observe(self, item: QAItem) -> Observation: ...


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)


class InProcessBackend:
    """The retriever and answer service of this process (what ``ipqa ask`` runs)."""

    name = "system"

    def __init__(self, service: Any) -> None:
        # ``service`` is a service.answer.AnswerService; typed loosely so importing eval does not load the service.
        self.service = service

    def describe(self) -> dict[str, Any]:
        engine = self.service.engine
        index = engine.current.index
        return {
            "mode": "in-process",
            "answer_mode": engine.settings.answer_mode,
            "index": str(index.path),
            "chunks": len(index.chunks),
            "embedder": index.manifest.get("embedder", {}).get("id"),
            "chunker": index.manifest.get("chunker"),
            "built_at": index.manifest.get("built_at"),
        }

    def observe(self, item: QAItem) -> Observation:
        from retriever.query import QueryError
        from service.schemas import AskRequest

        retriever = self.service.engine.current.retriever
        obs = Observation(hits=[], answer=None)
        t0 = time.perf_counter()
        try:
            obs.hits = retriever.search(item.question, POOL).hits
        except QueryError as exc:
            obs.error = f"search refused: {exc}"
        obs.search_ms = _ms(t0)
        t0 = time.perf_counter()
        try:
            obs.answer = self.service.ask(AskRequest(question=item.question))
        except QueryError as exc:
            obs.error = f"ask refused: {exc}"
        obs.ask_ms = _ms(t0)
        return obs


class HttpBackend:
    """A running ``ipqa serve`` (or anything speaking the same /v1 API), through httpx."""

    name = "system"

    def __init__(self, url: str, client: httpx.Client | None = None, timeout_s: float = 120.0, retries: int = 5) -> None:
        self.url = url.rstrip("/")
        self._client = client or httpx.Client(base_url=self.url, timeout=timeout_s)
        self._retries = retries

    def check(self) -> dict[str, Any]:
        try:
            r = self._client.get("/readyz")
        except httpx.HTTPError as exc:
            raise EvalError(f"cannot reach {self.url}: {type(exc).__name__}: {exc}") from exc
        if r.status_code != 200:
            raise EvalError(f"server at {self.url} is not ready (HTTP {r.status_code}): {r.text[:200]}")
        body: dict[str, Any] = r.json()
        return body

    def describe(self) -> dict[str, Any]:
        ready = self.check()
        return {"mode": "http", "url": self.url, "chunks": ready.get("chunks")}

    def _post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None, float]:
        """(JSON body or None, error or None, milliseconds of the last attempt: rate-limit waits are not latency)."""
        ms = 0.0
        for attempt in range(self._retries + 1):
            t0 = time.perf_counter()
            try:
                r = self._client.post(path, json=body)
            except httpx.TimeoutException as exc:
                return None, f"{path} timed out ({type(exc).__name__})", _ms(t0)
            except httpx.TransportError as exc:
                raise EvalError(f"lost the server at {self.url}: {type(exc).__name__}: {exc}") from exc
            ms = _ms(t0)
            if r.status_code == 429 and attempt < self._retries:
                # The server's per-client rate limit: wait as told rather than record a failure.
                wait = r.headers.get("retry-after", "1")
                time.sleep(min(30.0, float(wait)) if wait.replace(".", "", 1).isdigit() else 1.0)
                continue
            if r.status_code != 200:
                try:
                    detail = r.json().get("detail")
                except ValueError:
                    detail = r.text[:200]
                return None, f"{path} → HTTP {r.status_code}: {detail}", ms
            data: dict[str, Any] = r.json()
            return data, None, ms
        return None, f"{path} → still rate-limited after {self._retries} retries", ms

    def observe(self, item: QAItem) -> Observation:
        obs = Observation(hits=[], answer=None)
        data, err, obs.search_ms = self._post("/v1/search", {"query": item.question, "k": POOL})
        if data is not None:
            obs.hits = [Hit.model_validate(h) for h in data.get("hits", [])]
        answer, err2, obs.ask_ms = self._post("/v1/ask", {"question": item.question})
        if answer is not None:
            obs.answer = Answer.model_validate(answer)
        obs.error = "; ".join(e for e in (err, err2) if e) or None
        return obs


class BaselineBackend:
    """A plain pipeline over the same documents: RecursiveCharacterTextSplitter 1000/200, dense only (same embedder,
    FAISS inner product), and the top passage, verbatim, as the answer. It never abstains and never translates."""

    name = "baseline"

    def __init__(self, paths: list[Path], embedder: IpqaEmbeddings, max_file_bytes: int | None = None) -> None:
        import faiss
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ingest import LoadError, discover, load_document

        docs = []
        for p in discover(paths):
            try:
                docs.append(load_document(p, max_file_bytes))
            except LoadError:
                continue  # the system's ingest skips the same files
        if not docs:
            raise EvalError(f"baseline: no documents found under {', '.join(str(p) for p in paths)}")
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=BASELINE_CHUNK_SIZE, chunk_overlap=BASELINE_CHUNK_OVERLAP, add_start_index=True
        )
        self.pieces = splitter.split_documents(docs)
        self.embedder = embedder
        t0 = time.perf_counter()
        vectors = embedder.encode([p.page_content for p in self.pieces], is_query=False)
        self.build_ms = _ms(t0)
        self.index = faiss.IndexFlatIP(embedder.dim)
        self.index.add(vectors)
        self.documents = len(docs)

    def describe(self) -> dict[str, Any]:
        sizes = [len(p.page_content) for p in self.pieces]
        return {
            "mode": "baseline (in-process)",
            "splitter": f"RecursiveCharacterTextSplitter({BASELINE_CHUNK_SIZE}, {BASELINE_CHUNK_OVERLAP})",
            "documents": self.documents,
            "chunks": len(self.pieces),
            "mean_chunk_chars": round(sum(sizes) / len(sizes), 1) if sizes else 0,
            "embedder": self.embedder.id,
            "build_ms": self.build_ms,
        }

    def observe(self, item: QAItem) -> Observation:
        t0 = time.perf_counter()
        qvec = self.embedder.encode([item.question], is_query=True)
        scores, ids = self.index.search(qvec, min(POOL, len(self.pieces)))
        hits: list[Hit] = []
        for rank, (score, i) in enumerate(zip(scores[0], ids[0], strict=True), 1):
            if i < 0:
                continue
            piece = self.pieces[int(i)]
            start = int(piece.metadata.get("start_index", 0))
            hits.append(Hit(
                rank=rank, score=float(score), chunk_id=f"baseline-{int(i)}", doc_id=str(piece.metadata["doc_id"]),
                section_path=[], text=piece.page_content, start=start, end=start + len(piece.page_content),
            ))
        ms = _ms(t0)
        answer = None
        if hits:
            top = hits[0]
            answer = Answer(
                answer=top.text.strip() + "[1]", lang="en" if item.lang == "en" else "ja", abstained=False,
                grounded=False, mode="baseline",
                citations=[Citation(n=1, chunk_id=top.chunk_id, doc_id=top.doc_id, section_path=[], quote=top.text,
                                    start=top.start, end=top.end, text=top.text)],
            )
        # The answer is the search result, so "ask" costs exactly the search.
        return Observation(hits=hits, answer=answer, search_ms=ms, ask_ms=ms)
