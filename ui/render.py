"""Pure functions between the answer service's objects and what the page shows: chat text, the sources panel's HTML,
the e-mail copy, and the chat history sent back with a follow-up. No Gradio here, so they are cheap to test."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from core.contracts import Answer, Citation
from core.text import detect_lang
from service.schemas import ChatTurn
from ui.labels import UiLang, t

# The chat shows messages as text (render_markdown=False) but still interprets HTML in them, so only &, < and > need
# escaping; NFKC turns the plan's full-width brackets into ASCII ones, which Markdown would have made into links.
_SENTENCE_END = re.compile(r"(?<=[。．！？!?])|(?<=\.)\s+")

# Enough turns for a follow-up to be understood; AskRequest refuses more than 50.
MAX_HISTORY_MESSAGES = 12


def chat_escape(text: str) -> str:
    return html.escape(text, quote=False)


def chat_unescape(text: str) -> str:
    return html.unescape(text)


def message_text(content: Any) -> str:
    """The text of one chat message: Gradio 6 hands content back as a list of parts, older code and API clients as
    a plain string; files and components carry no text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        return str(content["text"]) if content.get("type", "text") == "text" and "text" in content else ""
    if isinstance(content, Sequence):
        return "".join(message_text(part) for part in content)
    return ""


def _get(message: Any, key: str) -> Any:
    return message.get(key) if isinstance(message, Mapping) else getattr(message, key, None)


def display_messages(history: Sequence[Any] | None) -> list[dict[str, str]]:
    """The chat as it was shown (escaped text), in the plain ``{"role", "content"}`` form to send back to the page."""
    out: list[dict[str, str]] = []
    for message in history or []:
        role = _get(message, "role")
        if role in ("user", "assistant"):
            out.append({"role": role, "content": message_text(_get(message, "content"))})
    return out


def history_to_turns(history: Sequence[Any] | None, limit: int = MAX_HISTORY_MESSAGES) -> list[ChatTurn]:
    """Earlier chat messages as the answer service's history: original text, no empty or non-chat messages."""
    turns: list[ChatTurn] = []
    for message in display_messages(history):
        text = chat_unescape(message["content"]).strip()
        if text:
            turns.append(ChatTurn(role=message["role"], content=text))  # type: ignore[arg-type]
    return turns[-limit:] if limit > 0 else []


def _spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where the quote sits in the passage. A quote widened over several sentences may not be contiguous in a
    translation, so then each of its sentences is looked for on its own."""
    quote = quote.strip()
    if not quote:
        return []
    at = text.find(quote)
    if at >= 0:
        return [(at, at + len(quote))]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in (p.strip() for p in _SENTENCE_END.split(quote)):
        if len(piece) < 4:
            continue
        at = text.find(piece, cursor)
        if at < 0:
            at = text.find(piece)
        if at >= 0 and all(at >= e or at + len(piece) <= s for s, e in spans):
            spans.append((at, at + len(piece)))
            cursor = at + len(piece)
    return sorted(spans)


def highlight_html(text: str, quote: str | None) -> str:
    """The passage as HTML-escaped text with the quoted span(s) in ``<mark>``."""
    spans = _spans(text, quote or "")
    out: list[str] = []
    cursor = 0
    for start, end in spans:
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def _path_html(path: Sequence[str]) -> str:
    parts = [f"<span>{html.escape(p)}</span>" for p in path if p]
    return ' <span class="ipqa-sep" aria-hidden="true">›</span> '.join(parts)


def _doc_name(doc_id: str, titles: Mapping[str, str]) -> str:
    title = titles.get(doc_id)
    return f"{title} ({doc_id})" if title and title != doc_id else doc_id


def citation_html(c: Citation, ui_lang: UiLang, titles: Mapping[str, str], open_english: bool) -> str:
    parts = [
        f'<section class="ipqa-src" id="ipqa-src-{c.n}" data-n="{c.n}">',
        f'<div class="ipqa-src-head"><span class="ipqa-n">[{c.n}]</span> '
        f'<span class="ipqa-doc">{html.escape(_doc_name(c.doc_id, titles))}</span></div>',
        f'<div class="ipqa-path" title="{html.escape(t("section", ui_lang))}">{_path_html(c.section_path)}</div>',
        f'<blockquote class="ipqa-passage" lang="{detect_lang(c.text)}">{highlight_html(c.text, c.quote)}</blockquote>',
    ]
    if c.text_en:
        parts.append(
            f'<details class="ipqa-en"{" open" if open_english else ""}>'
            f"<summary>{html.escape(t('reference_translation', ui_lang))}</summary>"
            f'<p lang="en">{highlight_html(c.text_en, c.quote_en)}</p></details>'
        )
    parts.append("</section>")
    return "".join(parts)


def sources_html(answer: Answer | None, ui_lang: UiLang, titles: Mapping[str, str] | None = None) -> str:
    """The sources panel: one card per citation, or the abstention with the sections that came closest."""
    titles = titles or {}
    if answer is None:
        return f'<div class="ipqa-sources"><p class="ipqa-empty">{html.escape(t("sources_empty", ui_lang))}</p></div>'
    parts = ['<div class="ipqa-sources">']
    if answer.rewritten_query:
        parts.append(
            f'<p class="ipqa-rewritten">{html.escape(t("searched_for", ui_lang))}: '
            f"<q>{html.escape(answer.rewritten_query)}</q></p>"
        )
    if answer.abstained:
        parts.append(
            '<div class="ipqa-abstained" role="status">'
            f"<strong>{html.escape(t('abstained_title', ui_lang))}</strong>"
            f"<p>{html.escape(t('abstained_body', ui_lang))}</p>"
        )
        sections = [p for p in answer.suggested_sections if p]
        if sections:
            parts.append(f"<p>{html.escape(t('suggested', ui_lang))}:</p><ul>")
            parts.extend(f'<li class="ipqa-path">{_path_html(p)}</li>' for p in sections)
            parts.append("</ul>")
        parts.append("</div>")
    else:
        if not answer.grounded:
            parts.append(f'<p class="ipqa-warn">{html.escape(t("not_grounded", ui_lang))}</p>')
        open_english = answer.lang == "en"
        parts.extend(citation_html(c, ui_lang, titles, open_english) for c in answer.citations)
    parts.append("</div>")
    return "".join(parts)


def copy_text(answer: Answer, titles: Mapping[str, str] | None = None) -> str:
    """Plain text for an e-mail reply: the answer, then its numbered sources with section path and quote, in the
    language of the answer (the inquirer's), not of the page."""
    titles = titles or {}
    lang: UiLang = answer.lang
    lines = [answer.answer.strip(), ""]
    if answer.abstained:
        sections = [" > ".join(p) for p in answer.suggested_sections if p]
        if sections:
            lines.append(t("suggested", lang) + ":")
            lines.extend(f"- {s}" for s in sections)
        return "\n".join(lines).rstrip() + "\n"
    if answer.citations:
        lines.append(t("copy_sources", lang) + ":")
    for c in answer.citations:
        where = " > ".join([_doc_name(c.doc_id, titles), *c.section_path])
        lines.append(f"[{c.n}] {where}")
        if lang == "en":
            lines.append(f"    {t('copy_original', lang)}: 「{c.quote.strip()}」")
            if c.quote_en:
                lines.append(f"    {t('copy_translation', lang)}: \"{c.quote_en.strip()}\"")
        else:
            lines.append(f"    「{c.quote.strip()}」")
    return "\n".join(lines).rstrip() + "\n"
