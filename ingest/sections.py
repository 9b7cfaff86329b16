"""Section detection: heading paths from what a heading *is* (numbered section, (n) item, ○ item, （…） sub-item), not
only from its count of #. The source mixes levels freely (○ items appear as ###, #### and #####), so the pattern wins
over the Markdown depth.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)[.\s]\s*\S")
_PAREN_NUM = re.compile(r"^\(\d+\)")
_BULLET_ITEM = re.compile(r"^[○◎●◆■□]")
_PAREN_ITEM = re.compile(r"^\([^()]+\)$")
_CHAPTER = re.compile(r"^第[0-9一二三四五六七八九十]+[章部]")
# The caption line above an article of a Japanese statute or company rule book: 「（目的）」 then 「第1条 この規程は…」.
_CAPTION = re.compile(r"^\([^()]{1,30}\)$")
_ARTICLE = re.compile(r"^第[0-9一二三四五六七八九十百]+条(?:の[0-9一二三四五六七八九十]+)?")
_PLAIN_HEADING_MAX = 40


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]
    start: int  # body start offset in the normalized text
    end: int


def heading_level(title: str, md_depth: int | None, seen_numbered: bool) -> int | None:
    """Semantic level (1 = top). ``None`` when a plain line is not a heading."""
    if _CHAPTER.match(title):
        return 1
    m = _NUMBERED.match(title)
    if m and not title[len(m.group(1)) :].lstrip().startswith(("年", "月", "日", "%", "万", "億", "兆")):
        return 1 + m.group(1).count(".")
    if _PAREN_NUM.match(title):
        return 2
    if _BULLET_ITEM.match(title):
        return 3
    if _PAREN_ITEM.match(title):
        return 4
    if md_depth is None:
        return None
    if md_depth == 1:
        return 1
    # An unnumbered heading before the numbered sections (author, preface) is top level; after them it belongs to
    # the current numbered section (figure titles, references).
    return 2 if seen_numbered else 1


def plain_heading(line: str) -> bool:
    return len(line) <= _PLAIN_HEADING_MAX and not line.endswith(("。", ".", "、", ",")) and bool(
        _NUMBERED.match(line) or _PAREN_NUM.match(line) or _CHAPTER.match(line)
        or (_BULLET_ITEM.match(line) and len(line) <= 30)
    )


def _plain_kind(line: str) -> tuple[str, int, int | None] | None:
    """How a plain heading-like line is numbered: (pattern, depth, its number); None for a line that is not
    heading-like, or is a chapter (a table of contents lists those in a run too, as headings)."""
    if not plain_heading(line) or _CHAPTER.match(line):
        return None
    m = _NUMBERED.match(line)
    if m:
        return "numbered", m.group(1).count("."), int(m.group(1).split(".")[-1])
    m = _PAREN_NUM.match(line)
    return ("paren", 0, int(m.group(0)[1:-1])) if m else ("bullet", 0, None)


def enumerated_lines(lines: list[str]) -> set[int]:
    """Indices of short numbered or bulleted plain lines that follow on from a sibling (the next number of the same
    numbering, or the same bullet) with no body between: 「(1)正社員」「(2)契約社員」 or 「1. 届出書を出す」「2. 面談を
    受ける」 is a list, not a run of empty sections. Each heading of a real outline has body under it before its next
    sibling; a heading right after a list (「3. 審査」 then 「2. 報奨」) does not continue its numbering."""
    kinds = [_plain_kind(line.strip()) if line.strip() else None for line in lines]
    filled = [i for i, line in enumerate(lines) if line.strip()]
    items: set[int] = set()
    for a, b in zip(filled, filled[1:], strict=False):
        ka, kb = kinds[a], kinds[b]
        if ka is None or kb is None or ka[:2] != kb[:2]:
            continue
        if ka[2] is None or kb[2] == ka[2] + 1:
            items.update((a, b))
    return items


def _same(heading: str, doc_title: str) -> bool:
    # The title is passed as loaded, the heading comes from normalized text (「（2025年）」 vs 「(2025年)」).
    return unicodedata.normalize("NFKC", heading).strip() == unicodedata.normalize("NFKC", doc_title).strip()


def _article(lines: list[str], n: int) -> str | None:
    """「第3条 (従業者等の範囲)」 when line ``n`` is a caption line whose next non-empty line opens an article."""
    line = lines[n].strip()
    if not _CAPTION.match(line):
        return None
    # Looked ahead only from a caption line, without copying the rest: doing that for every line was quadratic.
    following = next((r for r in map(str.strip, itertools.islice(lines, n + 1, None)) if r), "")
    m = _ARTICLE.match(following)
    return f"{m.group(0)} {line}" if m else None


def detect_sections(text: str, doc_title: str | None = None) -> list[Section]:
    """Split the normalized text into body regions, each with its heading path. Heading lines are not body."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    seen_numbered = False
    body_start = 0
    pos = 0
    title_skipped = False

    def close(end: int) -> None:
        if text[body_start:end].strip():
            sections.append(Section(tuple(t for _, t in stack), body_start, end))

    lines = text.splitlines(keepends=True)
    listed = enumerated_lines(lines)
    for n, line in enumerate(lines):
        stripped = line.strip()
        md = _MD_HEADING.match(stripped)
        title: str | None = None
        level: int | None = None
        article = _article(lines, n)
        if article:
            # Each article is a section of its chapter, named by its number and caption (「第3条 (従業者等の範囲)」):
            # a question names the caption's words, and an article's items are one list.
            title, level = article, 2
        elif md:
            title = md.group(2).strip()
            if not title_skipped and len(md.group(1)) == 1 and (doc_title is None or _same(title, doc_title)):
                # The document title is the doc_title field, not part of every path.
                close(pos)
                title_skipped = True
                pos += len(line)
                body_start = pos
                continue
            level = heading_level(title, len(md.group(1)), seen_numbered)
        elif stripped and n not in listed and plain_heading(stripped):
            title = stripped
            level = heading_level(title, None, seen_numbered)
        if title is not None and level is not None:
            close(pos)
            if level == 1 and _NUMBERED.match(title):
                seen_numbered = True
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, title)]
            pos += len(line)
            body_start = pos
            continue
        pos += len(line)
    close(len(text))
    return sections
