"""Expected answer types: what kind of fact a question asks for, and whether a text states a fact of that kind.

This is the expected-answer-type step of classic factoid QA. The question side is the interrogatives of each language
(いつ / when, いくら / how much, 誰 / who, …); the evidence side recognises how such a fact is written (a date, an amount
of money, a count with its counter, an organisation's name ending). Both are general properties of Japanese and
English, not of any one document or question set: the reader and the answerability model use the result only as
features whose weights are learned (service/reader.py, bench/train_reader.py).
"""

from __future__ import annotations

import re
import unicodedata

from retriever.kana import spelled_interrogatives
from service.statements import PHONE

_MONTHS_EN = r"january|february|march|april|may|june|july|august|september|october|november|december"

# Offices (any head of a unit: 課長, 部門長) and the roles a text introduces people by (講師, 担当者): 「…は誰」 asks a name.
_ROLES = r"首相|総理(?:大臣)?|大臣|長官|知事|[一-龥]{0,5}長|大統領|代表者?|講師|担当者|責任者"
_ROLES_EN = (r"prime minister|minister|president|chair(?:man|person|woman)?|governor|mayor|ceo|director|secretary|head|"
             r"manager|lecturer|speaker|instructor")

# Japanese counters (a count is a number with one): 件, 人, 社 … and those of households, machines, items, places, kinds.
_COUNTERS = (r"件|人|名|社|校|か国|カ国|ヶ国|機関|個|種類|つ|項目|回|団体|者|ページ|点|戸|台|本|枚|冊|頭|匹|軒|店舗|店|品目|"
             r"施設|か所|カ所|ヶ所|箇所|会場|棟|基|株|口|品種|種")

# Question side: interrogatives and the nouns that ask for a value ("deadline" asks for a date).
_ASKS: dict[str, re.Pattern[str]] = {
    "date": re.compile(
        r"いつ|何年(?!間)|何月|何日|何時(?!間)|何曜|日付|日程|締切|締め切り|〆切|期限|期日|時期|"
        r"^\s*when\b|\bwhen (?:is|was|will|does|did|do|are|were|can|should|must)\b|\bby when\b|\bdeadline|"
        r"\bdates?\b|\bwhat (?:day|year|month|time)\b|\bwhich (?:day|year|month)\b|\bin what year\b|\bdue\b|"
        r"\b(?:opening|office|business|reception) hours\b|"
        # "Is the desk open over lunch?", "open on Saturdays": the hours or days it is open answer it.
        r"\bopen (?:on|at|during|over|until|till|from|before|after)\b",
        re.I),
    "amount": re.compile(
        r"いくら|金額|費用|料金|手数料|予算|価格|[一-龥]額(?:は|が|を|って|も|$|[?？])|"
        r"\bhow much\b|\bcosts?\b|\bfees?\b|\bbudget\b|\bprice\b|\bamount\b|\bsubsid(?:y|ies) (?:amount|cap)\b",
        re.I),
    "rate": re.compile(
        r"何\s*(?:%|パーセント|割)|割合|比率|率は|\bpercentages?\b|\bpercent\b|\bproportion\b|\bratios?\b|"
        r"\bshare of\b|\bwhat share\b|\b\w+ rate\b", re.I),
    # A phone or fax "number of" the office is an address, not a count.
    "count": re.compile(rf"何\s*(?:十|百|千|万|億)?\s*(?:{_COUNTERS})(?!目)|いくつ|人数|件数|人員|\bhow many\b|"
                        r"(?<!phone )(?<!fax )(?<!extension )\bnumber of\b|\bheadcount\b", re.I),
    "who": re.compile(
        r"誰|だれ|どなた|どこが|どの(?:機関|組織|省庁|官庁|団体|部署)|実施主体|担当(?:機関|部署|者)|所管|"
        r"\bwho\b|\bwhom\b|\bwhich (?:\w+ )?(?:agency|agencies|organi[sz]ations?|ministry|ministries|office|body|bodies|"
        r"department|institutions?|member|person|people|minister|official|companies|company|universities|university)\b",
        re.I),
    # "Who is the <office>?" asks for the name of the person holding it, which a text naming only the office (「内閣総理
    # 大臣を本部長とし」) does not give; "who heads <organisation>?" is answered by the office.
    # 「委員長は誰が務めますか」 asks who fills the office, which the office's holder by title answers; the name of a
    # guideline or a product (「指針の名前は」, "the name of the programme") is no person's.
    "person": re.compile(
        rf"(?:{_ROLES})\s*(?:は|って)\s*(?:誰|だれ|どなた)(?!\s*が)|氏名|"
        r"(?:者|長|員|講師|先生|担当|代表)の?(?:お)?名前|"
        rf"^\s*who(?:'s| (?:is|was|are|were|will be|would be)) (?:the |a |an )?(?:current |present |new )?(?:[a-z]+ )?"
        rf"(?:{_ROLES_EN})\b|"
        rf"\bname of the (?:current |present )?(?:person|official|contact|author|speaker|lecturer|{_ROLES_EN})\b",
        re.I),
    "duration": re.compile(
        # 「何日もらえる」「何日くらいで」 count days, as 何日間 does; 「何日に」「何日まで」 ask for a date.
        r"何年間|何か月|何ヶ月|何カ月|何日(?:間|以内|分|くらい|ぐらい|ほど|程度|で(?!す|しょ)|も|もら|取|休|かか)|何週間|何時間|何営業日|何分|どのくらいの期間|"
        r"期間は|\bhow long\b|\bhow many (?:business |working )?(?:years|months|weeks|days|hours|minutes)\b", re.I),
    "contact": re.compile(
        r"電話番号|内線|連絡先|問い?合わせ先|問合せ先|メールアドレス|窓口|FAX|ファクス|ファックス|\bfax\b|"
        r"\bphone\b|\btelephone\b|\bextension (?:number|no)\b|\be-?mail\b|\bcontact\b|\burl\b|\bwebsite\b|\bweb ?page\b|"
        r"URL|ウェブサイト|ホームページ|サイトのアドレス|"
        # Where to send or ask is answered by a desk or an address, not a place.
        r"どこに(?:問い?合わせ|相談|連絡|送|申し込)|"
        r"\bwhere (?:should|do|can|could|must|would) (?:i|we|one) (?:send|ask|direct|contact|enquire|inquire|email|write)\b",
        re.I),
    # 「数値目標は？」, "what figures": any figure answers.
    "figure": re.compile(r"数値|数字|\bfigures?\b|\bnumbers?\b(?! of)", re.I),
    "place": re.compile(r"どこで|どこに|どこへ|どこの国|どの国|場所|所在地|住所|\bwhere\b|"
                        r"\bwhich (?:countr(?:y|ies)|cit(?:y|ies)|regions?|prefectures?)\b", re.I),
    # Any 罰 (罰則, 罰金, 処罰, 「どういう罰」) and discipline at work (懲戒処分: けん責, 減給) are penalties.
    "penalty": re.compile(r"罰[則金]?|懲役|懲戒(?:処分)?|制裁|\bpenalt|\bfines?\b|\bsanction|\bpunish|\bdisciplin", re.I),
}

# Evidence side: how each kind of fact is written.
_EMAIL = r"[\w.+-]+@[\w-]+\.[\w.]+"
_SHARE = r"\d[\d.]*\s*(?:%|パーセント|割)|半分|半数|\bhalf\b|\bpercent\b"
# A span counted to or from an event (「60日前まで」, 「30日以内」): a deadline as much as a duration.
_SPAN_UNIT = r"(?:営業日|日|週間?|か月|ヶ月|カ月|年)"
_STATES: dict[str, re.Pattern[str]] = {
    # A deadline is often written relative to an event (「発表の60日前まで」, 「完了から30日以内」, "within 30 days").
    "date": re.compile(
        rf"\d{{4}}\s*年|\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|\d{{1,2}}\s*月|令和\s*\d+|平成\s*\d+|年度|\b(?:19|20)\d\d\b|"
        rf"\b(?:{_MONTHS_EN})\b|\d{{1,2}}/\d{{1,2}}|"
        rf"\d+\s*{_SPAN_UNIT}\s*(?:前|後|以内|以降|まで|経過)|月末|年度末|翌月|翌日|当日|"
        # A time of day or a weekday answers "when" / 「何時から」 as a date does.
        r"\d{1,2}:\d{2}|\d{1,2}\s*時(?!間|点|代|期)|[月火水木金土日]曜|平日|"
        r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|\b\d{1,2}(?::\d{2})?\s*[ap]\.?m\b|"
        r"\b(?:within|before|after|prior to)\s+\d+\s+(?:business\s+|working\s+)?(?:days?|weeks?|months?|years?)\b|"
        r"\b\d+\s+(?:business\s+|working\s+)?(?:days?|weeks?|months?)\s+(?:before|after|prior)\b",
        re.I),
    # A price of nothing is an amount too: 「参加費:無料」 and 「利用者の費用負担はありません」 answer "is there a fee".
    "amount": re.compile(r"\d[\d,.]*\s*(?:兆|億|万|千)?\s*円|\byen\b|[$¥€£]\s*\d|\d\s*(?:ドル|dollars?|euros?)|無料|無償|"
                         r"(?:費用|料金|手数料|負担)(?:は|も)?(?:一切)?(?:かかりません|ありません|なし|無し)|\bno fees?\b|"
                         r"\bfree of charge\b|\bno charge\b|\bat no cost\b|\bis free\b", re.I),
    "rate": re.compile(_SHARE + r"|\d+\s*分の\s*\d+", re.I),
    "count": re.compile(
        # 「2回目」「3つ目」 are ordinals: they say which one, not how many.
        rf"\d[\d,.]*\s*(?:十|百|千|万|億)?\s*(?:{_COUNTERS}|枠)(?!目)|"
        # "How many" is also answered by a proportion (「3~4割程度」, "about half").
        + _SHARE + "|"
        r"[一二三四五六七八九十]\s*(?:つ|項目|種類)|"
        r"\b\d[\d,]*\s+[a-z]+s\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve)\s+[a-z]+s\b",
        re.I),
    "who": re.compile(
        r"[一-龥ァ-ヴー]{1,12}(?:庁|省|府|機構|機関|本部|委員会|協会|財団|センター|大学|事務局|会議|公社|法人)|"
        r"大臣|長官|知事|市長|[一-龥]{1,4}\s*(?:氏|さん|教授|座長|委員長)|"
        r"弁護士|弁理士|会計士|税理士|司法書士|相談員|"
        # A class of people answers "who" as an organisation does (「正社員、契約社員」, 「その相続人」, 「申請者」).
        r"[一-龥]{1,6}(?:者|人|員)(?![数名件])|"
        r"\b(?:Agency|Office|Ministry|Minister|Headquarters|Secretariat|Council|Committee|Foundation|Center|Centre|"
        r"Organi[sz]ation|University|Bureau|Cabinet|Government)\b|\b(?:Mr|Ms|Mrs|Dr|Prof)\.?\s+[A-Z]"),
    "person": re.compile(r"[一-龥]{1,4}\s*(?:氏|さん|教授)|\b(?:Mr|Ms|Mrs|Dr|Prof)\.?\s+[A-Z]"),
    "duration": re.compile(
        r"\d[\d.]*\s*(?:年間|か月|ヶ月|カ月|箇月|日間|週間|時間)|\d[\d.]*\s*(?:years?|months?|weeks?|days?|hours?|minutes?)\b|"
        rf"\d+\s*{_SPAN_UNIT}\s*(?:以内|以上|前|後|まで|程度|ほど)|\d+\s*分(?!の)|"
        rf"(?:最長|最大|最短|最低|約|通算)\s*\d+\s*{_SPAN_UNIT}|(?<![\d和成])\d{{1,2}}\s*(?:年|か月|ヶ月|カ月)(?!\s*[度\d月目])",
        re.I),
    "contact": re.compile(
        rf"\d{{2,4}}-\d{{2,4}}-\d{{3,4}}|{_EMAIL}|https?://\S+|電話|TEL|窓口|相談室|問い?合わせ|{PHONE}", re.I),
    "place": re.compile(
        r"[一-龥ァ-ヴー]{1,8}(?:都|道|府|県|市|区|町|村|国|地域|会場|ビル|階|センター|事務所|会館|会議室|ホール)|"
        r"[ぁ-ん]{2,5}(?:市|町|村)|\d+\s*階|\b(?:in|at) [A-Z][a-z]+|"
        # Where to apply, report or ask is an office as often as a place (「農林水産省の…受付窓口に通報」).
        r"[一-龥ァ-ヴー]{1,12}(?:庁|省|機構|本部|委員会|協会|事務局|窓口|課)|"
        r"\b(?:Agency|Office|Ministry|Headquarters|Secretariat|Committee|Bureau|desk)\b", re.I),
    "penalty": _ASKS["penalty"],  # a penalty is named the same way where it is asked and where it is stated
    "figure": re.compile(r"\d|\b(?:half|halved|thirds?|quarters?)\b|半額|半分|半減", re.I),  # a reduction by half is a figure
}

# What a count counts: the counters a Japanese text writes after the number and the English nouns that ask for them
# ("how many companies" is answered by 「214社」, not by 「四つの観点」 or 「12名」). A noun may take two counters
# (consultations: 件 or 回).
_COUNTED: dict[str, tuple[str, str]] = {
    "people": ("人|名", r"people|persons?|members?|staff|employees|workers|experts|lawyers|attorneys|researchers|"
                        r"students|participants|attendees|applicants|inventors|respondents|officials"),
    "companies": ("社", r"compan(?:y|ies)|firms?|businesses|enterprises|startups|corporations"),
    "organizations": ("団体|機関", r"organi[sz]ations|institutions|associations|cooperatives"),
    "cases": ("件", r"cases|applications|filings|patents|consultations|projects|requests|incidents|leaks|submissions|"
                    r"inventions|disclosures"),
    "times": ("回", r"times|sessions|visits|rounds|consultations"),
    "countries": ("か国|カ国|ヶ国", r"countr(?:y|ies)|nations"),
    "points": ("点", r"points"),
}
_COUNT_JA = re.compile(r"何\s*(?:十|百|千|万|億)?\s*(" + "|".join(ja for ja, _ in _COUNTED.values()) + ")")
_COUNT_EN = re.compile(r"\b(?:how many|number of)\s+(?:[a-z-]+\s+){0,2}?(" +
                       "|".join(en for _, en in _COUNTED.values()) + r")\b", re.I)
for _kind, (_ja, _en) in _COUNTED.items():
    # A proportion answers "how many people/companies" (「3割の企業」), not "how many cases"; administrative Japanese
    # counts businesses and bodies (applicants) with 者 too: 「利用者は38者」, 「1者あたり」.
    share = "|" + _SHARE if _kind in ("people", "companies") else ""
    _ja += "|者" if _kind in ("companies", "organizations") else ""
    _STATES[f"count:{_kind}"] = re.compile(
        rf"\d[\d,.]*\s*(?:十|百|千|万|億)?\s*(?:{_ja})(?!目)|[一二三四五六七八九十]+\s*(?:{_ja})(?!目)|"
        rf"\b\d[\d,]*\s+(?:[a-z-]+\s+)?(?:{_en})\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:{_en})\b"
        + share, re.I)

# Which channel a question asking for a number or an address wants: an e-mail address does not answer 「電話番号は」, nor
# a phone number "fax number"; an extension (「内線2450」) is a phone number. "Can I reach them by phone?" asks about
# contact in general.
_CHANNELS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "phone": (re.compile(r"電話番号|内線|\b(?:tele)?phone (?:number|no|extension)\b|\bextension (?:number|no)\b", re.I),
              re.compile(PHONE, re.I)),
    "fax": (re.compile(r"(?:FAX|ファクス|ファックス)\s*番号|\bfax (?:number|no)\b", re.I),
            re.compile(r"(?:FAX|ファクス|ファックス)\s*(?:番号)?\s*[:：]?\s*\(?\d", re.I)),
    "email": (re.compile(r"メールアドレス|\be-?mail address\b", re.I), re.compile(_EMAIL)),
    "url": (re.compile(r"URL|サイトのアドレス|\bwebsite address\b", re.I), re.compile(r"https?://|\bwww\.\w", re.I)),
}
for _channel, (_, _written) in _CHANNELS.items():
    _STATES[f"contact:{_channel}"] = _written
_CHANNEL_NAMES = {"phone": "phone number", "fax": "fax number", "email": "e-mail address", "url": "web address"}

TYPES: tuple[str, ...] = tuple(_ASKS)


def kind_name(kind: str) -> str:
    """An answer type as staff read it in the notes: "count of people", "fax number", "e-mail address"."""
    base, _, detail = kind.partition(":")
    return base if not detail else _CHANNEL_NAMES[detail] if base == "contact" else f"{base} of {detail}"


def counted(question: str) -> list[str]:
    """The kinds of thing a "how many" question counts (empty when its counter names none of them)."""
    q = spelled_interrogatives(_nfkc(question))
    kinds: list[str] = []
    for m in [*_COUNT_JA.finditer(q), *_COUNT_EN.finditer(q)]:
        word = m.group(1).lower()
        kinds += [k for k, (ja, en) in _COUNTED.items() if re.fullmatch(ja, word) or re.fullmatch(en, word, re.I)]
    return list(dict.fromkeys(kinds))


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# The interrogatives of both languages: a cue containing one asks (expected_types); a sentence containing one is
# part of the question rather than the asker's situation (service/question.asked_part).
INTERROGATIVE = re.compile(
    r"何|いつ|いくら|幾ら|誰|だれ|どなた|どこ|どの|どれ|どんな|どう|"
    r"\b(?:how|when|who|whom|whose|where|which|what|why)\b", re.I)


# A value noun modified by a "what kind of" interrogative asks which kinds there are, not a value: 「どんな費用が
# 対象ですか」, "what kinds of fees apply" and "what costs are covered" want the list of costs, not an amount.
_KINDS_BEFORE = re.compile(
    r"(?:どんな|どのような|どういう|どういった|どの|何の|いかなる)\s*(?:[一-龥ァ-ヴー]{1,6}の)?$|"
    r"\b(?:what|which)\s+(?:kinds?|types?|sorts?|categor(?:y|ies))\s+of\s+(?:\w+\s+)?$", re.I)
_PLURAL_KINDS = re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?$", re.I)
_TOPIC_AFTER = re.compile(r"\s*(?:について|に関して|に関する|に係る|をめぐる|を巡る)")
_TOPIC_BEFORE = re.compile(r"\b(?:about|regarding|concerning|on)\s+(?:the\s+|its\s+|their\s+|japan's\s+)?(?:\w+\s+)?$", re.I)


# "who" as a relative or embedded pronoun ("people who quit", "how often was it clients who noticed", "the records of
# who copied files") asks for no one: it follows a noun or a preposition, or another interrogative leads the question.
_WH_EARLIER = re.compile(r"\b(?:how|what|when|where|which|why)\b", re.I)
_RELATIVE_BEFORE = re.compile(
    r"\b(?!(?:and|so|but|or|then|me|us|know|ask|tell|wonder|wondering|is|was)\b)[a-z']+\s*$", re.I)


def _relative_who(match: re.Match[str], before: str) -> bool:
    return match.group().lower() in ("who", "whom") and bool(
        _WH_EARLIER.search(before) or _RELATIVE_BEFORE.search(before))


# "Who can apply?", 「誰が使えるの」, 「対象者は誰」 ask who is eligible: the conditions or classes of applicant, which
# no organisation's name answers (service/question.py treats them as list questions).
ELIGIBILITY = re.compile(
    r"\bwho\s+(?:can(?:not|'t)?|may|could|(?:is|are)\s+(?:not\s+)?(?:eligible|allowed|permitted|entitled)|qualif(?:y|ies))\b|"
    r"\bwho is it for\b|"
    r"(?:誰|だれ|どなた)が.{0,12}?(?:でき|使え|受けられ|対象)|対象(?:者|となる(?:方|人|者))?(?:は|って)(?:誰|だれ|どなた|どんな)|"
    # 「申請できないのは誰」, 「使えるのはどんな人」: the ones who can (not), asked for.
    r"(?:でき|使え|受けられ|なれ)(?:る|ない|ません)(?:の|人|者|方)(?:は|って)(?:誰|だれ|どなた|どんな)",
    re.I)


_CHANGE = re.compile(r"\bhow much (?:[\w-]+ ){0,5}?(?:grow|grew|grown|increase[ds]?|rise|rose|risen|fall|fell|fallen|"
                     r"drop(?:ped)?|decline[ds]?|decrease[ds]?|change[ds]?|reduced?|cut|lowered|discounted)\b", re.I)


def expected_types(question: str) -> set[str]:
    """The kinds of fact ``question`` asks for (empty for "what/how/why" questions, which take any statement).

    A noun cue that is the question's topic does not ask for its value: 「女性研究者の割合について計画は何と言っていますか」
    and "what does the plan say about the budget" ask what the text says, 「割合は何%ですか」 asks for a rate."""
    q = spelled_interrogatives(_nfkc(question))
    found: set[str] = set()
    # Who may apply is asked of the conditions: the nouns around it name the scheme ("Who can apply for fee relief?").
    eligibility = bool(ELIGIBILITY.search(q))
    for name, pat in _ASKS.items():
        for m in pat.finditer(q):
            before = q[: m.start()]
            topic = _TOPIC_AFTER.match(q, m.end()) or _TOPIC_BEFORE.search(before) or eligibility
            if _relative_who(m, before) or (name == "who" and eligibility):
                continue
            if INTERROGATIVE.search(m.group()):
                found.add(name)
                break
            kinds = _KINDS_BEFORE.search(before) or (
                name == "amount" and m.group().lower().endswith("s") and _PLURAL_KINDS.search(before))
            if not topic and (not kinds or name == "penalty"):  # the kind of penalty is the penalty
                found.add(name)
                break
    # A narrower type replaces the one it refines ("how long" asks for a span of time, not the date the span ends).
    for narrow, broad in (("duration", "date"), ("person", "who"), ("contact", "place")):
        if narrow in found:
            found.discard(broad)
    if "figure" in found and found - {"figure"}:
        found.discard("figure")
    # "How much did consultations grow?" asks for a change, which any figure states (16%, 356 → 412), not a price.
    if "amount" in found and _CHANGE.search(q):
        found.discard("amount")
        found.add("figure")
    # A count of something named asks for a number with that thing's counter; a contact, for the channel named.
    finer = {"count": counted(q) if "count" in found else [],
             "contact": [c for c, (asked, _) in _CHANNELS.items() if asked.search(q)] if "contact" in found else []}
    for broad, named in finer.items():
        if named:
            found = (found - {broad}) | {f"{broad}:{k}" for k in named}
    return found


def states(text: str, kind: str) -> bool:
    """Whether ``text`` states a fact of ``kind``."""
    return bool(_STATES[kind].search(_nfkc(text)))


def states_any(text: str, kinds: set[str]) -> bool:
    t = _nfkc(text)
    return any(_STATES[k].search(t) for k in kinds)
