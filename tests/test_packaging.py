"""The data files the packages read at run time ship with them: pyproject's package-data globs cover every one (the
language offset and the library set were once missing from a wheel while an editable install hid it)."""

from __future__ import annotations

import tomllib

from core.settings import REPO_ROOT

DATA_DIRS = {"retriever": "data", "service": "models", "eval": "data"}


def test_package_data_covers_every_data_file() -> None:
    globs = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    missing = []
    for package, folder in DATA_DIRS.items():
        root = REPO_ROOT / package
        shipped = {p for g in globs.get(package, []) for p in root.glob(g) if p.is_file()}
        missing += [str(p.relative_to(REPO_ROOT)) for p in (root / folder).rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts and p not in shipped]
    assert not missing, f"not in pyproject's package-data: {missing}"
