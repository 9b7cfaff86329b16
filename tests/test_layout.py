"""The package boundaries (docs/architecture.md), checked on the source so a stray import fails CI, not a reader.

core ← ingest ← retriever ← service ← ui, with cli composing them all. Only cli may import eval; code outside
ingest/ reaches ingestion through ``ingest``'s public face (ingest/__init__.py), never its modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.settings import REPO_ROOT

OURS = ("core", "ingest", "retriever", "service", "ui", "eval", "cli")
# What each package may import of ours (besides itself).
ALLOWED = {
    "core": set(),
    "ingest": {"core"},
    "retriever": {"core", "ingest"},
    "service": {"core", "ingest", "retriever"},
    "ui": {"core", "service"},
    "eval": {"core", "ingest", "retriever", "service"},
    "cli": {"core", "ingest", "retriever", "service", "ui", "eval"},
}
MAX_LINES = 300
# Modules allowed past MAX_LINES, and why.
LONG_MODULES = {
    "ingest/translation_check.py": "one checker: its rules and their reasons read best together",
    "eval/report.py": "the report's Markdown sections, one after another",
    "eval/metrics.py": "every metric's definition beside its docstring",
}


def modules(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


def imported(path: Path) -> list[str]:
    """Dotted names of every import in the file, at any depth (lazy imports inside functions count too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", OURS)
def test_imports_flow_one_way(package: str) -> None:
    wrong = []
    for path in modules(package):
        for name in imported(path):
            top = name.split(".")[0]
            if top in OURS and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(REPO_ROOT)} imports {name}")
    assert not wrong, wrong


@pytest.mark.parametrize("package", [p for p in OURS if p != "ingest"])
def test_only_ingests_public_face_is_used_outside_it(package: str) -> None:
    wrong = [f"{path.relative_to(REPO_ROOT)} imports {name}"
             for path in modules(package) for name in imported(path) if name.startswith("ingest.")]
    assert not wrong, wrong


def test_no_layer_but_the_cli_imports_eval() -> None:
    for package in ("core", "ingest", "retriever", "service", "ui"):
        for path in modules(package):
            assert not any(n == "eval" or n.startswith("eval.") for n in imported(path)), path


def test_modules_stay_small_or_say_why() -> None:
    long = {}
    for package in OURS:
        for path in modules(package):
            rel = str(path.relative_to(REPO_ROOT))
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES and rel not in LONG_MODULES:
                long[rel] = n
    assert not long, f"over {MAX_LINES} lines without a stated reason: {long}"
    for rel in LONG_MODULES:  # the list stays honest: a module that shrank leaves it
        path = REPO_ROOT / rel
        assert path.is_file() and len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES, rel
