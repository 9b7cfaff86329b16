"""The reader trainer's threshold rule (bench/train_reader.py): the most abstentions within a false-abstention bound."""

from __future__ import annotations

import numpy as np
import pytest

from bench.train_reader import MAX_FALSE_ABSTENTION, choose_threshold


def test_the_threshold_refuses_the_most_unanswerables_within_the_false_abstention_bound() -> None:
    # 20 answerable questions (y=1) and 10 unanswerable ones, their probabilities interleaved.
    p = np.array([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.6, 0.7, 0.8] + [0.22] + [0.5 + 0.02 * i for i in range(19)])
    y = np.array([0.0] * 10 + [1.0] * 20)
    t, rates = choose_threshold(p, y, max_false=0.05)
    # Refusing below 0.5 takes seven unanswerables (0.05–0.35) and one answerable (0.22): 1/20 = 0.05 is within the
    # bound. A higher cut would refuse the answerables from 0.5 on too.
    assert t == pytest.approx(0.5)
    assert rates == {"abstain_recall": 0.7, "false_abstention": 0.05}
    # A tighter bound keeps the answerable 0.22 and stops below it.
    t, rates = choose_threshold(p, y, max_false=0.0)
    assert t == pytest.approx(0.22) and rates == {"abstain_recall": 0.4, "false_abstention": 0.0}


def test_the_bound_is_the_issues_acceptance() -> None:
    assert MAX_FALSE_ABSTENTION == 0.05
