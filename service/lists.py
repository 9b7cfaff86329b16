"""List and summary questions ("what are the four …", 「すべて挙げて」, 「主な施策は」, "summarize …").

Such a question is answered by an enumeration, not by the one sentence that scores best (that sentence is usually the
one announcing the list: 「4つの項目を…挙げている」). The items are found by the document's own structure around the
reader's best passage, in this order: sub-sections of its section (○ headings), list items (・, 1., ①), ordinal
sentences (1つ目, 2つ目, 第一に, firstly); failing all three, the section's statements from the best sentence on.
The section is the one whose heading best names what the question asks about. Every item is a
sentence of the document and is cited like any extractive answer.
"""

from __future__ import annotations

import re
import unicodedata

from core.contracts import Chunk, Hit
from service.announced import MAX_ITEMS, Sentence, announced_items, announces, as_candidate, doc_sentences, lead_of, same_line
from service.question import Evidence, QuestionTerms, states_type
from service.reader import Candidate
from service.statements import is_item, is_statement, negated

MAX_CHARS = 1200
# Three or more short terms in a row, closed as an enumeration (「偽情報、知的財産権、プライバシー等」, "A, B, C and D");
# a clause that ends in a particle or a conjunctive form (「政府は、」「発展し、」) is not a term.
_INLINE = re.compile(r"(?:[^、。,，\s]{1,15}(?<![はがをにでもとてし])[、・，]){2,}[^、。,，]{1,15}?"
                     r"(?:等|など|及び|および|並びに)|"
                     # 「AやBなど」: the particle や lists, and など closes the list.
                     r"[^、。,，\s]{1,15}や[^、。,，\s]{1,15}?(?:等|など)|"
                     r"(?:\b[\w-]+(?: [\w-]+){0,3}, ){2,}(?:[\w-]+ ){0,3}(?:and|or) \w+", re.I)

_COUNT_JA = re.compile(r"(\d+|[一二三四五六七八九十])\s*(?:つ(?!目)|項目|点(?!目)|本柱|分野|種類)")
# A bare figure counts nothing ("03-5555-0180", "in 2025"): digits count only the plural noun that follows them.
_COUNT_EN = re.compile(r"\b(two|three|four|five|six|seven|eight)\b|\b(\d+)\s+(?:[a-z]+\s+)?[a-z]+s\b", re.I)
_WORD_NUM = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ORDINAL = re.compile(
    r"^(?:まず|次に|さらに|最後に|加えて)?[、,]?\s*(?:\d+|[一二三四五六七八九十])\s*(?:つ目|点目|番目)|^第\s*[一二三四五六七八九十\d]+\s*に|"
    r"^(?:まず|次に|最後に)[、,]|^(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth(?:ly)?|finally|lastly)\b", re.I)


def stated_count(text: str) -> int | None:
    t = unicodedata.normalize("NFKC", text)
    m = _COUNT_JA.search(t) or _COUNT_EN.search(t)
    if not m:
        return None
    g = next(x for x in m.groups() if x).lower()
    n = _WORD_NUM.get(g) or (int(g) if g.isdigit() else None)
    return n if n and 2 <= n <= MAX_ITEMS else None


def _section_for(question_terms: QuestionTerms, paths: list[list[str]]) -> list[str]:
    """The section the enumeration covers: among the headings above the best passages, the one that best names
    what the question asks about (「知的財産の保護の主な施策」 → "(2) 知的財産の保護", not the ○ sub-section the best
    sentence sits in); on a tie the deeper heading, then the better-ranked passage's. A question about what is
    not allowed takes a negated heading that names any of it first (「対象とならない経費」 for "which expenses are
    excluded", over "11. 助成金の支払", which shares the rarer word 助成金)."""
    best: tuple[bool, float, int, int] = (False, 1e-9, 0, 0)  # a heading that shares no term names nothing
    # Failing a heading that names the ask, the best-ranked passage's section; never the whole document (the
    # untitled opening paragraph has no section, and every list item of the document is under its "root").
    chosen = next((p for p in paths if p), [])
    asks_negated = negated(question_terms.question)
    for order, path in enumerate(paths):
        for d in range(1, len(path) + 1):
            if negated(path[d - 1]) and not asks_negated:
                continue  # 「補助の対象外となる経費」 does not list the costs a positive question asks for
            cov = round(question_terms.coverage(Evidence.of([path[d - 1]])), 6)
            key = (asks_negated and negated(path[d - 1]), cov, d, -order)
            if cov > 1e-9 and key > best:
                best, chosen = key, path[:d]
    return list(chosen)


def _narrow(question_terms: QuestionTerms, prefix: list[str], doc: list[Chunk], hits: list[Hit]) -> list[str]:
    """The one sub-section the question names, when its heading alone names it and either the retriever ranks it
    above its siblings or it is itself a list, or opens by announcing one (「スタートアップ向けの支援」 under "6. …スタート
    アップ支援" → the bullets of "6.2 支援内容"; 「必要な書類」 → 「次の書類が必要です。」 and its items under "3-2. 提出
    書類"), not one sentence from each of its sibling sub-sections. A heading match alone is weak:
    「（3）知的財産の活用の柱」 names the pillar 標準の戦略的活用 by the word the whole section shares; that pillar opens
    with prose and the retriever ranks another first, so the pillars stay the items."""
    while prefix:
        depth = len(prefix)
        children: dict[str, list[Chunk]] = {}
        for c in doc:
            if c.section_path[:depth] == prefix and len(c.section_path) > depth:
                children.setdefault(c.section_path[depth], []).append(c)
        named = [h for h in children if question_terms.coverage(Evidence.of([h])) > 0]
        if len(children) < 2 or len(named) != 1:
            return prefix
        first_ranked = next((h.section_path[depth] for h in hits
                             if list(h.section_path[:depth]) == prefix and len(h.section_path) > depth), None)
        opening = next((s for s in doc_sentences(children[named[0]]) if is_statement(s.text)), None)
        if named[0] != first_ranked and not (opening is not None and (is_item(opening.text) or announces(opening.text))):
            return prefix
        prefix = [*prefix, named[0]]
    return prefix


def enumerate_items(question_terms: QuestionTerms, question: str, anchor: Candidate, chunks: list[Chunk],
                    hits: list[Hit], chosen: list[Candidate] | None = None) -> list[Candidate]:
    """The items of the enumeration that answers ``question``, anchored at the reader's best sentence; of several
    lists in the section, the one holding most of the reader's ``chosen`` sentences."""
    doc = [c for c in chunks if c.doc_id == anchor.hit.doc_id]
    path = list(anchor.hit.section_path)
    hit_for = {h.chunk_id: h for h in hits}
    rank = len(hits) + 1
    asked, announced = stated_count(question), stated_count(anchor.text)
    want = asked or announced
    limit = want or MAX_ITEMS
    if announced and asked in (None, announced):
        prefix = path  # the best sentence announces the list (「4つの項目を…挙げている」): its section holds it
    else:
        prefix = _section_for(question_terms, [path] + [list(h.section_path) for h in hits[:3]])
    prefix = _narrow(question_terms, prefix, doc, hits)
    depth = len(prefix)

    # 1. Sub-sections of the section the question names: the first statement of each.
    children: dict[str, list[Chunk]] = {}
    for c in doc:
        if depth and c.section_path[:depth] == prefix and len(c.section_path) > depth:
            children.setdefault(c.section_path[depth], []).append(c)
    if len(children) >= 2 and (want is None or want == len(children)):
        items = []
        for heading, group in children.items():
            first = next((s for s in doc_sentences(group) if is_statement(s.text)), None)
            if first is not None:
                item = as_candidate(first, hit_for, rank)
                item.label = heading  # the sub-section's name is the item; its first sentence says what it is
                items.append(item)
        if len(items) >= 2:
            return items[:limit]

    # 2./3. Ordinal sentences or list items in that section.
    section = [s for s in doc_sentences([c for c in doc if c.section_path[:depth] == prefix]) if is_statement(s.text)]
    for pattern in (_ORDINAL, None):
        found = [s for s in section if (pattern.match(s.text) if pattern else is_item(s.text))]
        found = found if pattern else _chosen_run(section, found, {c.start for c in chosen or []}, negated(question))
        # Ordinals answer the question only when the best sentence, the question or the section's opening
        # (「次の四つの課題が浮かび上がった。」) counts them; "the record highs under the Cool Japan situation" sits
        # inside the second of four ordinals and is answered by its own sentence.
        opens = stated_count(section[0].text) if section else None
        if pattern is _ORDINAL and not (announced or (want and want == len(found)) or opens == len(found)):
            continue
        if len(found) >= 2:
            return [as_candidate(s, hit_for, rank) for s in found[:limit]]

    # 4. No structure: the section's statements from the anchor on (a summary by its leading sentences).
    if len(section) >= 2:
        start = next((i for i, s in enumerate(section) if s.start >= anchor.start), 0)
        return [as_candidate(s, hit_for, rank) for s in (section[start:] + section[:start])[: min(limit, 5)]]
    return [anchor]


def _chosen_run(section: list[Sentence], items: list[Sentence], chosen: set[int], asks_negated: bool) -> list[Sentence]:
    """Of the section's runs of consecutive items (第3条's 「従業者等」, then those 「含まれない」), the one whose lead
    sentence is negated as the question is, then the one with most chosen sentences; all items when neither decides."""
    runs: list[list[Sentence]] = []
    position = {s.start: i for i, s in enumerate(section)}
    for s in items:
        if runs and all(not is_item(t.text) and same_line(runs[-1][-1], t)
                        for t in section[position[runs[-1][-1].start] + 1 : position[s.start]]):
            runs[-1].append(s)
        else:
            runs.append([s])
    lead = [section[position[r[0].start] - 1].text if position[r[0].start] else "" for r in runs]
    match = [negated(t) == asks_negated for t in lead]
    best = max(range(len(runs)), key=lambda i: (match[i], sum(s.start in chosen for s in runs[i])), default=0)
    decided = bool(runs) and (len(set(match)) > 1 or any(s.start in chosen for s in runs[best]))
    return runs[best] if decided and len(runs[best]) >= 2 else items


def trim(items: list[Candidate]) -> list[Candidate]:
    out: list[Candidate] = []
    total = 0
    for c in items:
        total += len(c.text)
        if out and total > MAX_CHARS:
            break
        out.append(c)
    return out


def list_answer(terms: QuestionTerms, question: str, anchor: Candidate, chosen: list[Candidate],
                cands: list[Candidate], chunks: list[Chunk], hits: list[Hit]) -> list[Candidate]:
    """The list that answers the question, first line and items (empty: answer with the reader's chosen sentences).
    ``anchor`` is the reader's best sentence, ``chosen`` the sentences it would answer with, ``cands`` all of them."""
    # A list question about what is *not* allowed (「申請できない者」, "which filings are not eligible") is answered by
    # the list a negated sentence announces (「次のいずれかに該当する者は、申請することができません。」), when the
    # reader's best announces the positive one beside it. (A best sentence that is an item is left alone: the items
    # of 「対象とならない経費」 state no negation themselves.)
    # The same holds when the reader chose such an announcement beside a positive best sentence (「対象外となる経費は」
    # → 「次の経費は支援の対象外です。」 and its items, not 「補助の対象となる経費は…」): then only those it chose count.
    if negated(question) and not negated(anchor.text):
        pool = cands if terms.asks_list and announces(anchor.text) else chosen
        for lead in sorted((c for c in pool if negated(c.text) and announces(c.text)), key=lambda c: -c.rank_score):
            following = announced_items(lead, chunks, hits)
            if following:
                return trim([lead, *following])
    # The best sentence hands over to a list (「…は次のとおりです。」): the answer is that list, whatever was asked.
    # So is a list whose announcement the reader chose beside the best sentence, an item of it; and, for a list
    # question, one whose announcement and an item the reader chose both (「主な課題は以下の点…」 and 「・博士人材への
    # …支援不足」 beside a best sentence from the next paragraph).
    chosen_starts = {c.start for c in chosen}
    for lead in [anchor, *(c for c in chosen if c is not anchor)]:
        following = announced_items(lead, chunks, hits)
        starts = {f.start for f in following}
        if following and (lead is anchor or anchor.start in starts or (terms.asks_list and starts & chosen_starts)):
            return trim([lead, *following])
    # The best sentence enumerates within itself: it is the list asked for, and the reader's sentences answer. Unless
    # it is an item of an announced list (手順3 「明細書や規程などの書類を作成」 of 手順1…手順6): then that list is.
    inline = bool(_INLINE.search(unicodedata.normalize("NFKC", anchor.text)))
    own = lead_of(anchor, chunks, hits) if terms.asks_list and inline and is_item(anchor.text) else None
    following = announced_items(own, chunks, hits) if own is not None else []
    if own is not None and any(f.start == anchor.start for f in following):
        return trim([own, *following])
    if terms.asks_list and not inline:
        items = enumerate_items(terms, question, anchor, chunks, hits, chosen)
        if len(items) >= 2 and not _drops_the_fact(terms, anchor, items):
            return trim(items)
    return []


def _drops_the_fact(terms: QuestionTerms, anchor: Candidate, items: list[Candidate]) -> bool:
    """Whether the enumeration would replace a best sentence that states the fact asked for (「…それぞれ何件」 →
    「地域団体商標は11件、GIは4件です。」) with items most of which state none: the list is then the wrong one."""
    if not terms.types or not states_type(anchor.text, terms.types):
        return False
    return 2 * sum(states_type(i.text, terms.types) for i in items) < len(items)
