"""The QA set (DESIGN.md "Evaluation set format"): JSON lines, validated up front so a typo fails before a long run."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import REPO_ROOT

DEFAULT_QA = REPO_ROOT / "eval" / "data" / "dev.jsonl"


class DatasetError(ValueError):
    """The QA file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class QAItem:
    id: str
    lang: str
    question: str
    gold_quotes: list[str]
    answer: str
    answerable: bool
    section: str = ""
    kind: str = ""
    # Exact substrings of the source, one per enumerated item of a "list" question (list_coverage); empty: none.
    list_items: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict, compare=False)


def _item(row: object, where: str) -> QAItem:
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: expected a JSON object")
    missing = [k for k in ("id", "lang", "question", "gold_quotes", "answer", "answerable") if k not in row]
    if missing:
        raise DatasetError(f"{where}: missing key(s) {', '.join(missing)}")
    if row["lang"] not in ("ja", "en"):
        raise DatasetError(f"{where}: lang must be 'ja' or 'en', not {row['lang']!r}")
    if not isinstance(row["question"], str) or not row["question"].strip():
        raise DatasetError(f"{where}: question must be a non-empty string")
    quotes = row["gold_quotes"]
    if not isinstance(quotes, list) or not all(isinstance(q, str) and q.strip() for q in quotes):
        raise DatasetError(f"{where}: gold_quotes must be a list of non-empty strings")
    if not isinstance(row["answerable"], bool):
        raise DatasetError(f"{where}: answerable must be true or false")
    if row["answerable"] and not quotes:
        raise DatasetError(f"{where}: an answerable question needs at least one gold quote")
    items = row.get("list_items")
    if items is None:
        items = []
    if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
        raise DatasetError(f"{where}: list_items must be a list of non-empty strings")
    if items and not row["answerable"]:
        raise DatasetError(f"{where}: list_items on an unanswerable question (nothing to enumerate)")
    known = {"id", "lang", "question", "gold_quotes", "answer", "answerable", "section", "kind", "list_items"}
    return QAItem(
        id=str(row["id"]), lang=row["lang"], question=row["question"], gold_quotes=list(quotes),
        answer=str(row["answer"] or ""), answerable=row["answerable"], section=str(row.get("section") or ""),
        kind=str(row.get("kind") or ""), list_items=list(items), extra={k: v for k, v in row.items() if k not in known},
    )


def load_qa(path: Path) -> list[QAItem]:
    if not path.is_file():
        raise DatasetError(f"QA file not found: {path}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read QA file {path}: {exc}") from exc
    items: list[QAItem] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not valid JSON ({exc.msg})") from exc
        item = _item(row, where)
        if item.id in seen:
            raise DatasetError(f"{where}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise DatasetError(f"QA file {path} has no questions")
    return items
