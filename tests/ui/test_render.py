from __future__ import annotations

import re

from core.contracts import Answer, Citation
from ui.labels import EXAMPLES, LABELS, choose_lang
from ui.render import (
    chat_escape,
    copy_text,
    display_messages,
    highlight_html,
    history_to_turns,
    message_text,
    sources_html,
)

PATH = ["3 知的財産推進計画2024の重点施策", "(4)高度知財人材の戦略的な育成・活躍", "○知財活用を支える人材基盤の強化"]
PASSAGE = "前置きの文。特許庁が実施している知財アクセラレーションプログラム(IPAS)の利便性の向上を図る。後ろの文。"
QUOTE = "特許庁が実施している知財アクセラレーションプログラム(IPAS)の利便性の向上を図る。"
PASSAGE_EN = "An opening sentence. The JPO's IPAS programme will be made easier to use. A closing sentence."
QUOTE_EN = "The JPO's IPAS programme will be made easier to use."
TITLES = {"ipsp2024": "知的財産推進計画2024"}


def citation(**kw: object) -> Citation:
    base: dict[str, object] = dict(
        n=1, chunk_id="ipsp2024#7", doc_id="ipsp2024", section_path=PATH, quote=QUOTE, start=106, end=106 + len(QUOTE),
        text=PASSAGE, text_en=PASSAGE_EN, quote_en=QUOTE_EN,
    )
    base.update(kw)
    return Citation(**base)  # type: ignore[arg-type]


def answer(lang: str = "ja", **kw: object) -> Answer:
    text = f"{QUOTE}[1]" if lang == "ja" else f"According to the plan: {QUOTE_EN}[1]"
    base: dict[str, object] = dict(answer=text, lang=lang, abstained=False, grounded=True, mode="extractive",
                                   citations=[citation()])
    base.update(kw)
    return Answer(**base)  # type: ignore[arg-type]


# --- chat history ---------------------------------------------------------------------------------------------------

def test_message_text_accepts_gradio6_parts_and_plain_strings() -> None:
    assert message_text("plain") == "plain"
    assert message_text([{"type": "text", "text": "IPAS"}, {"type": "text", "text": "とは？"}]) == "IPASとは？"
    # A file part has no text and must not turn into "None" or a dict repr.
    assert message_text([{"type": "file", "file": {"path": "/tmp/x.pdf"}}, {"type": "text", "text": "see"}]) == "see"
    assert message_text(None) == ""


def test_history_to_turns_converts_gradio6_history_to_service_turns() -> None:
    history = [
        {"role": "user", "content": [{"type": "text", "text": "IPASとは何ですか？"}], "metadata": None},
        {"role": "assistant", "content": [{"type": "text", "text": "知財支援 &lt;IPAS&gt; &amp; 研修[1]"}]},
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": "   "},
        {"role": "assistant", "content": "plain string form[1]"},
    ]
    turns = history_to_turns(history)
    assert [(t.role, t.text()) for t in turns] == [
        ("user", "IPASとは何ですか？"),
        ("assistant", "知財支援 <IPAS> & 研修[1]"),  # the service gets the text, not the page's escaping
        ("assistant", "plain string form[1]"),
    ]
    assert history_to_turns(history, limit=1)[0].text() == "plain string form[1]"
    assert history_to_turns(None) == []


def test_display_messages_keeps_what_was_shown() -> None:
    shown = display_messages([{"role": "user", "content": [{"type": "text", "text": "a &lt;b&gt;"}]}])
    assert shown == [{"role": "user", "content": "a &lt;b&gt;"}]


def test_chat_escape_round_trip_and_no_markup() -> None:
    text = "海賊版<script>alert(1)</script> & [2](IPAS)"
    escaped = chat_escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert history_to_turns([{"role": "user", "content": escaped}])[0].text() == text


# --- highlighting -----------------------------------------------------------------------------------------------------

def test_highlight_marks_exactly_the_quote() -> None:
    out = highlight_html(PASSAGE, QUOTE)
    assert out == f"前置きの文。<mark>{QUOTE}</mark>後ろの文。"


def test_highlight_escapes_corpus_html() -> None:
    out = highlight_html("a <b>bold</b> & <script>x</script> end", "<script>x</script>")
    assert out == "a &lt;b&gt;bold&lt;/b&gt; &amp; <mark>&lt;script&gt;x&lt;/script&gt;</mark> end"


def test_highlight_without_a_match_marks_nothing() -> None:
    assert "<mark>" not in highlight_html(PASSAGE, "存在しない引用です。")
    assert "<mark>" not in highlight_html(PASSAGE, None)


def test_highlight_marks_each_sentence_of_a_non_contiguous_translation() -> None:
    text = "The third is A. Something else. The fourth is B."
    out = highlight_html(text, "The third is A. The fourth is B.")
    assert re.findall(r"<mark>(.*?)</mark>", out) == ["The third is A.", "The fourth is B."]


# --- sources panel ----------------------------------------------------------------------------------------------------

def test_sources_panel_shows_document_path_highlight_and_reference_translation() -> None:
    out = sources_html(answer("en"), "en", TITLES)
    assert 'id="ipqa-src-1"' in out and "[1]" in out
    assert "知的財産推進計画2024 (ipsp2024)" in out
    for part in PATH:
        assert f"<span>{part}</span>" in out
    assert f"<mark>{QUOTE}</mark>" in out
    assert "English reference translation (unofficial)" in out
    assert f"<mark>{QUOTE_EN.replace(chr(39), '&#x27;')}</mark>" in out
    assert "<details class=\"ipqa-en\" open>" in out  # English answers show the translation unfolded


def test_sources_panel_in_japanese_folds_translation_and_omits_missing_one() -> None:
    out = sources_html(answer("ja"), "ja", TITLES)
    assert "英語参考訳(非公式)" in out and "<details class=\"ipqa-en\">" in out
    out = sources_html(answer("ja", citations=[citation(text_en=None, quote_en=None)]), "ja", TITLES)
    assert "ipqa-en" not in out


def test_an_english_passage_is_marked_as_english() -> None:
    # A user's English document: its passage is shown once, marked as English for fonts and screen readers.
    out = sources_html(answer("en", citations=[citation(text=PASSAGE_EN, quote=QUOTE_EN, text_en=None, quote_en=None)]),
                       "en", TITLES)
    assert '<blockquote class="ipqa-passage" lang="en">' in out and "ipqa-en" not in out
    assert '<blockquote class="ipqa-passage" lang="ja">' in sources_html(answer("ja"), "ja", TITLES)


def test_sources_panel_escapes_section_paths() -> None:
    out = sources_html(answer("ja", citations=[citation(section_path=["<img src=x onerror=alert(1)>"])]), "ja")
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out


def test_sources_panel_abstained_lists_suggested_sections() -> None:
    abst = answer("en", abstained=True, citations=[], answer="The documents do not cover this.",
                  suggested_sections=[PATH, ["2 基本認識"]])
    out = sources_html(abst, "en")
    assert "Not covered by the documents" in out and "Sections that may be related" in out
    assert "<span>2 基本認識</span>" in out and "<mark>" not in out


def test_sources_panel_empty_and_follow_up_query() -> None:
    assert "quoted span highlighted" in sources_html(None, "en")
    out = sources_html(answer("ja", rewritten_query="IPASとは？ それは誰が？"), "ja")
    assert "検索に使った質問" in out and "IPASとは？ それは誰が？" in out


# --- e-mail copy ------------------------------------------------------------------------------------------------------

def test_copy_text_japanese() -> None:
    text = copy_text(answer("ja"), TITLES)
    assert text.startswith(f"{QUOTE}[1]\n\n出典:\n")
    assert f"[1] 知的財産推進計画2024 (ipsp2024) > {' > '.join(PATH)}\n" in text
    assert f"    「{QUOTE}」" in text
    assert "<" not in text


def test_copy_text_english_gives_original_and_translation() -> None:
    text = copy_text(answer("en"), TITLES)
    assert "Sources:" in text
    assert f"Japanese original: 「{QUOTE}」" in text
    assert f'Unofficial reference translation: "{QUOTE_EN}"' in text


def test_copy_text_abstained() -> None:
    abst = answer("ja", abstained=True, citations=[], answer="記載が見当たりません。", suggested_sections=[PATH])
    assert copy_text(abst) == f"記載が見当たりません。\n\n関連する可能性のある箇所:\n- {' > '.join(PATH)}\n"


# --- labels -----------------------------------------------------------------------------------------------------------

def test_choose_lang() -> None:
    assert choose_lang("ja,en-US;q=0.9,en;q=0.8") == "ja"
    assert choose_lang("en-US,en;q=0.9,ja;q=0.8") == "en"
    assert choose_lang("fr-FR,fr;q=0.9,ja;q=0.5") == "ja"
    assert choose_lang("fr-FR,fr;q=0.9") == "en"
    assert choose_lang("en;q=0, ja;q=0.1") == "ja"
    assert choose_lang("en;q=0.5, ja;q=0.5") == "en"  # a tie goes to the browser's order
    assert choose_lang(None) == "ja" and choose_lang("") == "ja"
    assert choose_lang("ja", override="en") == "en"
    assert choose_lang("en", override="xx") == "en"


def test_every_label_in_both_languages_and_examples_cover_startups() -> None:
    for key, by_lang in LABELS.items():
        assert by_lang.get("ja") and by_lang.get("en"), key
    assert len(EXAMPLES["ja"]) == len(EXAMPLES["en"])
    assert "スタートアップ向けの知財支援は？" in EXAMPLES["ja"]
    assert "What IP help can startups get from the JPO?" in EXAMPLES["en"]
