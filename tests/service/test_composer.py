from __future__ import annotations

import pytest

from ingest.contracts import Hit
from service.composer import candidates, is_statement

TITLE = "—イノベーションを創出・促進する知財エコシステムの再構築と「新たなクールジャパン戦略」の推進に向けて—"
BYLINE = "内閣府 知的財産戦略推進事務局 参事官"
SENTENCE = "特許庁はIPASの利便性の向上を通して、スタートアップ等への知財支援を推進する。"


@pytest.mark.parametrize(("text", "statement"), [
    (SENTENCE, True),
    ("・ 代表的な戦略領域の設定(経済安全保障、環境ルール、先端技術等)", True),  # list items answer questions
    ("<https://www.kantei.go.jp/jp/singi/titeki2/chitekizaisan2024/pdf/siryoku2.pdf>", True),
    (TITLE, False),
    (BYLINE, False),
    ("図1 「知的財産推進計画2024」構成", False),
])
def test_is_statement(text: str, statement: bool) -> None:
    assert is_statement(text) is statement


def test_titles_and_bylines_are_never_answer_candidates() -> None:
    text = f"{TITLE}\n\n{BYLINE}\n\n{SENTENCE}"
    hit = Hit(rank=1, score=1.0, chunk_id="c", doc_id="d", section_path=[], text=text, start=100, end=100 + len(text))
    cands = candidates([hit], {})
    assert [c.text for c in cands] == [SENTENCE]
    assert text[cands[0].start - 100 : cands[0].end - 100] == SENTENCE
