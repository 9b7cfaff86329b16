"""The whole development set through the in-process service and the baseline (minutes: `pytest -m slow`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.settings import Settings
from eval.dataset import DEFAULT_QA, load_qa
from eval.suite import EvalOptions, execute


@pytest.mark.slow
def test_full_dev_set(built_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "eval-out"
    code = execute(EvalOptions(out=out, baseline=True, judge=False, progress=False, fail_under=["r@5=0.5"]),
                   built_settings)
    assert code == 0
    doc = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    n = len(load_qa(DEFAULT_QA))
    system, baseline = doc["system"], doc["baseline"]
    assert system["support"]["overall"]["questions"] == n and system["support"]["overall"]["errors"] == 0
    overall = system["metrics"]["overall"]
    # Loose floors, far below the measured values: they catch a broken pipeline; the CI gate (.ci/run) catches drift.
    assert overall["r@5"] >= 0.5 and overall["mrr@10"] >= 0.3 and overall["lang_match"] >= 0.5
    assert overall["abstain_recall"] >= 0.2 and overall["citation_precision"] >= 0.5
    # The baseline cannot abstain; the system can.
    assert baseline["metrics"]["overall"]["abstain_recall"] == 0.0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.count("\n### ") == 10
