"""A small published index that ``Settings()`` finds through the environment, as a user's ``IpqaRetriever()`` would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings

# Six sections of distinct content: enough separate chunks for k=3 after overlap de-duplication, small enough to
# embed in a second or two.
SMALL_PLAN = """# 小さな知財推進計画

## 1 スタートアップ支援

特許庁は知財アクセラレーションプログラム(IPAS)により、スタートアップに知財専門家を派遣して知財戦略の構築を支援する。

## 2 海賊版対策

海賊版サイトによる被害額は年間2兆円に上ると推計され、政府は海外の執行機関と連携して対策を強化する。

## 3 標準化

国際標準化の推進に向けて、官民で標準化人材を育成し、戦略的な標準の活用を進める。

## 4 大学の知財

大学の研究成果を事業化につなげるため、大学の知財部門の体制を強化し、産学連携を促進する。

## 5 デジタル

生成AIと著作権の関係について、考え方を整理し、権利者と利用者の双方に周知する。

## 6 地域

地域の中小企業の知財活用を後押しするため、全国の知財総合支援窓口で相談に応じる。
"""


@pytest.fixture(scope="session")
def small_index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from ingest import ingest

    root = tmp_path_factory.mktemp("small-index")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "small_plan.md").write_text(SMALL_PLAN, encoding="utf-8")
    settings = Settings(var_dir=root / "var", corpus_dir=corpus)
    ingest(settings)
    return settings


@pytest.fixture(scope="class")
def small_index_env(small_index_settings: Settings) -> Iterator[Path]:
    """Point the ``IPQA_*`` environment at the small index for one test class, and restore it afterwards."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IPQA_VAR_DIR", str(small_index_settings.var_dir))
        mp.setenv("IPQA_CORPUS_DIR", str(small_index_settings.corpus_dir))
        mp.delenv("IPQA_INDEX_DIR", raising=False)
        mp.delenv("IPQA_K", raising=False)
        yield small_index_settings.resolved_index_dir
