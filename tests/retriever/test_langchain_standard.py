"""LangChain's standard retriever suite against ``IpqaRetriever()`` built from the environment alone."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from retriever.langchain import IpqaRetriever


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    # anyio would also run the coroutines under trio where it is installed; LangChain's async defaults are asyncio's.
    return "asyncio"


# The suite's async test is a plain ``async def``; pytest-asyncio (which langchain-tests installs) runs in strict
# mode here and leaves unmarked coroutines alone, so anyio's plugin runs them. The anyio mark, unlike an asyncio one,
# is silently ignored on the class's sync tests.
@pytest.mark.anyio
@pytest.mark.usefixtures("small_index_env")
class TestIpqaRetrieverStandard(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[IpqaRetriever]:
        return IpqaRetriever

    @property
    def retriever_query_example(self) -> str:
        return "スタートアップ向けの知財支援は？"
