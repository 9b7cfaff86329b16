"""The one settings object: environment variables with the IPQA_ prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings


def test_an_empty_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # `IPQA_READER_MODEL=` in a shell or .env used to be the path "." (a directory, an unusable model).
    monkeypatch.setenv("IPQA_READER_MODEL", "")
    monkeypatch.setenv("IPQA_INDEX_DIR", "")
    s = Settings(_env_file=None)
    assert s.reader_model is None and s.index_dir is None
    monkeypatch.setenv("IPQA_READER_MODEL", "/tmp/reader.json")
    assert Settings(_env_file=None).reader_model == Path("/tmp/reader.json")
