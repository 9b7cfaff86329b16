"""The fitted models the reader ships with: logistic weights over named, standardized features, loaded from the JSON
that bench/train_reader.py writes (service/models/reader.json)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DEFAULT_MODEL = Path(__file__).parent / "models" / "reader.json"


def _logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class Linear:
    """A fitted logistic model: weights over named features, with the feature standardization it was fitted with."""

    names: tuple[str, ...]
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    def logit(self, feats: dict[str, float]) -> float:
        x = np.array([feats.get(n, 0.0) for n in self.names], dtype=np.float64)
        return float(((x - self.mean) / self.scale) @ self.weights + self.bias)

    def prob(self, feats: dict[str, float]) -> float:
        return _logistic(self.logit(feats))

    @classmethod
    def from_json(cls, d: dict[str, object]) -> Linear:
        names = tuple(str(n) for n in d["features"])  # type: ignore[attr-defined]
        w = d["weights"]
        assert isinstance(w, dict)
        return cls(names, np.array([float(w[n]) for n in names]), float(d["bias"]),  # type: ignore[arg-type]
                   np.array(d["mean"], dtype=np.float64), np.array(d["scale"], dtype=np.float64))

    def to_json(self) -> dict[str, object]:
        return {"features": list(self.names), "weights": {n: round(float(w), 6) for n, w in zip(
            self.names, self.weights, strict=True)}, "bias": round(self.bias, 6),
            "mean": [round(float(v), 6) for v in self.mean], "scale": [round(float(v), 6) for v in self.scale]}


@dataclass(frozen=True)
class ReaderModel:
    version: str
    sentence: Linear
    ranker: Linear
    pool: Linear
    threshold: float  # abstain when the pool model's P(answerable) is below this
    extra_ratio: float  # further answer sentences need at least this share of the best sentence's probability
    max_sentences: int
    info: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> ReaderModel:
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(d["version"]), Linear.from_json(d["sentence"]), Linear.from_json(d["ranker"]),
                       Linear.from_json(d["pool"]),
                       float(d["threshold"]), float(d.get("extra_ratio", 0.6)), int(d.get("max_sentences", 3)),
                       dict(d.get("info", {})))
        except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
            raise ValueError(f"reader model {path} is unusable ({exc}); re-run bench/train_reader.py") from exc
