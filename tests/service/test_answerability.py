from __future__ import annotations

import pytest

from service.answerability import check, expected_types

IPAS_JA = ("そして、特許庁が実施している知財アクセラレーションプログラム(IPAS)の利便性の向上等の取り組みを通して、"
           "スタートアップ等への知財支援を推進する。")
IPAS_EN = ("Through improving the IP Acceleration program for Startups (IPAS) run by the Japan Patent Office, "
           "we will promote IP support for startups.")
PIRACY = "インターネット上の海賊版被害額は2022年で約2兆円(2019年比5倍)に達し"
STARTUP_HALF = "設立前において経営戦略に知財戦略の組み込みができていないスタートアップは半分程度であり"


@pytest.mark.parametrize(
    ("question", "types"),
    [
        ("IPASの応募締切はいつですか？", ["date"]),
        ("特許出願の手数料はいくらですか？", ["amount"]),
        ("What deduction rate applies?", ["rate"]),
        ("How long does copyright protection last?", ["duration"]),
        ("Which principles does the plan mention when discussing AI?", []),
        ("スタートアップ向けの知財支援は？", []),
    ],
)
def test_expected_answer_types(question: str, types: list[str]) -> None:
    assert expected_types(question) == types


@pytest.mark.parametrize(
    "question",
    [
        "IPASの今年度の応募締切はいつですか？",  # a date, and the passage has none
        "What's the annual budget for IPAS?",  # an amount
        "知的財産推進計画2025の重点施策を教えてください。",  # a different edition
        "韓国の特許法では生成AIを発明者として認めていますか？",  # another jurisdiction
        "外国企業が日本で商標登録するにはどんな手続きが必要？",  # an IP right the passage does not discuss
        "How many people work at IPAS?",  # a count of something never counted
    ],
)
def test_near_miss_questions_are_not_answerable_from_the_ipas_passage(question: str) -> None:
    verdict = check(question, IPAS_JA, IPAS_EN)
    assert not verdict.ok
    assert verdict.reason


@pytest.mark.parametrize(
    ("question", "evidence"),
    [
        ("スタートアップ向けの知財支援は？", IPAS_JA),
        ("What IP help can startups get from the JPO?", IPAS_JA + IPAS_EN),
        ("海賊版の被害額はいくら？", PIRACY),
        ("How much did online piracy cost Japan in 2022?", PIRACY),
        ("How many founders build an IP strategy before launch?", STARTUP_HALF + " about half of startups"),
        ("特許審査官はどんな支援をしますか？", IPAS_JA),
    ],
)
def test_answerable_questions_pass(question: str, evidence: str) -> None:
    assert check(question, evidence).ok


def test_year_in_question_must_be_in_evidence() -> None:
    assert not check("How much did online piracy cost Japan in 2023?", PIRACY).ok
