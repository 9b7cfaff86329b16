"""``--fail-under`` thresholds: parsed from ``[SET:][SCOPE.]METRIC=VALUE``, checked against a run's metrics."""

from __future__ import annotations

from typing import Any

from eval.report import fmt
from eval.runner import SCOPES, SPEC


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


def _parse_one(spec: str) -> tuple[str | None, str, float]:
    """``[SET:][SCOPE.]METRIC=VALUE`` → (set or None, "scope.metric", value)."""
    scores = sorted(k for k, s in SPEC.items() if s.fraction)
    name, sep, raw = spec.partition("=")
    name = name.strip().lower()
    set_name: str | None = None
    if ":" in name:
        set_name, _, name = name.partition(":")
        set_name, name = set_name.strip(), name.strip()
        if not set_name:
            raise UsageError(f"--fail-under: empty set name before ':' in {spec!r}")
    if not sep or not name or not raw.strip():
        raise UsageError(f"--fail-under expects METRIC=VALUE (e.g. r@5=0.8, ja.mrr@10=0.7 or dev:r@5=0.9), got {spec!r}")
    scope, dot, key = name.partition(".")
    if not dot:
        scope, key = "overall", name
    if scope not in SCOPES:
        raise UsageError(f"--fail-under: unknown scope {scope!r} in {spec!r} (use ja, en or overall)")
    metric = SPEC.get(key)
    if metric is None:
        raise UsageError(f"--fail-under: unknown metric {key!r} (choose from {', '.join(scores)})")
    if not metric.fraction:
        raise UsageError(f"--fail-under: {key} is a latency (lower is better), not a score")
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"--fail-under: {raw.strip()!r} is not a number (in {spec!r})") from None
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"--fail-under: {value} is outside [0, 1] (in {spec!r})")
    return set_name, f"{scope}.{key}", value


def parse_thresholds(specs: list[str]) -> dict[str, float]:
    """``METRIC=VALUE`` or ``SCOPE.METRIC=VALUE`` (scope ja, en or overall; default overall) → {"scope.metric": value}.
    For a lower-is-better rate (``false_abstention``) the value is a maximum. ``SET:`` prefixes need ``--set``."""
    out: dict[str, float] = {}
    for spec in specs:
        set_name, name, value = _parse_one(spec)
        if set_name is not None:
            raise UsageError(f"--fail-under: {spec!r} names a set ({set_name}:); set prefixes need --set")
        out[name] = value
    return out


def parse_set_thresholds(specs: list[str], selected: list[str], known: list[str]) -> dict[str, dict[str, float]]:
    """Thresholds per selected set: an unprefixed one applies to every set, ``SET:METRIC=VALUE`` to that set only
    (and wins over an unprefixed one for the same metric). A prefix naming an unknown or unselected set is an error."""
    common: dict[str, float] = {}
    own: dict[str, dict[str, float]] = {}
    for spec in specs:
        set_name, name, value = _parse_one(spec)
        if set_name is None:
            common[name] = value
        elif set_name not in known:
            raise UsageError(f"--fail-under: unknown set {set_name!r} in {spec!r} (choose from {', '.join(known)})")
        elif set_name not in selected:
            raise UsageError(f"--fail-under: {spec!r} is for set {set_name!r}, which --set does not select")
        else:
            own.setdefault(set_name, {})[name] = value
    return {s: {**common, **own.get(s, {})} for s in selected}


def check_thresholds(metrics: dict[str, dict[str, float | None]], thresholds: dict[str, float]) -> list[dict[str, Any]]:
    """One row per threshold; a metric that could not be computed (None) fails its threshold. Scores must reach
    their value ("min"); a lower-is-better rate such as ``false_abstention`` must not exceed it ("max")."""
    rows = []
    for name, limit in thresholds.items():
        scope, key = name.split(".", 1)
        value = metrics.get(scope, {}).get(key)
        if SPEC[key].higher_is_better:
            rows.append({"metric": name, "min": limit, "value": value, "ok": value is not None and value >= limit})
        else:
            rows.append({"metric": name, "max": limit, "value": value, "ok": value is not None and value <= limit})
    return rows


def breach_lines(rows: list[dict[str, Any]], prefix: str = "") -> list[str]:
    lines = []
    for b in rows:
        if b["ok"]:
            continue
        key = b["metric"].split(".", 1)[1]
        where = "under the threshold" if "min" in b else "over the threshold (a maximum)"
        limit = b["min"] if "min" in b else b["max"]
        lines.append(f"ipqa: eval: {prefix}{b['metric']} = {fmt(b['value'], key)} is {where} {limit}")
    return lines
