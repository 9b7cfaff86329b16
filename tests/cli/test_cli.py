"""The ipqa CLI contract: results on stdout, errors as one line on stderr with a non-zero exit code."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from core.settings import Settings


@pytest.fixture
def env(built_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPQA_VAR_DIR", str(built_settings.var_dir))
    monkeypatch.setenv("IPQA_LOG_LEVEL", "WARNING")


def test_search_json(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "IPAS", "-k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert len(hits) == 3 and "IPAS" in hits[0]["text"]


def test_ask_pretty_and_json(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "スタートアップ向けの知財支援は？"]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "Sources:" in out and "IPAS" in out
    assert main(["ask", "What is IPAS?", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["lang"] == "en" and answer["citations"]


@pytest.mark.parametrize("argv", [["ask", "   "], ["search", ""], ["ask", "あ" * 5000]])
def test_bad_question_is_one_line_on_stderr(env: None, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(argv) != 0
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("ipqa: error:") and "Traceback" not in captured.err
    assert captured.out == ""
