"""Another edition of a document, or a fiscal year the passages do not report, in either language."""

from __future__ import annotations

from service.editions import fiscal_years, version_mismatch


def test_a_named_edition_the_passages_have_only_with_another_number() -> None:
    assert version_mismatch("知的財産推進計画2023の重点施策は", "知的財産推進計画2024では")
    assert not version_mismatch("知的財産推進計画2024の重点施策は", "知的財産推進計画2024では")
    assert version_mismatch("令和8年度の募集はいつから始まりますか", "令和7年度(2025年度)の募集について")
    assert version_mismatch("When does the FY2026 call open?", "the FY2025 call opens in May")


def test_quantities_and_years_after_a_function_word_are_not_editions() -> None:
    assert not version_mismatch("配分率 発明者 500万円以下", "発明者50%、所属部局20%")
    assert not version_mismatch("What's the 50 trillion yen target about?", "the 2025 target of 50 trillion yen")
    assert not version_mismatch("How much bigger was piracy damage in 2022 than in 2019?", "in 2019 it was")


def test_a_fiscal_year_in_any_spelling_the_passages_do_not_report() -> None:
    assert fiscal_years("令和7年度(2025年度)の募集、FY2024、fiscal 2023") == {2023, 2024, 2025}
    assert version_mismatch("2025年度の相談件数は何件でしたか", "2024年度の相談件数は1,136件であり")
    assert version_mismatch("How many consultations did the desk handle in FY2025?", "2024年度の相談件数は1,136件")
    assert not version_mismatch("How many consultations in FY2024?", "2024年度の相談件数は1,136件")


def test_an_era_year_and_its_western_year_are_one_fiscal_year() -> None:
    assert fiscal_years("令和元年度、R6年度、平成30年度") == {2018, 2019, 2024}
    passage = "県は令和6年度、出願支援補助金を5団体に交付しました。"
    assert not version_mismatch("2024年度に補助金を受けたのは何団体ですか", passage)
    assert not version_mismatch("How many groups got the subsidy in fiscal 2024?", passage)
    assert version_mismatch("2025年度に補助金を受けたのは何団体ですか", passage)

