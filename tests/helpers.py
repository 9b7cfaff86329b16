"""Helpers shared by tests (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

from core.contracts import Chunk
from ingest import NormalizedText

CHROMIUM = "/usr/bin/chromium"  # Debian's package; .ci/run installs it with fonts-ipafont-gothic
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def chromium_available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


def html_to_pdf(html_path: Path, pdf_path: Path, *, header_footer: bool = False, timeout: float = 180) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium, like a browser's "Save as PDF". Returns ``pdf_path``.

    ``header_footer=False`` leaves out Chromium's date/title header and file-URL footer, so the PDF holds only the
    document's text. Each call uses a fresh profile, so parallel runs do not fight over one. Raises ``RuntimeError``
    (with Chromium's stderr) when no PDF is written; callers check :func:`chromium_available` first to skip.
    """
    pdf_path = pdf_path.resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="ipqa-chromium-") as profile:
        cmd = [
            CHROMIUM, *CHROMIUM_ARGS, f"--user-data-dir={profile}",
            *([] if header_footer else ["--no-pdf-header-footer"]),
            f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri(),
        ]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if run.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"chromium did not print {html_path} (exit {run.returncode}): {run.stderr[-1500:]}")
    return pdf_path


def assert_maps_back(raw: str, norm: NormalizedText) -> None:
    """Every normalized character comes from the loaded character ``src`` points at (itself, its NFKC form, or a
    whitespace character for a collapsed space or newline), and the map runs forward."""
    assert len(norm.src) == len(norm.text) + 1
    assert norm.src == sorted(norm.src) and 0 <= norm.src[0] and norm.src[-1] <= len(raw)
    for i, ch in enumerate(norm.text):
        origin = raw[norm.src[i]]
        assert ch in unicodedata.normalize("NFKC", origin) or (ch.isspace() and origin.isspace()), (i, ch, origin)


def raw_span(raw: str, norm: NormalizedText, needle: str) -> str:
    """The loaded text behind the first occurrence of ``needle`` in the normalized text."""
    start = norm.text.index(needle)
    a, b = norm.source_span(start, start + len(needle))
    return raw[a:b]


def unit(*xs: float) -> np.ndarray:
    """A hand-made unit vector, so a test's cosines are exact."""
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def sentence_chunk(i: int, text: str, en: list[str] | None = None) -> Chunk:
    """A chunk of sentences for the sentence channel, with a sentence-aligned translation when ``en`` is given."""
    return Chunk(chunk_id=f"c{i}", doc_id="d", doc_title="t", section_path=[], text=text, start=0, end=len(text),
                 en_sentences=[(0, 1, e) for e in en] if en is not None else None)
