"""IpqaRetriever as a user meets it: built from the environment, k per call, and the snippets of docs/langchain.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.settings import REPO_ROOT, Settings
from ingest import IndexMissingError
from retriever.factory import load_retriever
from retriever.langchain import IpqaRetriever

QUESTION = "海賊版による被害額は？"


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.usefixtures("small_index_env")
class TestFromEnvironment:
    def test_no_arguments_and_k_per_call(self) -> None:
        retriever = IpqaRetriever()
        assert retriever.k == 5
        docs = retriever.invoke(QUESTION, k=2)
        assert len(docs) == 2
        assert "2兆円" in docs[0].page_content
        assert docs[0].metadata["doc_title"] == "小さな知財推進計画"
        assert docs[0].id == docs[0].metadata["chunk_id"]
        # The call's k does not stick.
        assert len(retriever.invoke(QUESTION)) == 5

    @pytest.mark.anyio
    async def test_ainvoke_takes_k_too(self) -> None:
        docs = await IpqaRetriever(k=4).ainvoke(QUESTION, k=1)
        assert len(docs) == 1 and "2兆円" in docs[0].page_content

    def test_default_k_follows_the_settings(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("IPQA_K", "2")
        assert IpqaRetriever().k == 2
        assert IpqaRetriever(k=4).k == 4

    def test_unknown_or_bad_keywords_are_refused(self) -> None:
        retriever = IpqaRetriever()
        with pytest.raises(TypeError, match="top_k"):
            retriever.invoke(QUESTION, top_k=1)
        for bad in (0, -1, 1.5, True):
            with pytest.raises(ValueError, match="k must be"):
                retriever.invoke(QUESTION, k=bad)
        # LangChain's own invoke keyword passes through harmlessly.
        assert len(retriever.invoke(QUESTION, k=1, verbose=False)) == 1

    def test_instances_share_one_loaded_build(self) -> None:
        a, b = IpqaRetriever(k=1), IpqaRetriever(k=3)
        assert a.hybrid is b.hybrid
        assert a.hybrid is load_retriever()

    def test_docs_snippets_run(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from tests.service.stub_llm import StubLLM

        blocks = re.findall(r"```python\n(.*?)```", (REPO_ROOT / "docs" / "langchain.md").read_text(encoding="utf-8"), re.S)
        assert len(blocks) == 2
        scope: dict[str, object] = {}
        exec(compile(blocks[0], "docs/langchain.md#retriever", "exec"), scope)
        assert len(scope["docs"]) == 3  # type: ignore[arg-type]
        assert len(scope["top"]) == 1  # type: ignore[arg-type]
        with StubLLM() as llm:
            monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
            monkeypatch.setenv("OPENAI_API_KEY", "not-needed")
            monkeypatch.delenv("OPENAI_API_BASE", raising=False)
            scope = {}
            exec(compile(blocks[1], "docs/langchain.md#chain", "exec"), scope)
            answer = scope["chain"].invoke(QUESTION)  # type: ignore[attr-defined]
            # The stub answers with the first sentence of passage [1]: the retrieved passages reached the model.
            assert "2兆円" in answer and answer.endswith("[1]")
            assert "Question: " + QUESTION in llm.requests[-1]["messages"][0]["content"]


def test_explicit_settings_without_environment(small_index_settings: Settings) -> None:
    docs = IpqaRetriever(settings=small_index_settings, k=1).invoke(QUESTION)
    assert len(docs) == 1 and "2兆円" in docs[0].page_content


def test_construction_is_cheap_and_a_missing_index_is_reported_on_use(tmp_path: Path) -> None:
    retriever = IpqaRetriever(settings=Settings(var_dir=tmp_path / "nothing-here"))
    with pytest.raises(IndexMissingError, match="ipqa ingest"):
        retriever.invoke(QUESTION)
