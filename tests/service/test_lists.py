"""Announced lists in a document the reader was not trained on: a remark between the announcement and its items, an
announcement in any wording that list items follow, numbered steps, and an item answered together with its list."""

from __future__ import annotations

import pytest

from core.contracts import Chunk, Hit
from retriever.terms import TermStats
from service import lists
from service.answer import AnswerService
from service.question import Evidence, QuestionTerms, asks_for_list
from service.reader import Candidate
from service.schemas import AskRequest
from tests.service.test_any_document import _service

REPORT = """# 地域ものづくり企業の技術情報管理 調査報告

## 1. 調査の概要

調査票は全24問で構成し、次の4つの領域について尋ねた。回答に要する時間は平均約15分であった。

- 図面とノウハウの管理方法
- 取引先との秘密保持契約
- 従業員への教育の状況
- 外部への相談の経験

## 2. 相談窓口の利用

技術情報相談窓口の利用の流れは次のとおりである。

1. 電話で相談日時を予約する。
2. 相談日の2営業日前までに、相談票をメールで送る。
3. 相談当日は、担当の専門家が45分を目安に助言する。

## 3. 起業支援

本センターは、地域の技術を生かして起業する方を支援しています。

### 3.1 認定要件

- 市内に事業所を置くこと
- 事業計画書の審査で承認を受けること

### 3.2 支援内容

- 試作費の助成(上限200万円)
- 共同オフィスへの入居
- 専門家による無料相談

### 3.3 報告義務

認定企業は、毎年6月に事業報告書を提出してください。

## 4. 申請資格

申請できる者は、次の要件をすべて満たす者です。

- 市内に事業所を置いていること
- 市税を滞納していないこと

次のいずれかに該当する場合は、対象外となります。

- 暴力団員または暴力団と密接な関係を有する者
- 過去3年以内に市の補助金を不正に受給した者

## 5. 報告

事業が終わったときは、30日以内に完了報告書を提出してください。完了報告書には、次の書類を添付してください。

- 支払を証明する書類の写し
- 成果物の写真
- 作業日誌の写し
"""


def _over(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> AnswerService:
    """An answer service over one Markdown document written here."""
    tmp = tmp_path_factory.mktemp(name)
    doc = tmp / f"{name}.md"
    doc.write_text(text, encoding="utf-8")
    return _service(tmp, [doc])


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> AnswerService:
    return _over(tmp_path_factory, "report", REPORT)


@pytest.mark.parametrize(
    ("question", "items"),
    [
        ("調査票ではどのような領域について質問しましたか？", ["図面とノウハウ", "秘密保持契約", "教育の状況", "相談の経験"]),
        ("完了報告書に添付する書類は何ですか？", ["支払を証明する書類", "成果物の写真", "作業日誌"]),
        ("相談窓口を利用するときの流れを順番に教えてください。", ["予約する", "相談票をメール", "45分"]),
    ],
)
def test_announced_list_is_answered_whole(report: AnswerService, question: str, items: list[str]) -> None:
    a = report.ask(AskRequest(question=question))
    assert not a.abstained, a.notes
    lines = a.answer.splitlines()
    # One item a line, each cited.
    for item in items:
        assert sum(item in line and "[1]" in line for line in lines) == 1, (item, a.answer)
    assert len(lines) >= len(items)


def test_english_question_gets_the_japanese_list(report: AnswerService) -> None:
    a = report.ask(AskRequest(question="Which documents must be attached to the completion report?"))
    assert not a.abstained, a.notes
    for item in ["支払を証明する書類", "成果物の写真", "作業日誌"]:
        assert any(item in line and line.startswith("- 「") for line in a.answer.splitlines()), a.answer


@pytest.mark.parametrize("question", ["起業する人向けの支援ってどんなのがある？全部知りたい",
                                      "What kinds of support are offered to people starting a company?"])
def test_the_one_sub_section_the_question_names_is_the_list(report: AnswerService, question: str) -> None:
    # "3.2 支援内容" is the only sub-section whose heading names the ask, and it is a list: its items are the answer,
    # not one sentence from each sibling sub-section.
    a = report.ask(AskRequest(question=question))
    assert not a.abstained, a.notes
    for item in ["試作費の助成", "共同オフィス", "無料相談"]:
        assert item in a.answer, a.answer
    assert "事業計画書" not in a.answer and "事業報告書" not in a.answer, a.answer


@pytest.mark.parametrize(("question", "is_list"), [
    ("相談の流れを順番に", True),
    ("申請の手順は？", True),
    ("How do I apply, step by step?", True),
    ("List the steps in order", True),
    ("主な施策は？", True),
    ("What is the minimum score an application needs in order to be selected?", False),
    ("IPASの締切はいつ", False),
    ("Who can apply for the grant?", True),  # eligibility is enumerated
    ("この制度は誰が使えるの？", True),
    ("出願できないのは誰ですか？", True),  # the ones who cannot, enumerated
    ("使えるのはどんな人？", True),
    ("Who runs IPAS?", False),
    # A plural asked for is several things; a share or a count of a plural is one figure.
    ("Which expenses are excluded from the subsidy?", True),
    ("What support programs does the institute offer?", True),
    ("Which kinds of filings are not eligible?", True),
    ("Break down the respondents by number of employees.", True),
    ("What percentage of firms were affected?", False),
    ("How many firms were affected?", False),
    ("What process does the JPO use?", False),
    ("What is the status of the plan?", False),
    # 「まとめて」 asks for a summary; 「取りまとめて」 is the verb "compile", not a request.
    ("支援策をまとめて教えて", True),
    ("この方針を取りまとめたのはどの会議ですか？", False),
    # A number counts the things asked for after a determiner; "for 3 yrs" or "in 30 days" is a length of time.
    ("What three things have become more important?", True),
    ("Name the 4 basic recognitions", True),
    ("wat happens if we dont use the trademark for like 3 yrs", False),
    ("I'm presenting at a conference in 30 days. What should I do?", False),
])
def test_list_questions_include_procedures(question: str, is_list: bool) -> None:
    assert asks_for_list(question) is is_list


def test_a_procedure_asked_in_order_is_answered_from_its_first_step(report: AnswerService) -> None:
    a = report.ask(AskRequest(question="相談窓口の利用の流れを順番に"))
    lines = a.answer.splitlines()
    assert lines[0].startswith("1. 電話で相談日時を予約する。") or "1. 電話で相談日時を予約する。[1]" in lines, a.answer
    assert any(line.startswith("3. 相談当日は") for line in lines), a.answer


def test_a_list_is_never_the_whole_document(report: AnswerService) -> None:
    # The untitled opening has no section; a list question anchored there enumerates the best passage's section, not
    # every list item of the document.
    terms = QuestionTerms("Who can apply?", report.engine.current.retriever.term_stats)
    assert lists._section_for(terms, [[], ["2. 相談窓口の利用"], ["1. 調査の概要"]]) == ["2. 相談窓口の利用"]


@pytest.mark.parametrize("question", ["申請できない者をすべて挙げてください。", "Who is not allowed to apply? List them all."])
def test_a_list_question_about_what_is_not_allowed_gets_the_negated_list(report: AnswerService, question: str) -> None:
    a = report.ask(AskRequest(question=question))
    assert not a.abstained, a.notes
    assert "暴力団" in a.answer and "不正に受給" in a.answer, a.answer
    assert "滞納" not in a.answer, a.answer


def test_numbered_steps_keep_their_numbers(report: AnswerService) -> None:
    a = report.ask(AskRequest(question="相談窓口を利用するときの流れを順番に教えてください。"))
    assert "1. 電話で相談日時を予約する。[1]" in a.answer.splitlines()
    assert not any(line.startswith("・1.") for line in a.answer.splitlines())



COSTS = """# 地域ブランド出願支援の案内

## 1. 補助金

### 1.1 補助の対象となる経費

補助の対象となる経費は、弁理士への依頼費用、特許庁への出願料、登録料です。補助率は対象経費の2分の1です。

### 1.2 補助の対象外となる経費

次の経費は支援の対象外です。

- 商標登録の更新にかかる費用
- 団体の職員の人件費
- 消費税

## 2. 出願できる者

次の団体は出願できます。

- 事業協同組合
- 商工会

次の者は出願できません。

- 個人は出願できません。個人の生産者は、所属する組合を通じて制度を利用してください。
- 株式会社などの会社は出願人になれません。
- 地方公共団体は出願人になれません。
"""


@pytest.fixture(scope="module")
def costs(tmp_path_factory: pytest.TempPathFactory) -> AnswerService:
    return _over(tmp_path_factory, "costs", COSTS)


def test_an_item_of_two_sentences_does_not_end_its_list(costs: AnswerService) -> None:
    a = costs.ask(AskRequest(question="出願できないのは誰ですか？"))
    assert not a.abstained, a.notes
    for item in ["個人は出願できません", "株式会社などの会社", "地方公共団体"]:
        assert item in a.answer, a.answer


def test_what_is_excluded_gets_the_negated_list_the_reader_chose(costs: AnswerService) -> None:
    a = costs.ask(AskRequest(question="補助の対象外となる経費は何ですか？"))
    assert not a.abstained, a.notes
    for item in ["更新にかかる費用", "人件費", "消費税"]:
        assert item in a.answer, a.answer


def test_a_positive_list_question_is_not_answered_by_the_excluded_section(costs: AnswerService) -> None:
    a = costs.ask(AskRequest(question="補助の対象になる経費を全部挙げてください。"))
    assert not a.abstained, a.notes
    assert "弁理士への依頼費用" in a.answer and "更新にかかる費用" not in a.answer, a.answer


# --- the list rules on their own, over passages written here (the answers above also depend on the reader's ranking)
def _chunk(cid: str, path: list[str], text: str, start: int) -> Chunk:
    return Chunk(chunk_id=cid, doc_id="d", doc_title="案内", section_path=path, text=text, start=start,
                 end=start + len(text))


def _cand(chunk: Chunk, sentence: str) -> Candidate:
    i = chunk.text.index(sentence)
    hit = Hit(rank=1, score=1.0, chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, section_path=chunk.section_path,
              text=chunk.text, start=chunk.start, end=chunk.end)
    return Candidate(hit, chunk.start + i, chunk.start + i + len(sentence), sentence, None)


def test_announced_items_read_past_an_items_own_second_sentence() -> None:
    c = _chunk("c", ["2. 出願できる者"], "次の者は出願できません。\n- 個人は出願できません。個人の生産者は組合を通じて利用して"
               "ください。\n- 会社は出願人になれません。\n- 地方公共団体は出願人になれません。", 0)
    items = lists.announced_items(_cand(c, "次の者は出願できません。"), [c], [])
    assert [i.text for i in items] == ["- 個人は出願できません。", "- 会社は出願人になれません。",
                                       "- 地方公共団体は出願人になれません。"]


def test_a_negated_announcement_the_reader_chose_answers_what_is_excluded() -> None:
    positive = _chunk("p", ["1.1 補助の対象となる経費"], "補助の対象となる経費は、依頼費用と出願料です。", 0)
    negative = _chunk("n", ["1.2 補助の対象外となる経費"], "次の経費は支援の対象外です。\n- 更新の費用\n- 職員の人件費", 30)
    best, lead = _cand(positive, positive.text), _cand(negative, "次の経費は支援の対象外です。")
    question = "補助の対象外となる経費は何ですか？"
    terms = QuestionTerms(question, TermStats([["補助", "対象", "経費"], ["経費", "費用"]], []))
    answer = lists.list_answer(terms, question, best, [best, lead], [best, lead], [positive, negative], [])
    assert [c.text for c in answer] == ["次の経費は支援の対象外です。", "- 更新の費用", "- 職員の人件費"]


def test_a_positive_list_question_does_not_take_a_negated_heading() -> None:
    stats = TermStats([["補助金", "対象", "経費", "成る"], ["補助", "対象外", "経費"]], [])
    paths = [["4. 費用と県の支援", "4.3 補助の対象外となる経費"], ["4. 費用と県の支援", "4.2 地域ブランド出願支援補助金"]]
    # 「経費」「なる」 name the excluded costs' heading best, but a positive question does not ask for them.
    terms = QuestionTerms("補助金の対象になる経費を全部挙げてください。", stats)
    assert lists._section_for(terms, paths) == ["4. 費用と県の支援", "4.2 地域ブランド出願支援補助金"]
    excluded = QuestionTerms("補助の対象外となる経費を全部挙げてください。", stats)
    assert lists._section_for(excluded, paths) == ["4. 費用と県の支援", "4.3 補助の対象外となる経費"]


def test_a_question_about_what_is_excluded_prefers_the_negated_heading() -> None:
    # The payment section shares the question's rarest word (助成金); the excluded costs' heading names only 経費.
    common = ["対象", "経費", "成る"]
    stats = TermStats([["助成金", "支払"], common, [*common, "費用"], common, common, common], [])
    paths = [["11. 助成金の支払"], ["4. 助成対象経費", "4.1 対象とならない経費"]]
    terms = QuestionTerms("助成金の対象にならない経費は？", stats)
    assert terms.coverage(Evidence.of(["11. 助成金の支払"])) > terms.coverage(Evidence.of(["4.1 対象とならない経費"]))
    assert lists._section_for(terms, paths) == ["4. 助成対象経費", "4.1 対象とならない経費"]
    positive = QuestionTerms("助成金の支払の流れをすべて挙げてください。", stats)
    assert lists._section_for(positive, paths) == ["11. 助成金の支払"]


def test_a_best_sentence_that_enumerates_within_itself_is_the_answer() -> None:
    # 「偽情報、知的財産権、プライバシー…等」 is the list asked for; gathering the section's sentences instead would
    # answer with the sentences around it.
    text = ("生成AIが急速に発展し、偽情報、知的財産権、プライバシー、個人情報保護等に関する懸念やリスクが顕在化している。"
            "政府は検討会を開催した。検討会は考え方を整理した。")
    c = _chunk("c", ["○AIと知的財産権"], text, 0)
    best = _cand(c, text[: text.index("。") + 1])
    question = "What concerns has the rapid growth of generative AI raised?"
    terms = QuestionTerms(question, TermStats([["生成", "懸念", "検討"]], [["concern"]]))
    assert terms.asks_list
    assert lists.list_answer(terms, question, best, [best], [best], [c], []) == []
    # A sentence whose commas close clauses (「政府は、」) does not enumerate: the section's statements answer.
    plain = _chunk("p", ["○AIと知的財産権"],
                   "また、政府は、大学と連携する。政府は検討会を開催した。検討会は考え方を整理した。", 0)
    lead = _cand(plain, "また、政府は、大学と連携する。")
    assert lists.list_answer(terms, question, lead, [lead], [lead], [plain], [])


def test_a_markdown_tables_rule_row_neither_ends_nor_joins_its_rows() -> None:
    c = _chunk("t", ["3. 漏えいの経路"], "経路別に整理したものが次の表である。\n| 経路 | 件数 |\n|---|---|\n"
               "| 退職者による持ち出し | 98件 |\n| サイバー攻撃 | 35件 |", 0)
    items = lists.announced_items(_cand(c, "経路別に整理したものが次の表である。"), [c], [])
    assert [i.text for i in items] == ["| 経路 | 件数 |", "| 退職者による持ち出し | 98件 |", "| サイバー攻撃 | 35件 |"]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("What are the four pillars?", 4),
        ("What are the 3 main measures?", 3),
        ("課題は次の五つである。", 5),
        # A bare figure counts nothing: a phone number or a year in the best sentence announces no list.
        ("お問い合わせは調査部(電話:03-5555-0180)まで。", None),
        ("In 2025 the desk opened.", None),
    ],
)
def test_a_stated_count_is_a_number_of_things(text: str, count: int | None) -> None:
    assert lists.stated_count(text) == count


def test_a_section_that_opens_by_counting_its_ordinals_is_the_list() -> None:
    opening = "調査から、次の三つの問題点が見えてきた。"
    c = _chunk("c", ["5. 問題点"], opening + "第一に、担当者がいない。第二に、予算が足りない。第三に、規程が古い。", 0)
    elsewhere = _chunk("e", ["8. 連絡先"], "この文書への問い合わせは総務課(電話:03-1234-5678)で受け付ける。", 200)
    # The reader's best sentence sits elsewhere and counts nothing; the section the question names counts three.
    best = _cand(elsewhere, elsewhere.text)
    question = "問題点をすべて挙げてください。"
    terms = QuestionTerms(question, TermStats([["問題点", "担当者", "予算"], ["問い合わせ", "総務課"]], []))
    hits = [Hit(rank=1, score=1.0, chunk_id="c", doc_id="d", section_path=c.section_path, text=c.text, start=0,
                end=c.end)]
    items = lists.enumerate_items(terms, question, best, [c, elsewhere], hits)
    assert [i.text for i in items] == ["第一に、担当者がいない。", "第二に、予算が足りない。", "第三に、規程が古い。"]


def test_a_list_does_not_replace_a_best_sentence_that_states_the_asked_fact() -> None:
    # 「それぞれ」 makes it a list question, but the best sentence already states both counts; the section the
    # enumeration would come from states none.
    intro = _chunk("i", ["はじめに"], "現在、市内の登録商標は12件、登録意匠は5件です。", 0)
    case = _chunk("c", ["6. 登録の事例"], "商工会は2019年に登録を受けた。組合は模倣品に対応した。組合は販路を広げた。", 100)
    best = _cand(intro, intro.text)
    question = "市内の登録商標と登録意匠はそれぞれ何件ですか？"
    terms = QuestionTerms(question, TermStats([["登録", "商標", "意匠"], ["事例", "商工会", "組合"]], []))
    assert terms.asks_list and terms.types == {"count:cases"}
    hits = [Hit(rank=1, score=1.0, chunk_id="c", doc_id="d", section_path=case.section_path, text=case.text,
                start=case.start, end=case.end)]
    assert lists.list_answer(terms, question, best, [best], [best], [intro, case], hits) == []


def test_a_best_sentence_listing_with_ya_and_nado_is_the_answer() -> None:
    # 「AやBなど」 is an enumeration as much as 「A、B、C等」 is.
    text = "和菓子や日本茶などが海外で人気を集め、輸出額が過去最高となった。政府は展示会を開いた。展示会は好評だった。"
    c = _chunk("c", ["2 現状"], text, 0)
    best = _cand(c, text[: text.index("。") + 1])
    question = "Which kinds of Japanese food are popular overseas?"
    terms = QuestionTerms(question, TermStats([["和菓子", "人気", "海外"]], [["popular"]]))
    assert terms.asks_list
    assert lists.list_answer(terms, question, best, [best], [best], [c], []) == []


def test_a_list_question_takes_the_list_whose_announcement_and_item_the_reader_chose() -> None:
    # The best sentence is the next paragraph's; the reader also chose the announcement and one of its items.
    listing = _chunk("l", ["○人材育成"], "主な課題は以下の点です。\n- キャリア支援の不足\n- 企業とのマッチングの難しさ", 0)
    after = _chunk("a", ["○人材育成"], "今後は、産業界とも連携し、手引きを作成する。", 60)
    best, lead = _cand(after, after.text), _cand(listing, "主な課題は以下の点です。")
    item = _cand(listing, "- キャリア支援の不足")
    question = "博士人材に関する主な課題を挙げてください。"
    terms = QuestionTerms(question, TermStats([["博士", "人材", "課題"], ["産業", "手引き"]], []))
    answer = lists.list_answer(terms, question, best, [best, lead, item], [best, lead, item], [listing, after], [])
    assert [c.text for c in answer] == ["主な課題は以下の点です。", "- キャリア支援の不足", "- 企業とのマッチングの難しさ"]
    # Not for a question that asks no list: the best sentence answers it.
    plain = "今後は何をするのですか？"
    plain_terms = QuestionTerms(plain, TermStats([["今後"], ["産業", "手引き"]], []))
    assert lists.list_answer(plain_terms, plain, best, [best, lead, item], [best, lead, item], [listing, after], []) == []


def test_of_two_lists_in_a_section_the_one_the_reader_chose_from() -> None:
    # One article of a rule book holds two lists: who counts as an employee and, after a paragraph, who does not. The
    # reader chose two of the first list's items (and its best, one of the second's).
    text = ("第3条 「従業者等」とは、次の各号のいずれかに該当する者をいう。\n(1)正社員:期間の定めのない者。\n"
            "(2)契約社員:期間の定めのある者。\n(3)役員:取締役。\n2 次の各号に掲げる者は、従業者等に含まれない。\n"
            "(1)派遣社員:派遣されている者。\n(2)学生等:一時的に受け入れている者。\n")
    c = _chunk("c", ["第1章 総則"], text, 0)
    best, *chosen = (_cand(c, s) for s in ("(1)派遣社員:派遣されている者。", "(1)正社員:期間の定めのない者。",
                                           "(2)契約社員:期間の定めのある者。"))
    question = "Who counts as an employee under these rules?"
    terms = QuestionTerms(question, TermStats([["従業者", "正社員"], ["派遣社員"]], []))
    hits = [best.hit]
    items = lists.enumerate_items(terms, question, best, [c], hits, [best, *chosen])
    assert [i.text.split(":")[0] for i in items] == ["(1)正社員", "(2)契約社員", "(3)役員"]
    # The reader chose no item: the list whose lead is negated as the question is (here: not), not all five items.
    assert [i.text.split(":")[0] for i in lists.enumerate_items(terms, question, best, [c], hits)] == [
        "(1)正社員", "(2)契約社員", "(3)役員"]


def test_of_two_lists_the_one_negated_as_the_question_is_before_the_one_the_reader_chose_from() -> None:
    # The reader chose only from the list of those 「含まれない」, but the question asks who *is* an employee; and the
    # other way round for a question about who is not.
    text = ("第3条 「従業者等」とは、次の各号のいずれかに該当する者をいう。\n(1)正社員:期間の定めのない者。\n"
            "(2)契約社員:期間の定めのある者。\n2 次の各号に掲げる者は、従業者等に含まれない。\n"
            "(1)派遣社員:派遣されている者。\n(2)学生等:一時的に受け入れている者。\n")
    c = _chunk("c", ["第1章 総則"], text, 0)
    best, other = (_cand(c, s) for s in ("(1)派遣社員:派遣されている者。", "(2)学生等:一時的に受け入れている者。"))
    terms = QuestionTerms("employee", TermStats([["従業者", "正社員"], ["派遣社員"]], []))
    positive = "Who is eligible under these rules as an employee?"
    items = lists.enumerate_items(terms, positive, best, [c], [best.hit], [best, other])
    assert [i.text.split(":")[0] for i in items] == ["(1)正社員", "(2)契約社員"]
    negative = "Who is not counted as an employee?"
    first, second = (_cand(c, s) for s in ("(1)正社員:期間の定めのない者。", "(2)契約社員:期間の定めのある者。"))
    items = lists.enumerate_items(terms, negative, first, [c], [first.hit], [first, second])
    assert [i.text.split(":")[0] for i in items] == ["(1)派遣社員", "(2)学生等"]


def test_the_sub_section_the_question_names_is_the_list_when_it_opens_by_announcing_one() -> None:
    # 「必要な書類」 names "3-2. 提出書類" alone among the sub-sections of "3. 申請の流れと提出書類", but the retriever
    # ranks 3-1 first; 3-2 opens by announcing its items, so they are the list, not the first sentence of each sibling.
    flow = _chunk("f", ["3. 申請の流れと提出書類", "3-1. 手続きの流れ"], "事前相談から登録までの流れは次のとおりです。"
                  "本会は申請を代行することはできません。", 0)
    docs = _chunk("s", ["3. 申請の流れと提出書類", "3-2. 提出書類"], "申請に当たっては、次の書類が必要です。\n・登録申請書"
                  "\n・明細書\n・構成員名簿", 60)
    question = "申請に必要な書類を全部教えて"
    terms = QuestionTerms(question, TermStats([["申請", "流れ", "提出", "書類"], ["申請", "書類", "必要"], ["登録"]], []))
    hits = [Hit(rank=i + 1, score=1.0, chunk_id=c.chunk_id, doc_id="d", section_path=c.section_path, text=c.text,
                start=c.start, end=c.end) for i, c in enumerate((flow, docs))]
    best = _cand(flow, "本会は申請を代行することはできません。")
    items = lists.enumerate_items(terms, question, best, [flow, docs], hits)
    assert [i.text for i in items] == ["・登録申請書", "・明細書", "・構成員名簿"]


def test_a_list_question_whose_best_sentence_is_an_item_gets_the_whole_announced_list() -> None:
    # The reader's best is step 3, which itself lists inline (「明細書や規程などの書類」); the question asks for the
    # procedure, so the answer is the list step 3 belongs to, from its announcement on, not steps 1–3 the reader chose.
    steps = ["・手順1 事前相談:窓口に相談します。", "・手順2 支援申込み:申込書を提出します。",
             "・手順3 書類の作成:明細書や規程などの書類を作成します。", "・手順4 内部審査:本会が確認します。"]
    text = "申請の流れは次のとおりです。標準処理期間は12か月です。\n" + "\n".join(steps) + "\n※手順4以降は省の手続きです。"
    c = _chunk("c", ["3-1. 手続きの流れ"], text, 0)
    best = _cand(c, steps[2])
    question = "申請の手順を順番に教えて"
    terms = QuestionTerms(question, TermStats([["申請", "流れ", "手順"], ["書類", "明細書"]], []))
    answer = lists.list_answer(terms, question, best, [best], [best], [c], [])
    assert [a.text for a in answer] == ["申請の流れは次のとおりです。", *steps]
    # A question that asks for one fact is answered by the reader's sentence, not by its list.
    fact = QuestionTerms("手順3では何を作成しますか", TermStats([["申請", "流れ", "手順"], ["書類", "明細書"]], []))
    assert lists.list_answer(fact, "手順3では何を作成しますか", best, [best], [best], [c], []) == []
