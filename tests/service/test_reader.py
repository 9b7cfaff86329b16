"""The reader: candidate sentences, question terms, the shipped model, and the issue's examples on the bundled plan."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.contracts import Hit
from retriever.terms import TermStats
from retriever.tokenize import english_tokens
from service.announced import announces
from service.answer import AnswerService, abstain_text
from service.answer_types import kind_name
from service.question import (
    QuestionTerms,
    asked_part,
    focus_terms,
    ja_set,
    question_names,
)
from service.quote import asks_as_much, select
from service.reader import POOL_FEATURES, READER_FEATURES, candidates, pool_features
from service.reader_model import DEFAULT_MODEL, Interaction, ReaderModel
from service.schemas import AskRequest, ChatTurn

TITLE = "—イノベーションを創出・促進する知財エコシステムの再構築と「新たなクールジャパン戦略」の推進に向けて—"
BYLINE = "内閣府 知的財産戦略推進事務局 参事官"
SENTENCE = "特許庁はIPASの利便性の向上を通して、スタートアップ等への知財支援を推進する。"


def test_titles_and_bylines_are_context_never_candidates() -> None:
    text = f"{TITLE}\n\n{BYLINE}\n\n{SENTENCE}"
    hit = Hit(rank=1, score=1.0, chunk_id="c", doc_id="d", section_path=[], text=text, start=100, end=100 + len(text))
    cands = candidates([hit], {})
    assert [c.text for c in cands] == [SENTENCE]
    assert text[cands[0].start - 100 : cands[0].end - 100] == SENTENCE
    assert cands[0].prev == BYLINE  # the neighbour still gives context


def test_an_faq_answer_is_the_candidate_and_its_question_its_context() -> None:
    question, answer = "Q. 特別展の作品を撮影することはできますか。", "A. いいえ、特別展の作品は撮影できません。"
    text = f"{question}\n{answer}\n{SENTENCE}"
    hit = Hit(rank=1, score=1.0, chunk_id="c", doc_id="d", section_path=["7 よくある質問"], text=text, start=0,
              end=len(text))
    cands = candidates([hit], {})
    assert [c.text for c in cands] == [answer, SENTENCE]  # a question written with a full stop states nothing
    assert cands[0].prev == question


def asking(question: str, *texts: str) -> QuestionTerms:
    """The terms of ``question``, weighted by an index of the passages ``texts``."""
    return QuestionTerms(question, TermStats([sorted(ja_set(t)) for t in texts], []))


def test_a_bare_reply_is_quoted_with_the_sentence_after_it() -> None:
    text = "A. いいえ、できません。申請できるのは生産者団体に限られます。単独の方は団体の設立をご検討ください。"
    hits = [Hit(rank=1, score=1.0, chunk_id="c", doc_id="d", section_path=["7. よくある質問"], text=text, start=0,
                end=len(text)), Hit(rank=2, score=1.0, chunk_id="o", doc_id="d", section_path=[], text="別の文。",
                                    start=100, end=104)]
    cands = candidates(hits, {})
    for c, score in zip(cands, (5.0, 1.0, 0.5, 4.9), strict=True):
        c.rank_score = score
    model = replace(ReaderModel.load(), extra_ratio=0.5, max_sentences=1)
    terms = asking("個人でも申請できますか", text)
    assert [c.text for c in select(model, cands, terms)] == ["A. いいえ、できません。", "申請できるのは生産者団体に限られます。"]


def test_the_best_sentence_inside_an_faq_reply_is_quoted_from_the_replys_opening() -> None:
    reply = ["A. はい、同一の案件につき3回まで無料です。", "4回目以降は1回につき5,500円の相談料をいただきます。",
             "相談員は弁理士が務めます。"]
    text = "Q. 知財相談は無料ですか。" + "".join(reply) + "Q. 郵送で申請できますか。A. いいえ、できません。"
    hit = Hit(rank=1, score=1.0, chunk_id="c", doc_id="d", section_path=["7. よくある質問"], text=text, start=0,
              end=len(text))
    cands = candidates([hit], {})
    assert [c.text for c in cands] == [*reply, "A. いいえ、できません。"]
    model = replace(ReaderModel.load(), extra_ratio=0.5, max_sentences=1)
    terms = asking("相談は何回まで無料ですか", text)
    for best in (1, 2):
        for i, c in enumerate(cands):
            c.rank_score = 5.0 if i == best else 0.0
        assert [c.text for c in select(model, cands, terms)] == reply[: best + 1]
    # The FAQ asks another question than the user's: its 「はい」 is no answer to 「弁理士に相談員を頼めますか」.
    assert [c.text for c in select(model, cands, asking("弁理士に相談員を頼めますか", text))] == reply[2:3]
    # Nor does another FAQ's reply come along as a close second: 「A. いいえ、できません。」 answers 「郵送で申請できますか」.
    model = replace(model, max_sentences=2)
    for i, c in enumerate(cands):
        c.rank_score = {1: 5.0, 3: 4.9}.get(i, 0.0)
    assert [c.text for c in select(model, cands, terms)] == reply[:2]
    assert [c.text for c in select(model, cands, asking("郵送で申請できますか", text))][-1] == "A. いいえ、できません。"
    # Prose is not a reply: 「A.」 right after a statement, not a question, opens nothing.
    prose = "本文です。A. 書類審査を行います。B. 面接審査を行います。"
    hit = Hit(rank=1, score=1.0, chunk_id="p", doc_id="d", section_path=[], text=prose, start=0, end=len(prose))
    cands = candidates([hit], {})
    for c, score in zip(cands, (0.0, 0.0, 5.0), strict=True):
        c.rank_score = score
    assert [c.text for c in select(model, cands, asking("審査の方法は", prose))] == ["B. 面接審査を行います。"]


def test_the_best_sentences_passage_leads_the_answer() -> None:
    contact = ["ご相談は、下記の知財支援センターまでお問い合わせください。", "電話:0123-45-6780"]
    faq = ["A. はい、同一の案件につき3回まで無料です。", "4回目以降は有料です。"]
    hits = [Hit(rank=r, score=1.0, chunk_id=f"c{r}", doc_id="d", section_path=[], text="".join(t), start=100 * r,
                end=100 * r + len("".join(t))) for r, t in ((1, contact), (2, faq))]
    cands = candidates(hits, {})
    for c, score in zip(cands, (6.9, 0.0, 7.4, 7.0), strict=True):
        c.rank_score = score
    model = replace(ReaderModel.load(), extra_ratio=0.35, max_sentences=3)
    # The contact sentence comes close and its passage ranks higher, yet the reply that answers is read first; each
    # passage stays in reading order.
    chosen = [c.text for c in select(model, cands, asking("知財相談は無料ですか", *contact, *faq))]
    assert chosen == [*faq, contact[0]]


def test_an_faq_question_is_the_users_only_word_for_word() -> None:
    faq, best = "Q. 個人でも申請できますか。", "本会の支援を受けるには構成員が5名以上必要です。"
    passages = (faq, best, "支援の内容", "支援の流れ")
    # 人 of 「4人」 is written inside 個人, a rare word here, yet 個人 is not what the user asks about.
    assert not asks_as_much(asking("うちの部会は4人だけど支援を受けられる？", *passages), faq, best)
    assert asks_as_much(asking("個人でも申請できる？", *passages), faq, best)


def test_a_request_for_a_list_names_nothing_the_passages_must_mention() -> None:
    # "list" would meet 一覧 through the lexicon and send the enumeration to a 「支援メニュー一覧」 section.
    for question in ("Please list the steps from applying to an adviser visit.", "What will be analyzed? List them."):
        assert "list" not in asking(question, "本文").en
    assert {"list", "step"} <= asking("What steps put me on the waiting list?", "本文").en


def test_a_statement_between_two_chosen_sentences_of_one_passage_completes_the_quote() -> None:
    rules = ["(1)承継しない発明には支払わない。", "(2)取り下げた出願には支払わない。", "(3)社外の共同発明者には支払わない。"]
    other = "別の文書の文。"
    hits = [Hit(rank=r, score=1.0, chunk_id=f"c{r}", doc_id="d", section_path=[], text=t, start=0, end=len(t))
            for r, t in ((1, "".join(rules)), (2, other))]
    cands = candidates(hits, {})
    for c, score in zip(cands, (5.0, -5.0, 4.5, 4.0), strict=True):
        c.rank_score = score
    model = replace(ReaderModel.load(), extra_ratio=0.5, max_sentences=2)
    terms = asking("支払わない場合は", *rules, other)
    assert [c.text for c in select(model, cands, terms)] == rules  # (2) joins the chosen (1) and (3)
    cands[3].rank_score = 4.9  # now (1) and the other passage's sentence are chosen: nothing lies between them
    assert [c.text for c in select(model, cands, terms)] == [rules[0], other]


@pytest.mark.parametrize(("question", "focus"), [
    ("意見提出の締切はいつですか？", {"締め切り", "提出"}),
    ("知財支援人材向け研修の受講料はいくらですか？", {"研修", "受講料"}),
    ("海賊版対策にどれくらいの予算がついていますか？", {"予算"}),
    ("その支援は誰が実施していますか？", {"支援"}),
    ("IPAS 申し込み 期限", {"申し込み", "期限"}),
    ("What is the application fee for IPAS?", {"application", "fee"}),
    ("How many patent examiners does the JPO employ?", {"patent", "examiners"}),
])
def test_focus_terms_are_what_the_question_asks_the_value_of(question: str, focus: set[str]) -> None:
    assert focus_terms(question) == focus


def test_names() -> None:
    assert question_names("韓国の特許法では?") == {"韓国"}
    assert "ipas" in question_names("IPASとは何ですか")
    assert "2023" in question_names("知的財産推進計画2023の重点施策は")


@pytest.mark.parametrize(("question", "asked"), [
    ("社員12人のスタートアップを経営しています。提言のうち、まずどれから取り組めばよいですか？",
     "提言のうち、まずどれから取り組めばよいですか？"),
    ("I run a 15-person startup. How many free consultations can we get a year?",
     "How many free consultations can we get a year?"),
    ("How many of the 39 companies won their cases?", "How many of the 39 companies won their cases?"),
    ("IPASの締切", "IPASの締切"),
])
def test_the_askers_situation_is_not_what_is_asked(question: str, asked: str) -> None:
    assert asked_part(question) == asked


def test_figures_of_the_askers_situation_need_not_be_in_the_passages(service: AnswerService) -> None:
    stats = service.engine.current.retriever.term_stats
    terms = QuestionTerms("I run a 15-person startup in Osaka. How many free consultations can we get?", stats)
    assert not terms.figures and "osaka" not in terms.names
    assert {str(n) for n in QuestionTerms("How many of the 39 companies won?", stats).figures} == {"39"}
    # A condition the asker sets is their case too; a figure that picks out what is asked about is not.
    for question in ("グッズを5000個作る場合の料金は？", "If we print 20,000 copies, what is the fee?", "10件出したら補助は？"):
        terms = QuestionTerms(question, stats)
        assert not terms.figures and not any(name[0].isdigit() for name in terms.names)
    assert QuestionTerms("10名で使える個室プランの料金は？", stats).figures == {10}
    assert QuestionTerms("24時間使えるプランは？", stats).figures == {24}


def test_interrogatives_are_not_terms_the_passages_must_mention() -> None:
    """Sudachi tags 幾ら, 誰 and 何人 as nouns; a passage answers them without using them, so a question that asks
    「いくらですか」 about what the passage states is fully matched by it."""
    from service.question import Evidence

    stats = TermStats([["補助", "上限", "額"], ["参加", "定員"]], [])
    q = QuestionTerms("補助金の上限はいくらですか？", stats)
    assert "幾ら" not in q.nouns | q.ja and {"補助金", "上限"} <= q.nouns
    assert q.unmatched(Evidence.of(["補助金の上限は15万円です。"])) == (0.0, 0.0)
    assert "何人" not in QuestionTerms("何人まで参加できますか", stats).nouns
    assert "誰" not in QuestionTerms("誰が申請できますか", stats).ja


def test_a_japanese_term_inside_a_compound_of_the_evidence_is_covered() -> None:
    """Japanese writes no spaces: 「ウェブ」 is in 「ウェブサイト」 as 「料金」 is in 「利用料金」, though Sudachi reads each
    compound as one word; unmatched() already found them in the text, coverage() now does too."""
    from service.question import Evidence

    stats = TermStats([["ウェブサイト", "料金"], ["出版物", "料金"], ["広告"]], [])
    q = QuestionTerms("ウェブに載せる場合の料金は？", stats)
    web = Evidence.of(["ウェブサイトに載せる場合の利用料金は3,300円です。"])
    book = Evidence.of(["出版物に載せる場合は5,500円です。"])
    assert q.coverage(web) == 1.0 > q.coverage(book)
    assert q.unmatched(web) == (0.0, 0.0)


def test_shipped_model_matches_the_code_and_records_its_training() -> None:
    model = ReaderModel.load()
    assert model.sentence.names == READER_FEATURES and model.ranker.names == READER_FEATURES
    assert model.pool.names == POOL_FEATURES
    assert 0.0 < model.threshold < 1.0 and model.version.startswith("reader-")
    info = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))["info"]
    assert info["trained_on"] == "eval/data/train.jsonl" and info["questions"] >= 300
    # The answerability fit was chosen with each training document held out, and records how it was chosen.
    assert info["answerability_fit"]["held_out_document_auc"] > 0.5


def test_interaction_weights_each_dimension_and_say_nothing_for_another_embedder() -> None:
    model = Interaction("e5", np.array([2.0, 0.0, -1.0]), (0.4, -0.3))
    q = np.array([1.0, 1.0, 1.0])
    s = np.array([[0.5, 0.9, 0.0], [0.1, 0.0, 0.2]])
    sem_w, rel = model.features(q, s, "e5")
    assert sem_w.tolist() == pytest.approx([1.0, 0.0])  # the second dimension, weighted 0, adds nothing
    assert rel.tolist() == pytest.approx([0.0, -1.0])
    # Fitted for another embedder's space: the training means, so neither feature moves a score.
    sem_w, rel = model.features(q, s, "minilm")
    assert sem_w.tolist() == [0.4, 0.4] and rel.tolist() == [-0.3, -0.3]
    assert Interaction.from_json(json.loads(json.dumps(model.to_json()))).embedder == "e5"


def test_answerability_reads_the_closest_candidates_and_says_nothing_for_another_embedder() -> None:
    model = Interaction("e5", np.zeros(3), (0.0, 0.0), np.array([1.0, 0.0, -1.0]), 0.5, -0.2)
    q = np.array([1.0, 0.0, 0.0])
    # The four candidates by cosine to q: 0.9, 0.8, 0.7, then 0.1 (left out). Their product vectors' mean is
    # (0.8, 0, 0), scored 0.8 + the bias; the far candidate's large last dimension counts for nothing.
    s = np.array([[0.1, 0.0, 9.0], [0.7, 0.0, 0.0], [0.9, 0.0, 0.0], [0.8, 0.0, 0.0]])
    assert model.answerability(q, s, "e5") == pytest.approx(1.3)
    assert model.answerability(q, s, "minilm") == -0.2  # the training mean: the pool model does not move
    assert model.answerability(q, s[:0], "e5") == -0.2
    again = Interaction.from_json(json.loads(json.dumps(model.to_json())))
    assert again.answerability(q, s, "e5") == pytest.approx(1.3)
    # A model file from before the score carries none, and reads as neutral.
    old = {k: v for k, v in model.to_json().items() if not k.startswith("answer_")}
    assert Interaction.from_json(old).answerability(q, s, "e5") == 0.0


def test_an_english_question_reads_the_translated_sentence_in_english() -> None:
    from service.reader import Candidate, answer_vectors

    hit = Hit(chunk_id="d#1", doc_id="d", doc_title="t", section_path=[], text="本文。", score=1.0, rank=1,
              start=0, end=3)
    table = {"支援する。": [1.0, 0.0], "It supports.": [0.0, 1.0], "未訳。": [0.5, 0.5]}

    class Vectors:
        def get(self, texts: list[str]) -> np.ndarray:
            return np.array([table[t] for t in texts])

    cands = [Candidate(hit, 0, 5, "支援する。", "It supports."), Candidate(hit, 5, 8, "未訳。", None)]
    # Cross-lingual cosines run lower for the same meaning; the score compares like with like where it can.
    assert answer_vectors("en", cands, Vectors()).tolist() == [[0.0, 1.0], [0.5, 0.5]]  # type: ignore[arg-type]
    assert answer_vectors("ja", cands, Vectors()).tolist() == [[1.0, 0.0], [0.5, 0.5]]  # type: ignore[arg-type]


def test_an_english_question_meets_untranslated_sentences_moved_by_the_language_offset() -> None:
    from retriever.offset import OFFSET_PATH, offset_for
    from service.reader import Candidate, featurize

    embedder = next(iter(json.loads(OFFSET_PATH.read_text(encoding="utf-8"))))
    offset = offset_for(embedder)
    assert offset is not None
    rng = np.random.default_rng(0)
    s, q = (v / np.linalg.norm(v) for v in rng.normal(size=(2, offset.delta.shape[0])))
    hit = Hit(chunk_id="d#1", doc_id="d", doc_title="t", section_path=[], text="未訳。", score=1.0, rank=1, start=0, end=3)

    class Vectors:
        def get(self, texts: list[str]) -> np.ndarray:
            return np.array([s for _ in texts], dtype=np.float32)

    def sem(lang: str, emb: str) -> float:
        cand = Candidate(hit, 0, 3, "未訳。", None)
        featurize(lang, q, [cand], Vectors(), asking("What is supported?", "未訳。"), None, emb)  # type: ignore[arg-type]
        return cand.features["sem"]

    # As the retriever's sentence channel does (retriever/offset.py); a Japanese question, or an embedder without an
    # offset, compares the question as it is.
    assert sem("en", embedder) == pytest.approx(float(s @ offset.toward_ja(q)), abs=1e-5)
    assert sem("ja", embedder) == pytest.approx(float(s @ q), abs=1e-5)
    assert sem("en", "another-embedder") == pytest.approx(float(s @ q), abs=1e-5)
    assert abs(float(s @ offset.toward_ja(q)) - float(s @ q)) > 1e-3


def test_another_edition_is_refused_however_likely_the_pool_model_finds_an_answer() -> None:
    from service.reader import decide

    model = ReaderModel.load(DEFAULT_MODEL)
    terms = QuestionTerms("知的財産推進計画2025の重点施策は？", TermStats([["重点", "施策"]], []))
    confident = dict.fromkeys(POOL_FEATURES, 0.0) | {"p_max": 1.0, "p_logit": 1.0, "p_type": 1.0, "evidence": 1.0,
                                                      "ans_w": 10.0}
    assert decide(model, confident, terms).answerable
    decision = decide(model, confident | {"edition_mismatch": 1.0}, terms)
    assert not decision.answerable and decision.prob >= model.threshold
    assert decision.reason == "the question names another edition of the document than the passages found"


def test_the_shipped_interaction_is_for_the_default_embedder_and_reaches_the_features(service: AnswerService) -> None:
    model = ReaderModel.load()
    assert model.interaction is not None
    assert model.interaction.embedder == service.engine.embedder.id
    assert model.interaction.weights.shape == (service.engine.embedder.dim,)
    cands, _ = service.read(service._prepare(AskRequest(question="IPASとは何ですか？"), "extractive"))
    values = {c.features["sem_w"] for c in cands}
    assert len(values) > 1 and max(c.features["sem_w_rel"] for c in cands) == 0.0
    # The answerability score is one per question, and reaches the pool model.
    assert model.interaction.answer_weights is not None
    assert model.interaction.answer_weights.shape == (service.engine.embedder.dim,)
    assert len({c.features["ans_w"] for c in cands}) == 1 and cands[0].features["ans_w"] != 0.0


def test_unusable_model_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "reader.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="train_reader"):
        ReaderModel.load(bad)


def test_refusal_names_the_indexed_documents_generically() -> None:
    ja = abstain_text("ja", [["2 施策"]], ["スタートアップ知財支援ガイド2025"])
    assert "スタートアップ知財支援ガイド2025" in ja and "知的財産推進計画" not in ja
    en = abstain_text("en", [], ["A", "B", "C", "D"])
    assert en.startswith('The indexed documents ("A"; "B"; "C" and others) do not cover')


# --- the examples on the bundled plan ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def service(engine):  # type: ignore[no-untyped-def]
    return AnswerService(engine)


def ask(service: AnswerService, question: str, history: list[ChatTurn] | None = None):  # type: ignore[no-untyped-def]
    return service.ask(AskRequest(question=question, history=history or []))


def test_the_right_sentence_of_the_right_passage(service: AnswerService) -> None:
    a = ask(service, "マンガやアニメの違法コピーサイトによる損失額は…")
    assert not a.abstained and "約2兆円" in a.answer
    b = ask(service, "…海外に売り込む新しい戦略では、何年までにどれくらいの規模を目指していますか")
    assert "50兆円(2033年)" in b.answer


@pytest.mark.parametrize("question", ["生成AIと著作権について計画は何を言っていますか",
                                      "What does the plan say about generative AI and copyright?"])
def test_generative_ai_and_copyright_is_answered(service: AnswerService, question: str) -> None:
    a = ask(service, question)
    assert not a.abstained  # it used to abstain
    assert any("AI" in c.quote and "知的財産権" in c.quote for c in a.citations)


def test_list_question_gets_every_item_each_cited(service: AnswerService) -> None:
    a = ask(service, "What are the four basic recognitions?")
    lines = [line for line in a.answer.splitlines() if line.startswith("- ")]
    assert len(lines) == 4 and all("[" in line for line in lines)
    quotes = " ".join(c.quote for c in a.citations)
    for item in ("経済情勢", "クールジャパン情勢", "国際情勢", "テクノロジー情勢"):
        assert item in quotes


def test_follow_up_answers_its_own_ask(service: AnswerService) -> None:
    first = ask(service, "スタートアップ向けの知財支援は？")
    history = [ChatTurn(role="user", content="スタートアップ向けの知財支援は？"),
               ChatTurn(role="assistant", content=first.answer)]
    a = ask(service, "その支援は誰が実施していますか？", history)
    assert a.rewritten_query and "スタートアップ" in a.rewritten_query
    assert not a.abstained and "特許庁" in a.answer
    # Only what was asked: the one sentence that says who, not the previous answer's other sentences again.
    assert a.answer.count("。") == 1 and len(a.citations) == 1


@pytest.mark.parametrize("question", ["Who is the Prime Minister of Japan?", "東京の明日の天気を教えてください。"])
def test_questions_the_plan_does_not_answer_are_refused(service: AnswerService, question: str) -> None:
    a = ask(service, question)
    assert a.abstained and not a.citations
    assert a.notes and a.notes[-1].startswith("not answered:")


def test_list_of_sub_sections_names_each_one(service: AnswerService) -> None:
    a = ask(service, "知的財産の保護の施策にはどんなものがある？")
    lines = a.answer.splitlines()
    assert len(lines) == 2 and lines[0].startswith("・技術流出の防止: ") and lines[1].startswith("・海賊版・模倣品対策の強化: ")


def test_a_count_in_the_question_pins_the_announced_list(service: AnswerService) -> None:
    a = ask(service, "計画策定の前提になった4つの大きな情勢変化ってなに？")
    assert len(a.answer.splitlines()) == 4 and "テクノロジー情勢" in a.answer


@pytest.mark.parametrize(
    ("sentence", "announcing"),
    [
        ("主な契約形態と標準的な条件は次のとおりです。", True),
        ("必要な書類は以下の通りです。", True),
        ("対象となる経費:", True),
        ("The required documents are as follows.", True),
        ("応募締切は2025年5月30日です。", False),
        ("・次のとおり提出すること:", False),  # an item, not an introduction
        ("完了報告書には、次の書類を添付してください。", True),
        ("調査票は全24問で構成し、次の4つの領域について尋ねた。", True),
    ],
)
def test_sentences_that_hand_over_to_a_list(sentence: str, announcing: bool) -> None:
    assert announces(sentence) is announcing


def test_list_heading_evidence_only_for_list_questions(service: AnswerService) -> None:
    """A list question is backed by a heading that names it; the same words asked as a fact question are not."""
    def feats(question: str) -> dict[str, float]:
        ctx = service._prepare(AskRequest(question=question), "extractive")
        cands, terms = service.read(ctx)
        return pool_features(cands, ctx.result.hits, ctx.lang, ctx.result.evidence, ctx.result.dense_scores, terms)

    assert feats("知的財産の保護の施策をすべて挙げて")["list_heading"] > 0.1
    assert feats("知的財産の保護の施策は何年に始まりましたか")["list_heading"] == 0.0


def test_english_question_terms_reach_untranslated_japanese_through_the_lexicon() -> None:
    from service.question import Evidence, QuestionTerms

    stats = TermStats([["応募", "締め切り", "5", "月"], ["補助", "上限", "額"], ["天気", "東京"], ["ipas", "支援"]], [])
    q = QuestionTerms("When is the application deadline?", stats)
    assert q.english_only and english_tokens("deadline")[0] in q.cross_terms()
    answer = Evidence.of(["応募の締め切りは5月30日です。"])
    other = Evidence.of(["補助の上限額は100万円です。"])
    assert q.coverage(answer) > q.coverage(other) == 0.0
    assert q.focus_found(answer) == 1.0 and q.focus_found(other) == 0.0
    # Evidence with an English reference text is compared in English, as before; the dictionary is not consulted.
    translated = Evidence.of(["応募の締め切りは5月30日です。"], ["The deadline is 30 May."])
    assert q.coverage(translated) == stats.coverage(q.en, set(translated.en), "en")
    # An acronym the Japanese text keeps as is matches its own spelling (the stemmer would make "ipas" "ipa").
    ipas = QuestionTerms("What does IPAS offer?", stats)
    assert ipas.coverage(Evidence.of(["IPASは支援を行う。"])) > ipas.coverage(Evidence.of(["支援を行う。"])) == 0.0
    # Japanese questions never translate.
    assert QuestionTerms("応募の締め切りはいつ？", stats).cross_terms() == {}
    # Frame words and closed classes are compared as stems, as the question's words are: "many" is "mani" there, and
    # a dictionary glosses it (and "must", "whether") though no passage words it, so each counted as missing.
    frame = QuestionTerms("How many days before the deadline must we say whether we're applying?", stats)
    assert set(frame.en) == {english_tokens(w)[0] for w in ("days", "before", "deadline", "applying")}
    # "May" the month and "US" the country are names, not a modal and a pronoun.
    assert {"may", "us"} <= set(QuestionTerms("Is the deadline in May for US filings?", stats).en)


def test_cross_lingual_pool_feature_counts_words_no_passage_mentions(service: AnswerService) -> None:
    """Over the plan with its translation hidden, an English question's translatable words are mostly found for a
    question the plan answers, and mostly missing for one about something else."""
    def unmatched(question: str) -> float:
        ctx = service._prepare(AskRequest(question=question), "extractive")
        hits = [h.model_copy(update={"text_en": None}) for h in ctx.result.hits]
        cands, terms = service.read(ctx)
        return pool_features(cands, hits, "en", ctx.result.evidence, ctx.result.dense_scores, terms)["xling_unmatched"]

    assert unmatched("How much damage did piracy cause?") < unmatched("What will the weather be in Tokyo tomorrow?")



@pytest.mark.parametrize(("kind", "name"), [
    ("date", "date"), ("count:people", "count of people"), ("contact:fax", "fax number"),
    ("contact:email", "e-mail address"),
])
def test_a_refusal_names_the_asked_kind_as_staff_read_it(kind: str, name: str) -> None:
    assert kind_name(kind) == name


def test_cross_lingual_names_check_reads_romaji_against_the_passages(service: AnswerService) -> None:
    """Over the plan with its translation hidden: a name the plan never writes (a city) is unseen; a question
    naming only what the plan writes (Japan, IPAS) is not. Over translated text the feature stays off."""
    def names(question: str, hide: bool = True) -> float:
        ctx = service._prepare(AskRequest(question=question), "extractive")
        hits = [h.model_copy(update={"text_en": None}) for h in ctx.result.hits] if hide else ctx.result.hits
        cands, terms = service.read(ctx)
        return pool_features(cands, hits, "en", ctx.result.evidence, ctx.result.dense_scores, terms)["xling_names"]

    assert names("What is the weather in Sapporo tomorrow?") == 1.0
    assert names("What does the plan say about IPAS in Japan?") == 0.0
    assert names("What is the weather in Sapporo tomorrow?", hide=False) == 0.0


def test_a_refusal_over_an_unseen_romaji_name_says_so() -> None:
    from service.reader import decide

    model = ReaderModel.load(DEFAULT_MODEL)

    terms = QuestionTerms("What does the Osaka office offer?", TermStats([["窓口", "相談"]], []))
    feats = dict.fromkeys(POOL_FEATURES, 0.0) | {"xling": 1.0, "xling_names": 1.0}
    decision = decide(model, feats, terms)
    assert not decision.answerable
    assert decision.reason == "the passages found do not mention a name or figure the question gives"


def test_a_refusal_prefers_the_missing_name_unless_no_passage_states_the_asked_type() -> None:
    from service.reader import decide

    model = ReaderModel.load(DEFAULT_MODEL)
    terms = QuestionTerms("大阪の窓口の電話番号は？", TermStats([["窓口", "電話"]], []))
    assert terms.types == {"contact:phone"}
    base = dict.fromkeys(POOL_FEATURES, 0.0) | {"names_missing": 1.0}
    # A phone number is stated (only not next to the question's words): the missing name is the reason.
    assert decide(model, base, terms).reason == "the passages found do not mention a name or figure the question gives"
    # No passage states a phone number at all: that is.
    assert decide(model, base | {"type_pool_miss": 1.0}, terms).reason.startswith("the question asks for a phone number")


def test_a_figure_inside_a_stated_bound_is_not_missing() -> None:
    text = "補助率は2分の1です。ただし、従業員が20人以下の場合は補助率3分の2となります。"
    hit = Hit(rank=1, score=1.0, chunk_id="c", doc_id="d", section_path=["補助率"], text=text, start=0, end=len(text))
    cands = candidates([hit], {})

    def missing(question: str) -> float:
        return pool_features(cands, [hit], "ja", 0.8, [0.8], asking(question, text))["numbers_missing"]

    assert missing("従業員15人の会社の補助率は？") == 0.0  # 15 is one of 「20人以下」
    assert missing("従業員30人の会社の補助率は？") == 1.0


def test_a_western_year_is_found_as_the_era_year_the_passage_writes() -> None:
    text = "県は令和6年度、出願支援補助金を5団体に交付しました。"
    hit = Hit(rank=1, score=1.0, chunk_id="c", doc_id="d", section_path=["はじめに"], text=text, start=0, end=len(text))
    cands = candidates([hit], {})
    for question in ("2024年度に出願支援補助金を受けたのは何団体ですか？", "2025年度に出願支援補助金を受けたのは何団体ですか？"):
        feats = pool_features(cands, [hit], "ja", 0.8, [0.8], asking(question, text))
        other_year = "2025" in question
        assert (feats["numbers_missing"], feats["names_missing"], feats["edition_mismatch"]) == (
            (1.0, 1.0, 1.0) if other_year else (0.0, 0.0, 0.0)), question

