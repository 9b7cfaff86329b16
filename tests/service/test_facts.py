"""Figures a stated bound admits (service/facts.bounded): what the answerability model's numbers check counts as found."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.facts import asked_figures, bounded, numbers


@pytest.mark.parametrize(("text", "figures", "admitted"), [
    ("ただし、従業員が20人以下の場合は補助率3分の2となります。", {15, 20, 25}, {15, 20}),
    ("資本金300万円未満の企業に限ります。", {2_000_000, 3_000_000}, {2_000_000}),
    ("構成員が5名以上であること。", {4, 6}, {6}),
    ("1団体につき年5回まで無料です。", {3, 6}, {3}),
    ("Companies with 20 or fewer employees qualify.", {15, 25}, {15}),
    ("Grants cover up to 20 employees.", {15, 25}, {15}),
    ("More than 300 employees is a large company.", {300, 301}, {301}),
    # Bounds of time say when, not how many: a year or span the question names is checked as it is written.
    ("2030年度まで継続する。申請は5年以内に行う。", {2024, 3}, set()),
    ("The grant runs for up to 10 years.", {5}, set()),
])
def test_a_bound_admits_the_figures_on_its_side(text: str, figures: set[int], admitted: set[int]) -> None:
    assert bounded(text, {Decimal(f) for f in figures}) == {Decimal(f) for f in admitted}


def test_a_band_the_question_names_and_a_year_are_checked_as_written() -> None:
    text = "従業員101人以上の企業では42.0%が特定している。2,000社以上が回答した。"
    assert bounded(text, {Decimal(301)}, "従業員301人以上の企業では何%ですか？") == set()
    assert bounded(text, {Decimal(2016)}, "What was the response rate of the 2016 survey?") == set()
    assert bounded(text, {Decimal(150)}, "従業員150人の会社では？") == {Decimal(150)}


def test_an_era_year_states_its_western_year_too() -> None:
    # A question asks about 2024年度 or "fiscal 2024" of a text that writes 令和6年度: the same year, not a missing figure.
    assert {Decimal(2024), Decimal(6), Decimal(5)} <= numbers("県は令和6年度、出願支援補助金を5団体に交付しました。")
    assert Decimal(2024) in asked_figures("令和6年度に補助金を受けたのは何団体ですか？")
    assert Decimal(2025) in numbers("R7年4月1日から受付を開始します。")
    assert numbers("第6条") == {Decimal(6)}
