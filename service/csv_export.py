"""CSV for staff, shared by the admin API and the staff page so both downloads are the same file.

UTF-8 with a byte-order mark: Excel, which inquiry-desk staff open CSV files with, reads a CSV without one in the
system code page (CP932 on Japanese Windows) and turns every Japanese question into mojibake; with the mark it reads
UTF-8. Python's csv module, pandas (``encoding="utf-8-sig"``) and LibreOffice skip the mark, so scripts lose nothing.

Questions and comments come from the public. A cell starting with ``=``, ``+``, ``-`` or ``@`` is run as a formula
by spreadsheets (CSV injection), so such text cells get a leading apostrophe, the spreadsheet way of saying "text".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPE = "text/csv; charset=utf-8"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    return str(value)


def csv_bytes(model: type[BaseModel], records: Sequence[BaseModel]) -> bytes:
    """A header row of the model's fields (so an empty export still says what it would hold), then one row per
    record: lists joined by spaces, times in ISO 8601 UTC."""
    columns = list(model.model_fields)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends, which Excel expects too
    writer.writerow(columns)
    for record in records:
        data = record.model_dump(mode="json")
        writer.writerow([_cell(data[c]) for c in columns])
    return (BOM + out.getvalue()).encode("utf-8")
