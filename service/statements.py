"""Which sentences of a passage can answer anything: statements, list items, links and fields, not titles.

Titles, bylines, captions and questions (an FAQ's 「Q. …ますか?」) state nothing; they are context for their
neighbours. List items, links and a field's value (「発行日：2025年11月28日」, 「受付時間：平日9時から17時まで」) may answer.
"""

from __future__ import annotations

import re

_STATEMENT_END = re.compile(r"[。．！!][」』）)\]]*\s*$|[.!]\s*$")
_FIELD = re.compile(r"^[^:：。?？]{1,15}[:：]\s*\S")
# A statute's items are numbered in kanji and spaced (「一　AGPL-3.0のOSSを…組み込むこと」: the 号 of an article).
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]\s*|[・●○◆■◇□▪|]|\(?\d{1,2}[).]\s|[①-⑳]|[(（][一二三四五六七八九十\d]+[)）]|"
                        r"[一二三四五六七八九十]{1,3}\s)")
# A phone number as it is written, an extension being one (「内線2450」, "ext. 2450"); service/answer_types reads the
# same pattern as the fact a 「電話番号は」 question asks for.
PHONE = r"(?<![\d-])\(?0\d{1,4}\)?[-‐ ]\d{1,4}[-‐ ]\d{3,4}(?![\d-])|\+\d{1,3}[- ]\d|内線\s*[:：]?\s*\d|\bext(?:ension|\.)\s*\d"
# A web or mail address, a phone number or an extension (「産業振興課 創業支援係　電話：0299-55-0123」, 「法務部 知財
# グループ（内線2450）」: a contact line is an answer however long the office's name before it).
_LINK = re.compile(rf"https?://|[\w.+-]+@[\w-]+\.|{PHONE}", re.I)


# A record line of a schedule or a fee list (「第2回 令和7年10月8日(水)14時から16時まで オンライン」): a date, a clock
# time or a price makes it an answer, as a table row is, unless it captions a figure or a table.
_RECORD = re.compile(r"\d{1,2}月\d{1,2}日|\d{1,2}:\d{2}|\d{1,2}時(?!間)|\d[\d,]*円")
_CAPTION = re.compile(r"^\s*[図表]\s*\d")

# A Markdown table's rule row (「|---|---|」) or a line of bullets says nothing: no letter, kana, kanji or digit.
_CONTENT = re.compile(r"[0-9A-Za-z\u3040-\u30ff\u3400-\u9fff\uff10-\uff19]")


def has_content(text: str) -> bool:
    return bool(_CONTENT.search(text))


# A question written with a full stop: Japanese marks a question by the particle か at the end of the sentence
# (「…できますか。」), and an FAQ by its 「Q.」/「問1」 label, not by a question mark.
_LABEL = r"\s*[\d０-９]*\s*[.．:：、]"  # 「Q.」「問1：」「A.」: a label's number and its mark
_QUESTION = re.compile(rf"^\s*(?:[QqＱ]|問){_LABEL}|[\u3041-\u3096]か[。．][」』）)\]]*\s*$")
_QUESTION_MARK = re.compile(r"[?？][」』）)\]]*\s*$")
# An FAQ's answer label (「A.」, 「答」), the counterpart of its question's.
_ANSWER = re.compile(rf"^\s*(?:(?:[AaＡ]|答){_LABEL}|答\s)")


def is_question(sentence: str) -> bool:
    return bool(_QUESTION.search(sentence) or _QUESTION_MARK.search(sentence))


def opens_reply(sentence: str, before: str) -> bool:
    """Whether ``sentence`` opens an FAQ's reply: labelled as an answer, right after a question."""
    return bool(_ANSWER.match(sentence)) and is_question(before)


def is_statement(sentence: str) -> bool:
    return has_content(sentence) and not _QUESTION.search(sentence) and bool(
        _STATEMENT_END.search(sentence) or _FIELD.match(sentence) or _LIST_ITEM.match(sentence)
        or _LINK.search(sentence) or (_RECORD.search(sentence) and not _CAPTION.match(sentence)))


# A reply that is only yes or no and a predicate (「A. いいえ、できません。」, 「はい。」, "No, you can't."): it says nothing
# without the sentence after it, which the reader then quotes with it (service/quote.select).
_BARE_REPLY = re.compile(r"^\s*(?:A\s*[.．:：]\s*)?(?:(?:はい|いいえ)(?:[、,][\u3041-\u309f、]{0,12})?[。！!]?|"
                         r"(?:yes|no)\b[,.!]?(?:\s*[a-z']+){0,3}[.!]?)\s*$", re.I)


def bare_reply(sentence: str) -> bool:
    return bool(_BARE_REPLY.match(sentence))


def is_item(sentence: str) -> bool:
    return bool(_LIST_ITEM.match(sentence)) and has_content(sentence)


# A negated statement or question: 「申請することができません」, 「対象としません」, 「対象外」, "not eligible", "can't". Every
# polite negative (ません, but not the invitation ませんか) is one; of the plain ない forms only verbs' (少ない is not).
_NEGATION = re.compile(
    r"ません(?!か)|(?:でき|なら|なり|認められ|受け付け|含め|含まれ|とし|され)ない|対象外|(?:を|は)除く|除きます|不可|禁止|"
    r"\b(?:not|cannot|never|no longer)\b|n't\b|\b(?:ineligible|excluded|exclude[sd]?|except)\b",
    re.I)


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text))
