"""Each metric on tiny cases whose values are worked out by hand in the comments."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from core.contracts import Answer, Citation, Hit
from eval import metrics as m
from eval.backends import Observation
from eval.dataset import QAItem
from eval.runner import aggregate, score_question


def cit(n: int, text: str, text_en: str | None = None) -> Citation:
    return Citation(n=n, chunk_id=f"c{n}", doc_id="d", section_path=["s"], quote=text, start=0, end=len(text),
                    text=text, text_en=text_en)


# --- ROUGE-L and its tokenization --------------------------------------------------------------------------------
def test_lcs_and_rouge_l_on_token_lists() -> None:
    assert m.lcs_length(list("abcd"), list("acde")) == 3  # a c d
    # P = R = 3/4 → F1 = 0.75
    assert m.rouge_l(list("abcd"), list("acde")) == pytest.approx(0.75)
    # LCS of (a b) and (b a) is 1: P = R = 1/2
    assert m.rouge_l(["a", "b"], ["b", "a"]) == pytest.approx(0.5)
    assert m.rouge_l([], ["a"]) == 0.0 and m.rouge_l(["x"], ["y"]) == 0.0


def test_rouge_tokens_cut_japanese_into_morphemes() -> None:
    assert m.rouge_tokens("被害額は2兆円") == ["被害", "額", "2", "兆", "円"]
    assert m.rouge_tokens("海賊版による被害額は約2兆円と推計される") == [
        "海賊版", "よる", "被害", "額", "約", "2", "兆", "円", "推計", "為る"]
    # Non-Japanese, non-ASCII words survive (generic ROUGE code drops them).
    assert m.rouge_tokens("café と 한국") == ["café", "한국"]


def test_rouge_l_of_a_purely_japanese_pair_is_not_zero() -> None:
    pred, ref = "海賊版による被害額は約2兆円と推計される", "被害額は2兆円"
    # Whitespace splitting sees one token per sentence and finds nothing in common.
    assert m.rouge_l(pred.split(), ref.split()) == 0.0
    # Morphemes: LCS = 被害 額 2 兆 円 = 5 of 10 predicted and 5 of 5 reference → P=0.5, R=1 → F1 = 2/3
    assert m.rouge_l_text(pred, ref) == pytest.approx(2 / 3)
    # 計画 2024 6 月 4 日 = 6; P = 6/10, R = 6/8 → F1 = 2·0.6·0.75/1.35 = 2/3
    assert m.rouge_l_text("知的財産推進計画2024は6月4日に決定された", "計画は2024年6月4日に決まった") == pytest.approx(2 / 3)
    assert m.rouge_l_text("クールジャパン", "被害額") == 0.0


# --- character F1 ------------------------------------------------------------------------------------------------
def test_mixed_tokens_keep_every_non_ascii_character() -> None:
    assert m.mixed_tokens("２兆円の被害、IPAS!") == ["2", "兆", "円", "の", "被", "害", "ipas"]
    assert m.mixed_tokens("Café 한국 3.5%") == ["café", "한국", "3.5"]
    assert m.mixed_tokens("2兆円[1]") == ["2", "兆", "円"]  # citation markers are not answer text


def test_char_f1() -> None:
    # 被害額は2兆円 (7 units) vs 被害額2兆円 (6 units): 6 shared → P = 6/7, R = 1 → F1 = 12/13
    assert m.char_f1("被害額は2兆円", "被害額2兆円") == pytest.approx(12 / 13)
    # English is scored by words: {the, ipas, program} vs {ipas, program, support} → P = R = 2/3
    assert m.char_f1("The IPAS program", "IPAS program support") == pytest.approx(2 / 3)
    assert m.char_f1("2兆円[1]", "２兆円") == 1.0
    assert m.char_f1("", "被害") == 0.0


# --- key facts -----------------------------------------------------------------------------------------------------
def test_key_fact_coverage() -> None:
    # reference facts: 2兆 (= 2e12) and IPAS; the answer has the number only
    cov, missing = m.key_fact_coverage("約2兆円の被害[1]", "被害額は約2兆円で、IPASが支援する")
    assert cov == pytest.approx(0.5) and missing == ["IPAS"]
    # numbers compare as values across notations
    assert m.key_fact_coverage("about 2 trillion yen (IPAS)", "被害額は2兆円、IPAS")[0] == 1.0
    # 2024, 6 and 4 from the date; 6 is missing
    cov, missing = m.key_fact_coverage("2024年4日", "2024年6月4日に決定")
    assert cov == pytest.approx(2 / 3) and missing == ["6"]
    assert m.key_fact_coverage("anything", "何も数字のない参照") == (None, [])
    assert m.key_fact_coverage("no figures", "30年間続いた") == (0.0, ["30"])  # not "3E+1"


# --- language ------------------------------------------------------------------------------------------------------
def test_answer_language() -> None:
    assert m.answer_lang("知的財産推進計画2024が決定された。[1]") == "ja"
    assert m.answer_lang("The plan was adopted on 4 June 2024.[1]") == "en"
    # Section names in double quotes do not make an English abstention Japanese ...
    assert m.answer_lang('The documents do not cover this question. Closest sections: "2 基本認識" / "4 おわりに"') == "en"
    # ... but an English lead-in over a Japanese quotation is not an English answer.
    assert m.answer_lang("The plan says (Japanese original): 「知的財産推進計画2024が決定された。」[1]") == "ja"
    assert m.language_match("被害額は2兆円。", "ja") and not m.language_match("被害額は2兆円。", "en")


# --- retrieval -----------------------------------------------------------------------------------------------------
def test_contains_quote_is_nfkc_and_whitespace_insensitive() -> None:
    assert m.contains_quote("会合は２０２４年６月４日に開催", "2024年6月4日")
    assert m.contains_quote("知的\n財産 推進計画", "知的財産推進計画")
    assert not m.contains_quote("知的財産推進計画", "知的財産推進計画2025")
    assert not m.contains_quote("anything", "   ")


def test_rank_metrics() -> None:
    rels = [False, True, False, True]
    assert m.first_relevant_rank(rels) == 2
    assert m.recall_at_k(rels, 1) == 0.0 and m.recall_at_k(rels, 5) == 1.0
    assert m.mrr_at_k(rels, 10) == 0.5 and m.mrr_at_k(rels, 1) == 0.0
    # DCG = 1/log2(3) + 1/log2(5); ideal with 2 relevant = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert m.ndcg_at_k(rels, 2, 10) == pytest.approx(expected)
    assert m.ndcg_at_k(rels, 2, 10) == pytest.approx(0.6509, abs=1e-4)
    assert m.ndcg_at_k([True, False], 1, 10) == 1.0
    assert m.ndcg_at_k([False] * 3, 0, 10) == 0.0 and m.first_relevant_rank([False] * 3) is None


def test_relevance_and_quote_recall() -> None:
    passages = ["被害額は約2兆円と推計", "クールジャパン戦略を推進", "IPASの利便性の向上"]
    gold = ["約2兆円", "IPASの利便性"]
    assert m.relevance(passages, gold) == [True, False, True]
    assert m.quote_recall_at_k(passages, gold, 1) == 0.5
    assert m.quote_recall_at_k(passages, gold, 3) == 1.0


# --- citations -----------------------------------------------------------------------------------------------------
def test_citation_recall() -> None:
    c1 = cit(1, "2024年6月4日、知的財産推進計画2024が決定された。")
    c2 = cit(2, "クールジャパン戦略の推進。")
    assert m.citation_recall(["2024年6月4日"], [c1]) == 1.0
    assert m.citation_recall(["2024年6月4日"], [c2]) == 0.0
    assert m.citation_recall(["2024年6月4日", "海賊版の被害額"], [c1, c2]) == 0.5
    assert m.citation_recall(["2024年6月4日"], []) == 0.0
    # Not verbatim, but the verifier's lexical rule accepts it (most bigrams shared, same numbers) ...
    assert m.citation_recall(["知的財産推進計画2024が決定された"], [cit(1, "知的財産推進計画2024が正式に決定された。")]) == 1.0
    # ... and rejects a passage that differs in the figure.
    assert m.citation_recall(["被害額は約2兆円と推計"], [cit(1, "被害額は約3兆円と推計される。")]) == 0.0


def test_lead_citation_is_the_passage_cited_first() -> None:
    right = cit(1, "相談は同一の案件につき3回まで無料です。")
    contact = cit(2, "ご相談は、下記の窓口までお問い合わせください。")
    gold = ["3回まで無料"]
    # Both passages cited: recall is full either way, but only the answer that opens with the right one leads with it.
    assert m.lead_citation(gold, "相談は同一の案件につき3回まで無料です。[1]ご相談は…[2]", [right, contact]) == 1.0
    assert m.lead_citation(gold, "ご相談は…[2]相談は同一の案件につき3回まで無料です。[1]", [right, contact]) == 0.0
    assert m.citation_recall(gold, [right, contact]) == 1.0
    assert m.lead_citation(gold, "The documents do not cover this.", []) == 0.0


def test_citation_precision_alce_and_gold() -> None:
    c1 = cit(1, "2024年6月4日、知的財産推進計画2024が決定された。")
    c2 = cit(2, "クールジャパン戦略を推進する。")
    c3 = cit(3, "海賊版による被害額は約2兆円と推計される。")
    answer = "知的財産推進計画2024は2024年6月4日に決定された。[1]海賊版の被害額は約2兆円。[2]"
    # [1] supports its sentence and holds the gold quote; [2] supports nothing and holds no gold quote.
    assert m.useful_citations(answer, [c1, c2], ["2024年6月4日"], None) == [True, False]
    assert m.citation_precision(answer, [c1, c2], ["2024年6月4日"], None) == 0.5
    # [3] is not gold-relevant but supports the sentence citing it: useful for ALCE precision, not for gold precision.
    answer3 = "知的財産推進計画2024は2024年6月4日に決定された。[1]海賊版の被害額は約2兆円と推計される。[3]"
    assert m.citation_precision(answer3, [c1, c3], ["2024年6月4日"], None) == 1.0
    assert m.citation_precision_gold([c1, c3], ["2024年6月4日"]) == 0.5
    assert m.citation_precision("x", [], [], None) is None and m.citation_precision_gold([], ["q"]) is None


def test_numbers_in_cited_text() -> None:
    assert m.unsupported_answer_numbers("被害額は2兆円。[1]", [cit(1, "被害額は約2兆円と推計")]) == set()
    assert m.unsupported_answer_numbers("被害額は2兆円。[1]", [cit(1, "被害額は約3兆円")]) == {Decimal("2E+12")}
    # the aligned English reference counts as cited text
    assert m.unsupported_answer_numbers("About 2 trillion yen.[1]", [cit(1, "被害が大きい", "about 2 trillion yen")]) == set()
    assert m.unsupported_answer_numbers("数字のない回答。[1]", [cit(1, "x")]) is None


# --- abstention, latency, means ------------------------------------------------------------------------------------
def test_abstention_precision_recall() -> None:
    # (should, did): one true positive, one miss, one false abstention, one correct answer
    assert m.abstention_precision_recall([(True, True), (True, False), (False, True), (False, False)]) == (0.5, 0.5)
    assert m.abstention_precision_recall([(True, False), (False, False)]) == (None, 0.0)
    assert m.abstention_precision_recall([(False, True)]) == (0.0, None)


def test_percentile_nearest_rank_and_mean() -> None:
    assert m.percentile([40, 10, 30, 20], 50) == 20  # rank ceil(0.5·4) = 2
    assert m.percentile([40, 10, 30, 20], 95) == 40  # rank ceil(3.8) = 4
    assert m.percentile([7], 95) == 7 and m.percentile([], 50) is None
    assert m.percentile([1, 2, 3, 4, 5], 90) == 5  # rank ceil(4.5) = 5, not a rounded 4
    assert m.percentile(list(range(1, 11)), 25) == 3  # rank ceil(2.5) = 3
    assert m.mean([1.0, None, 0.0]) == 0.5 and m.mean([None]) is None


# --- per-question scoring and aggregation ---------------------------------------------------------------------------
def _item(qid: str, lang: str, answerable: bool, gold: list[str], ref: str) -> QAItem:
    return QAItem(id=qid, lang=lang, question="q", gold_quotes=gold, answer=ref, answerable=answerable)


def _hit(rank: int, text: str) -> Hit:
    return Hit(rank=rank, score=1.0, chunk_id=f"h{rank}", doc_id="d", section_path=[], text=text, start=0, end=len(text))


def _answer(text: str, lang: str, cits: list[Citation], abstained: bool = False) -> Answer:
    return Answer(answer=text, lang=lang, abstained=abstained, grounded=True, mode="test", citations=cits)  # type: ignore[arg-type]


def test_score_question_and_aggregate() -> None:
    passage = "海賊版による被害額は約2兆円と推計される。"
    good = score_question(
        _item("ja-1", "ja", True, ["約2兆円"], "被害額は約2兆円です。"),
        Observation(hits=[_hit(1, "無関係な文。"), _hit(2, passage)],
                    answer=_answer("海賊版による被害額は約2兆円と推計される。[1]", "ja", [cit(1, passage)]), ask_ms=100.0),
        None,
    )
    s = good.scores
    assert good.first_rank == 2 and s["r@1"] == 0.0 and s["r@5"] == 1.0 and s["mrr@10"] == 0.5
    assert s["citation_recall"] == 1.0 and s["lead_citation"] == 1.0 and s["citation_precision"] == 1.0
    assert s["key_facts"] == 1.0
    assert s["lang_match"] == 1.0 and s["numbers_cited"] == 1.0
    # Abstaining on an answerable question zeroes its answer metrics and says why.
    missed = score_question(
        _item("en-1", "en", True, ["約2兆円"], "About 2 trillion yen."),
        Observation(hits=[_hit(1, passage)], answer=_answer("The documents do not cover this.", "en", [], True),
                    ask_ms=300.0),
        None,
    )
    assert missed.scores["rouge_l"] == 0.0 and missed.scores["citation_recall"] == 0.0
    assert missed.scores["lead_citation"] == 0.0
    assert "abstained on an answerable question" in missed.reasons
    # Answering an unanswerable question is a failure with no retrieval metrics.
    wrong = score_question(
        _item("en-2", "en", False, [], "Not covered."),
        Observation(hits=[_hit(1, passage)], answer=_answer("Damage is 2 trillion yen.[1]", "en", [cit(1, passage)]),
                    ask_ms=200.0),
        None,
    )
    assert "r@5" not in wrong.scores and "answered a question the documents do not answer" in wrong.reasons
    assert wrong.quality < good.quality

    metrics, support = aggregate([good, missed, wrong])
    assert metrics["ja"]["r@1"] == 0.0 and metrics["overall"]["r@5"] == 1.0
    assert metrics["overall"]["mrr@10"] == pytest.approx(0.75)  # (1/2 + 1) / 2
    # en: one abstention, on the answerable question → precision 0; the unanswerable one was answered → recall 0
    assert metrics["en"]["abstain_precision"] == 0.0 and metrics["en"]["abstain_recall"] == 0.0
    assert metrics["ja"]["abstain_recall"] is None
    assert metrics["overall"]["latency_p50_ms"] == 200.0 and metrics["overall"]["latency_p95_ms"] == 300.0
    assert support["overall"]["answerable"] == 2 and support["overall"]["r@5"] == 2
