"""The fitted models the reader ships with: logistic weights over named, standardized features, loaded from the JSON
that bench/train_reader.py writes (service/models/reader.json)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DEFAULT_MODEL = Path(__file__).parent / "models" / "reader.json"
ANSWER_TOP = 3  # candidates whose product vectors the answerability score reads


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
class Interaction:
    """A learned weighting of the embedding's dimensions: ``sem_w = Σ_i u_i·q_i·s_i`` for the question vector q and
    a sentence vector s. A cosine weighs every dimension alike; fitted on which sentence answers which training
    question, some dimensions count for more (the answer-bearing relation rather than shared topic). Costs one
    multiply per dimension, on vectors the index already holds. Only meaningful for the embedder it was fitted with;
    with another, both its features take their training means, so they move no score."""

    embedder: str
    weights: np.ndarray
    neutral: tuple[float, float]  # training means of sem_w and sem_w_rel
    # Answerability (``ans_w``): a logistic score over the product vectors of the question's closest candidates.
    answer_weights: np.ndarray | None = None
    answer_bias: float = 0.0
    answer_neutral: float = 0.0

    def features(self, qvec: np.ndarray, svecs: np.ndarray, embedder: str) -> tuple[np.ndarray, np.ndarray]:
        """``sem_w`` and ``sem_w_rel`` (against the best of the pool) of each sentence vector."""
        n = len(svecs)
        if embedder != self.embedder or svecs.shape[1:] != self.weights.shape:
            return np.full(n, self.neutral[0]), np.full(n, self.neutral[1])
        s = (svecs * qvec) @ self.weights
        return s, s - (s.max() if n else 0.0)

    def answerability(self, qvec: np.ndarray, svecs: np.ndarray, embedder: str) -> float:
        """``ans_w``: how much the few candidates closest to the question look like an answer to it. The mean product
        vector of the top ``ANSWER_TOP`` sentences by cosine, scored by the answerability weights."""
        w = self.answer_weights
        if w is None or embedder != self.embedder or svecs.shape[1:] != w.shape or not len(svecs):
            return self.answer_neutral
        return float(closest_products(qvec, svecs) @ w + self.answer_bias)

    @classmethod
    def from_json(cls, d: dict[str, object]) -> Interaction:
        neutral = d["neutral"]
        assert isinstance(neutral, list) and len(neutral) == 2
        answer = d.get("answer_weights")
        return cls(str(d["embedder"]), np.array(d["weights"], dtype=np.float64),
                   (float(neutral[0]), float(neutral[1])),
                   np.array(answer, dtype=np.float64) if answer is not None else None,
                   float(d.get("answer_bias", 0.0)), float(d.get("answer_neutral", 0.0)))  # type: ignore[arg-type]

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"embedder": self.embedder, "neutral": [round(v, 6) for v in self.neutral],
                                  "weights": [round(float(v), 6) for v in self.weights]}
        if self.answer_weights is not None:
            out |= {"answer_bias": round(self.answer_bias, 6), "answer_neutral": round(self.answer_neutral, 6),
                    "answer_weights": [round(float(v), 6) for v in self.answer_weights]}
        return out


def closest_products(qvec: np.ndarray, svecs: np.ndarray) -> np.ndarray:
    """The mean product vector q⊙s of the ``ANSWER_TOP`` sentences closest to the question: what ``ans_w`` scores."""
    top = np.argsort(-(svecs @ qvec), kind="stable")[:ANSWER_TOP]
    return (svecs[top] * qvec).mean(axis=0)


def interaction_features(model: Interaction | None, qvec: np.ndarray, svecs: np.ndarray,
                         embedder: str) -> tuple[np.ndarray, np.ndarray]:
    """``Interaction.features``, or zeros for a model fitted before there was one."""
    if model is None:
        return np.zeros(len(svecs)), np.zeros(len(svecs))
    return model.features(qvec, svecs, embedder)


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
    interaction: Interaction | None = None

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> ReaderModel:
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(d["version"]), Linear.from_json(d["sentence"]), Linear.from_json(d["ranker"]),
                       Linear.from_json(d["pool"]),
                       float(d["threshold"]), float(d.get("extra_ratio", 0.6)), int(d.get("max_sentences", 3)),
                       dict(d.get("info", {})),
                       Interaction.from_json(d["interaction"]) if d.get("interaction") else None)
        except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
            raise ValueError(f"reader model {path} is unusable ({exc}); re-run bench/train_reader.py") from exc
