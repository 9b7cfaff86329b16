"""Does the evidence state the kind of fact the question asks for?

Retrieval always returns *something* near a question such as 「IPASの今年度の応募締切はいつですか？」: the IPAS
passage. The dense score cannot tell that passage from an answer (AUC 0.56 over the unanswerable development
questions, bench/results/retrieval_tuning.md). What does tell them apart is that the question asks for a particular
kind of fact (an amount of money, a rate, a count, a date, a duration) and the evidence states none of that kind, or
that the question names a figure or a proper noun (「2025」, 韓国, Korea) that the evidence never mentions. This is the
classic expected-answer-type check of factoid QA, done with a few patterns per language and the facts module.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from service.facts import numbers

# Expected answer types: (question pattern, evidence pattern). The evidence patterns look for a figure of the type.
_YEN = r"(\d[\d,.]*\s*(兆|億|万|千)?\s*円|yen|\$\s*\d|ドル|dollars?)"
_RATE = r"(\d[\d.]*\s*(%|パーセント|割)|percent)"
# "How many" is also answered by a proportion (「半分程度」, "about half").
_PROPORTION = r"半分|半数|\bhalf\b|\d\s*(?:%|割)|\bpercent\b"
_JA_COUNTER = re.compile(r"何\s*(件|人|名|社|校|か国|カ国|ヶ国|機関|個|種類)")
_DATE = r"(\d{4}\s*年|\d{1,2}\s*月|令和|平成|年度|\b(19|20)\d\d\b|january|february|march|april|may|june|july|august" \
        r"|september|october|november|december)"
_DURATION = r"(\d[\d.]*\s*(年間|か月|ヶ月|カ月|日間|週間)|\d[\d.]*\s*(years?|months?|weeks?|days?)\b)"

_TYPES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "amount": (
        re.compile(r"いくら|金額|費用|手数料|料金|予算|コスト|how much (?:does|did|do|is|was|will|would)\b.*\b(?:cost|pay|spend)"
                   r"|\b(?:budget|fee|fees|price|cost of|costs?)\b", re.I),
        re.compile(_YEN, re.I),
    ),
    "rate": (
        re.compile(r"何\s*(%|パーセント|割)|(控除|税|利)率|what (?:percentage|percent|rate|share|proportion)"
                   r"|\b(?:rate|percentage)\b", re.I),
        re.compile(_RATE, re.I),
    ),
    "contact": (
        re.compile(r"電話番号|連絡先|問い合わせ先|メールアドレス|窓口はどこ|phone|e-?mail address"
                   r"|contact (?:details|address)", re.I),
        re.compile(r"\d{2,4}-\d{2,4}-\d{3,4}|[\w.+-]+@[\w-]+\.[\w.]+|電話|窓口", re.I),
    ),
    "person": (
        re.compile(r"どなた|誰が(?:座長|委員長|議長|担当)|座長|委員長|議長|who (?:chairs|heads|is the chair)|chairperson", re.I),
        # A named person or an office holder (総理大臣を本部長とし → "headed by the Prime Minister").
        re.compile(r"[一-龥]{1,4}\s*(?:氏|座長|委員長|議長|教授)|大臣|長官|\b(?:Mr|Ms|Dr|Prof)\.?\s+[A-Z]|\bMinister\b"),
    ),
    "penalty": (
        re.compile(r"罰|懲役|罰金|制裁|penalt|punish|\bfines?\b|sanction|prison", re.I),
        re.compile(r"罰|懲役|罰金|制裁|penalt|punish|\bfines?\b|sanction|prison", re.I),
    ),
    "date": (
        # "when" only as the question word, not the conjunction ("…does the plan mention when …").
        re.compile(r"いつ(?!まで)|締切|締め切り|期限|何年に|何月|日付|^\s*when\b|\bby when\b|deadline|what date"
                   r"|which year", re.I),
        re.compile(_DATE, re.I),
    ),
    "duration": (
        re.compile(r"何年間|何か月|どのくらいの期間|期間は|how long\b", re.I),
        re.compile(_DURATION, re.I),
    ),
}

# "How many <things>": the evidence must count those things (a number next to the same noun), or give a proportion.
_HOW_MANY = re.compile(r"how many\s+(?:\w+\s+)??([a-z]+?)s?\b", re.I)

# A name with a version or year (知的財産推進計画2025, "Program 2025") is a different document from the one with
# another number, even when 2025 appears elsewhere in the evidence.
_JA_VERSIONED = re.compile(r"([一-龥ァ-ヴー]{2})(\d{2,4})")
_EN_VERSIONED = re.compile(r"\b([A-Z][A-Za-z]{2,})\s+(\d{4})\b")

# The kinds of IP right. A question about one the evidence never names (商標 when the passages only discuss
# patents) is about a different subject, however close the embedding says it is.
_IP_RIGHTS = {
    "商標": ("商標", "trademark"), "trademark": ("商標", "trademark"),
    "意匠": ("意匠", "design right"), "design right": ("意匠", "design right"),
    "著作権": ("著作権", "copyright"), "copyright": ("著作権", "copyright"),
    "実用新案": ("実用新案", "utility model"), "utility model": ("実用新案", "utility model"),
    "営業秘密": ("営業秘密", "trade secret"), "trade secret": ("営業秘密", "trade secret"),
    "特許": ("特許", "patent"), "patent": ("特許", "patent"),
}

# Proper-noun checks. Japanese: place names that are not Japan's own, found by a small gazetteer-free rule: a name
# that ends in 国 (韓国, 中国, 米国) or is written in katakana as a country/city; English: capitalised words inside the
# sentence. Words every question about this plan may use are not evidence of a different topic.
_JA_FOREIGN = re.compile(r"[一-龥]{1,3}国(?!内|際|民|家|立|会|土|境|産|語|籍)|[ァ-ヴー]{2,}(?:州|市)")
# Jurisdictions other than Japan. Their law is outside this plan unless the evidence names them.
_JURISDICTIONS = {
    "アメリカ": ("アメリカ", "米国", "米中", "United States", "U.S."), "米国": ("アメリカ", "米国", "米中", "United States"),
    "中国": ("中国", "米中", "China"), "韓国": ("韓国", "Korea"),
    "欧州": ("欧州", "EU", "Europe"), "EU": ("欧州", "EU", "Europe"),
    "イギリス": ("イギリス", "英国", "UK", "United Kingdom"), "英国": ("イギリス", "英国", "UK", "United Kingdom"),
    "ドイツ": ("ドイツ", "Germany"), "フランス": ("フランス", "France"), "インド": ("インド", "India"),
    "United States": ("アメリカ", "米国", "United States", "U.S."), "US": ("アメリカ", "米国", "米中", "United States", "U.S."),
    "USA": ("アメリカ", "米国", "United States", "U.S."), "China": ("中国", "China"), "Korea": ("韓国", "Korea"),
    "Europe": ("欧州", "EU", "Europe"), "UK": ("イギリス", "英国", "UK", "United Kingdom"),
    "Germany": ("ドイツ", "Germany"), "France": ("フランス", "France"), "India": ("インド", "India"),
}
_EN_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,})\b")
_EN_COMMON_NAMES = {
    "japan", "japanese", "jpo", "ipas", "ip", "intellectual", "property", "strategic", "strategy", "program",
    "programme", "plan", "headquarters", "office", "patent", "cool", "cabinet", "government", "what", "which", "how",
    "does", "the", "startups", "startup", "wipo", "case", "search", "i", "is", "are", "can", "under", "as", "for",
}


@dataclass(frozen=True)
class Answerability:
    ok: bool
    reason: str | None = None


def expected_types(question: str) -> list[str]:
    q = unicodedata.normalize("NFKC", question)
    return [name for name, (asks, _) in _TYPES.items() if asks.search(q)]


_NOT_FOREIGN = {"我が国", "各国", "諸国", "全国", "外国", "他国", "自国", "本国"}


def _foreign_names_ja(question: str) -> set[str]:
    return {m for m in _JA_FOREIGN.findall(question) if m not in _NOT_FOREIGN}


def _names_en(question: str) -> set[str]:
    return {m for m in _EN_NAME.findall(question) if m.lower() not in _EN_COMMON_NAMES}


def check(question: str, evidence: str, evidence_en: str = "") -> Answerability:
    """``evidence`` is the Japanese text the answer would rest on; ``evidence_en`` its aligned English, if any."""
    q = unicodedata.normalize("NFKC", question)
    both = unicodedata.normalize("NFKC", evidence + "\n" + evidence_en)
    for name in expected_types(q):
        if not _TYPES[name][1].search(both):
            return Answerability(False, f"the question asks for a {name}; the passages state none")
    # Counts must count the thing asked about (何校 → 〜校, "how many members" → "N members"), or give a proportion.
    for counter in _JA_COUNTER.findall(q):
        # Only counts of people or companies are commonly given as a share (「スタートアップは半分程度」).
        share = f"|{_PROPORTION}" if counter in ("人", "名", "社") else ""
        if not re.search(rf"\d[\d,.]*\s*{re.escape(counter)}{share}", both):
            return Answerability(False, f"the question asks for a number of {counter}; the passages give none")
    m = _HOW_MANY.search(q)
    if m:
        noun = m.group(1).lower()
        if not re.search(rf"\d[\d,.]*\s+(?:\w+\s+)?{re.escape(noun)}|{_PROPORTION}", both, re.I):
            return Answerability(False, f"the question asks how many {noun}s; the passages give no such count")
    for pattern, joiner in ((_JA_VERSIONED, ""), (_EN_VERSIONED, " ")):
        for name, num in pattern.findall(q):
            if (name + joiner + num).lower() not in both.lower() and num in both:
                return Answerability(False, f"the passages mention {num} but not {name}{joiner}{num}")
    lowered = q.lower()
    for term, (ja, en) in _IP_RIGHTS.items():
        if term in lowered and ja not in both and en not in both.lower():
            return Answerability(False, f"the passages do not discuss {en}s")
    # Figures the question names (a year, an amount) must be in the evidence, or it is about something else.
    missing = {n for n in numbers(q) if n >= 10} - numbers(both)
    if missing:
        return Answerability(False, "the passages do not mention " + ", ".join(sorted(str(m) for m in missing)))
    for name, aliases in _JURISDICTIONS.items():
        if re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", q) and not any(a in both for a in aliases):
            return Answerability(False, f"the passages do not discuss {name}")
    names = _foreign_names_ja(q) | _names_en(q)
    absent = {n for n in names if n.lower() not in both.lower()}
    if absent:
        return Answerability(False, "the passages do not mention " + ", ".join(sorted(absent)))
    return Answerability(True)
