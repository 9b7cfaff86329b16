"""File loaders: each turns one file into a LangChain ``Document`` holding its title and its text in reading order.

``metadata["format"]`` is the loader that read it (``md``, ``txt``, ``pdf``, ``html``): PDF text is normalized with
``normalize(text, pdf=True)``, which removes the spaces PDF extraction puts between Japanese and ASCII.

A file that cannot be read is reported with :class:`LoadError`; the ingest pipeline logs it and goes on with the rest.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from langchain_core.documents import Document

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".html", ".htm")
_HTML_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)
_MD_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.M)


class LoadError(Exception):
    """A file that is skipped; the message names the file and the reason."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode_text(path: Path, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError(f"{path}: looks binary (NUL bytes), skipped")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path}: not valid UTF-8 text ({exc.reason} at byte {exc.start}), skipped") from exc
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > 0.05 * min(len(text), 8192):
        raise LoadError(f"{path}: looks binary (control characters), skipped")
    return text


def _load_markdown(path: Path, data: bytes) -> tuple[str, str]:
    # HTML comments carry notes for maintainers (the corpus source note), not document text.
    text = _HTML_COMMENT.sub("", _decode_text(path, data))
    m = _MD_TITLE.search(text)
    return (m.group(1) if m else path.stem), text


def _load_text(path: Path, data: bytes) -> tuple[str, str]:
    text = _decode_text(path, data)
    first = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    return first[:120], text


def _load_pdf(path: Path, data: bytes) -> tuple[str, str]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        # A blank line between pages lets the normalizer's page-break repair re-join split sentences.
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"{path}: unreadable PDF ({exc}), skipped") from exc
    text = "\n\n".join(pages)
    first = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    return (str(meta_title).strip() if meta_title else first[:120]), text


def _load_html(path: Path, data: bytes) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode_text(path, data), "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        if tag.name != "head":
            tag.decompose()
    title_tag = soup.find("title")
    lines: list[str] = []
    body = soup.body or soup
    for br in body.find_all("br"):
        br.replace_with(" ")
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "tr", "dd", "dt", "blockquote"]):
        if el.find_parent(["p", "li", "td", "th", "dd", "blockquote"]) is not None and el.name in ("p", "li"):
            continue  # nested block: its text is already part of the parent's
        if el.name == "tr":
            # One line per table row: a value stays next to the name in its first cell (「みなとIPブリッジ | … | 12社」).
            cells = [" ".join(c.get_text("").split()) for c in el.find_all(["td", "th"], recursive=False)]
            if any(cells):
                lines.append("| " + " | ".join(cells) + " |")  # Markdown-style: never joined by page-break repair
            continue
        # Inline tags (<strong>, <a>) are not word breaks: a separator would put spaces inside Japanese sentences
        # (「締切は 2025年5月30日 です」); the source's own whitespace is kept, collapsed.
        text = " ".join(el.get_text("").split())
        if not text:
            continue
        if el.name[0] == "h":
            # Headings become Markdown headings so section detection treats all formats alike.
            lines.append("#" * int(el.name[1]) + " " + text)
        elif el.name == "li":
            # List items keep a list mark, so the reader sees an enumeration as one (service/lists.py). Ordered items
            # get the same mark: "1. 書類審査" would read as a numbered section heading (ingest/sections.py), and
            # document order already carries the order.
            lines.append(f"・{text}")
        else:
            lines.append(text)
    h1 = soup.find("h1")
    title = (title_tag.get_text(strip=True) if title_tag else "") or (h1.get_text(strip=True) if h1 else "") or path.stem
    return title, "\n\n".join(lines)


_LOADERS: dict[str, tuple[str, Callable[[Path, bytes], tuple[str, str]]]] = {
    ".md": ("md", _load_markdown),
    ".markdown": ("md", _load_markdown),
    ".txt": ("txt", _load_text),
    ".pdf": ("pdf", _load_pdf),
    ".html": ("html", _load_html),
    ".htm": ("html", _load_html),
}


def doc_id_for(path: Path) -> str:
    return re.sub(r"[^\w.-]+", "_", path.stem).strip("_") or "doc"


def load_document(path: Path, max_bytes: int | None = None) -> Document:
    """Load one file. Raises :class:`LoadError` for unsupported, unreadable, binary, oversized or empty files."""
    suffix = path.suffix.lower()
    entry = _LOADERS.get(suffix)
    if entry is None:
        raise LoadError(f"{path}: unsupported file type '{suffix or '(none)'}', skipped")
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise LoadError(f"{path}: {size} bytes exceeds the limit of {max_bytes}, skipped")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read ({exc.strerror or exc}), skipped") from exc
    if not data.strip():
        raise LoadError(f"{path}: empty file, skipped")
    fmt, loader = entry
    title, text = loader(path, data)
    if not text.strip():
        raise LoadError(f"{path}: no text found, skipped")
    return Document(
        page_content=text,
        metadata={"doc_id": doc_id_for(path), "title": title.strip(), "source": str(path), "sha256": sha256_bytes(data),
                  "format": fmt},
    )


def is_pdf(doc: Document) -> bool:
    """Whether ``doc`` was extracted from a PDF: pass as ``normalize(doc.page_content, pdf=is_pdf(doc))``."""
    return doc.metadata.get("format") == "pdf"


def discover(paths: list[Path]) -> list[Path]:
    """Expand folders (recursively) into files, sorted so doc order and chunk ids are reproducible."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")
                                and not f.name.endswith(".en.jsonl")))
        else:
            found.append(p)
    return found
