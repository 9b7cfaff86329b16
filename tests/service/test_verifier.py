"""Citation verifier and the facts it checks: supported, unsupported, wrong-number, re-cited and framing sentences."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.contracts import Citation
from service.answer import is_refusal
from service.facts import named_terms, numbers_en, numbers_ja, unsupported_numbers
from service.verifier import EN_LEAD, EN_LEAD_JA_ONLY, EN_LEAD_SOURCE, parse_claims, supports, verify

PIRACY = ("インターネット上の海賊版被害額は2022年で約2兆円(2019年比5倍)に達し、"
          "特に海外発海外向けの海賊版サイトの被害拡大している。")
PIRACY_EN = "Piracy damage on the internet reached about 2 trillion yen in 2022 (five times the 2019 level)."
IPAS = ("特許庁が実施している知財アクセラレーションプログラム(IPAS)の利便性の向上を通して、"
        "スタートアップ等への知財支援を推進する。")


def cit(n: int, text: str, text_en: str | None = None) -> Citation:
    return Citation(n=n, chunk_id=f"c{n}", doc_id="d", section_path=["s"], quote=text, start=0, end=len(text),
                    text=text, text_en=text_en)


def no_similarity(_a: str, _b: str) -> float:
    return 0.0


def test_parse_claims_with_markers() -> None:
    claims = parse_claims("海賊版被害は約2兆円に達した。[1]IPASを推進する。[2][1]")
    assert [(c.text, c.ns) for c in claims] == [("海賊版被害は約2兆円に達した。", [1]), ("IPASを推進する。", [2, 1])]


def test_a_table_row_is_one_claim_whatever_full_stops_its_cells_hold() -> None:
    row = "| 出版物 | 5,500円 | 表紙は11,000円。1万部まで。 |"
    claims = parse_claims(f"前の文。[1]{row}[2]\n「{row}」[1]\n- 「{row}」[2]")
    assert [(c.text, c.ns) for c in claims] == [("前の文。", [1]), (row, [2]), (f"「{row}」", [1]), (f"- 「{row}」", [2])]
    assert supports(row, cit(2, f"料金表\n{row}\n注記。"), no_similarity)
    # An English answer puts a space between quotes: a row after one is still whole.
    assert [(c.text, c.ns) for c in parse_claims(f"「前の文。」[1] 「{row}」[2]")] == [("「前の文。」", [1]), (f"「{row}」", [2])]
    # Only a whole row: text after the last bar keeps the sentence rule.
    assert [c.text for c in parse_claims("| 見出し | 本文。続き。[1]")] == ["| 見出し | 本文。", "続き。"]
    assert verify(f"前の文。[1]{row}[1]", [cit(1, f"前の文。\n{row}")], no_similarity).render() == f"前の文。[1]\n{row}[1]"


def test_a_full_stop_inside_parentheses_ends_no_claim() -> None:
    # As core/text.py splits sentences: 「(平成26年法律第84号。以下「GI法」といいます。)」 is inside its sentence.
    item = "・支援事業申込書(様式第1号。本会の支援を受ける場合のみ)"
    law = "GI法(平成26年法律第84号。以下「GI法」といいます。)に基づく制度です。"
    claims = parse_claims(f"{item}[2]\n{law}[1]次の文。[2]")
    assert [(c.text, c.ns) for c in claims] == [(item, [2]), (law, [1]), ("次の文。", [2])]
    # An unclosed parenthesis does not swallow the rest: the full stop ends the claim as before.
    assert [c.text for c in parse_claims("未閉じ(かっこ。次の文。[1]")] == ["未閉じ(かっこ。", "次の文。"]


def test_verbatim_sentence_is_supported() -> None:
    assert supports(PIRACY, cit(1, PIRACY), no_similarity)


def test_english_reference_sentence_is_supported() -> None:
    assert supports(PIRACY_EN, cit(1, PIRACY, PIRACY_EN), no_similarity)


@pytest.mark.parametrize("claim", [
    "インターネット上の海賊版被害額は2022年で約3兆円に達した。",  # wrong amount
    "インターネット上の海賊版被害額は2021年で約2兆円に達した。",  # wrong year
    "Piracy damage reached about 20 trillion yen in 2022.",  # wrong figure in English
])
def test_wrong_number_is_unsupported_even_if_similar(claim: str) -> None:
    assert not supports(claim, cit(1, PIRACY, PIRACY_EN), lambda a, b: 0.99)


@pytest.mark.parametrize("claim", [
    "- \"6.2 支援内容\": 「本学保有特許の優先的なライセンス(設立後3年間は契約一時金を免除)」",
    "・6.2 支援内容: 本学保有特許の優先的なライセンス(設立後3年間は契約一時金を免除)",
])
def test_a_list_item_labelled_with_its_numbered_heading_is_supported(claim: str) -> None:
    # The heading's "6.2" is document text (the passage's section path), not a figure the answer invented.
    text = "・本学保有特許の優先的なライセンス(設立後3年間は契約一時金を免除)"
    c = Citation(n=1, chunk_id="c1", doc_id="d", section_path=["6. 支援", "6.2 支援内容"], quote=text, start=0,
                 end=len(text), text=text)
    assert supports(claim, c, no_similarity)
    assert not supports(claim.replace("6.2", "6.4"), c, no_similarity)


def test_wrong_acronym_is_unsupported() -> None:
    assert not supports("特許庁はWIPOの利便性の向上を通して支援を推進する。", cit(1, IPAS), lambda a, b: 0.99)


def test_unrelated_sentence_is_unsupported() -> None:
    assert not supports("明日の東京は晴れる見込みである。", cit(1, IPAS), no_similarity)
    # Short generic sentences get high embedding similarity to anything; the lexical floor stops them.
    assert not supports("情報がありません。", cit(1, IPAS), lambda a, b: 0.9)


def test_verify_removes_recites_and_grounds() -> None:
    answer = f"{IPAS}[2] 予算は987億円である。[1]"
    result = verify(answer, [cit(1, PIRACY), cit(2, IPAS)], no_similarity)
    assert [c.text for c in result.claims] == [IPAS]
    assert [c.text for c in result.removed] == ["予算は987億円である。"]
    assert not result.grounded and "987" not in result.render()
    # Cited to the wrong passage: re-cited to the one that supports it.
    recited = verify(f"{IPAS}[1]", [cit(1, PIRACY), cit(2, IPAS)], no_similarity)
    assert recited.recited == 1 and recited.claims[0].ns == [2] and recited.grounded


def test_framing_line_needs_no_citation() -> None:
    result = verify(f"According to the plan:\n{PIRACY_EN} [1]", [cit(1, PIRACY, PIRACY_EN)], no_similarity)
    assert result.grounded and result.claims[0].framing


@pytest.mark.parametrize("lead", [EN_LEAD, EN_LEAD_JA_ONLY, EN_LEAD_SOURCE])
def test_the_composers_own_leads_are_framing(lead: str) -> None:
    # The translation lead is longer than a generic lead-in may be; it was removed as "unsupported" until it was named.
    result = verify(f"{lead}\n{PIRACY_EN} [1]", [cit(1, PIRACY, PIRACY_EN)], no_similarity)
    assert result.grounded and not result.removed and result.claims[0].framing
    assert result.render().startswith(lead)


@pytest.mark.parametrize(("text", "values"), [
    ("約2兆円", {Decimal(2 * 10**12)}),
    ("３～４割", {Decimal(30), Decimal(40)}),
    ("2024年度に50兆円", {Decimal(2024), Decimal(50 * 10**12)}),
])
def test_numbers_ja(text: str, values: set[Decimal]) -> None:
    assert numbers_ja(text) == values


def test_numbers_en_units_and_months() -> None:
    assert numbers_en("about 2 trillion yen in March") == {Decimal(2 * 10**12), Decimal(3)}
    assert numbers_en("Companies may act.") == set()  # the verb, not the month
    assert not unsupported_numbers("約2兆円", "about 2 trillion yen")


def test_named_terms() -> None:
    assert {"IPAS", "WIPO"} <= named_terms("IPASとWIPO CASEとジャパンサーチ")
    assert "ジャパンサーチ" in named_terms("ジャパンサーチ")


@pytest.mark.parametrize(("text", "refusal"), [
    ("提示された文書には情報がありません。", True),
    ("The passages do not answer this question.", True),
    ("特許庁はIPASの利便性を向上する。[1]", False),
])
def test_refusal_detection(text: str, refusal: bool) -> None:
    assert is_refusal(text) is refusal
