"""Query guards shared by the CLI, the API and the retriever."""

from __future__ import annotations

import re
import unicodedata

from core.text import detect_lang

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class QueryError(ValueError):
    """A query we refuse, with a message fit to show the user."""


def clean_query(query: str, max_chars: int) -> str:
    """NFKC, control characters dropped, whitespace collapsed. Empty or over-long queries raise :class:`QueryError`."""
    if not isinstance(query, str):
        raise QueryError("query must be a string")
    if len(query) > max_chars * 2:
        # Checked before normalizing so a huge input costs nothing.
        raise QueryError(f"query is longer than {max_chars} characters")
    q = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFKC", query)).split())
    if not q:
        raise QueryError("query is empty")
    if len(q) > max_chars:
        raise QueryError(f"query is {len(q)} characters; the limit is {max_chars}")
    return q


def query_lang(query: str) -> str:
    return detect_lang(query)
