"""Which sentences can answer: statements, list items, table rows, links and fields, not titles, bylines or questions."""

from __future__ import annotations

import pytest

from service.statements import bare_reply, is_item, is_statement, negated, opens_reply

TITLE = "—イノベーションを創出・促進する知財エコシステムの再構築と「新たなクールジャパン戦略」の推進に向けて—"
BYLINE = "内閣府 知的財産戦略推進事務局 参事官"
SENTENCE = "特許庁はIPASの利便性の向上を通して、スタートアップ等への知財支援を推進する。"


@pytest.mark.parametrize(("text", "statement"), [
    (SENTENCE, True),
    ("・ 代表的な戦略領域の設定(経済安全保障、環境ルール、先端技術等)", True),  # list items answer questions
    ("| みなとIPブリッジ | 無料 | 12社 |", True),  # a table row
    ("<https://www.kantei.go.jp/jp/singi/titeki2/chitekizaisan2024/pdf/siryoku2.pdf>", True),
    (TITLE, False),
    (BYLINE, False),
    ("図1 「知的財産推進計画2024」構成", False),
    ("Q. 今年度不採択だった案件を、来年度もう一度申請できますか?", False),  # a question states nothing
    # Japanese questions often end with the particle か and a full stop; an FAQ labels them.
    ("Q. 展示室で撮影した写真を、自分のSNSに投稿してもよいですか。", False),
    ("共同研究先の社員と一緒に発明した場合、相手方の社員にも報奨金が支払われますか。", False),
    ("問3：申請はいつまでですか", False),
    ("A. はい、撮影可能な作品であれば投稿していただけます。", True),  # the answer that follows is a statement
    ("Quarterly reports are published in English.", True),
    ("寄託作品、借用作品のいずれかを含むものは対象外とする。", True),
    ("Can a founder apply before incorporating?", False),
    ("発行日：2025年11月28日", True),  # a field's value answers 「発行日はいつ」
    ("受付時間: 平日9時から17時まで", True),
    # A contact line answers 「問い合わせ先は」 however long the office's name before its number.
    ("かえで市 産業振興課 創業支援係　電話：0299-55-0123（平日8時30分～17時15分）", True),
    ("法務部 知財グループ（内線2450）", True),
    # A record of a schedule or a price list answers, as a table row does; a caption does not.
    ("第2回 令和7年10月8日(水)14時から16時まで オンライン(Zoom)", True),
    ("入館料 500円", True),
    ("表1 2025年6月2日の調査結果", False),
    ("令和7年度 2025-04-01 改定", False),  # a date is no phone number
    ("内線でのお問い合わせ", False),
    ("|---|---|---|", False),  # a Markdown table's rule row says nothing
    ("| :--- | ---: |", False),
])
def test_is_statement(text: str, statement: bool) -> None:
    assert is_statement(text) is statement


@pytest.mark.parametrize(("text", "item"), [
    ("・ 代表的な戦略領域の設定", True),
    ("1. 電話で相談日時を予約する。", True),
    ("- 電話:03-5555-0187", True),
    ("発行日：2025年11月28日", False),
    (SENTENCE, False),
    ("| 退職者による持ち出し | 98件 |", True),
    ("|---|---|", False),
    # A statute's items (号) are numbered in kanji and spaced; 「一つ」「一方」 open prose.
    ("一 AGPL-3.0のOSSを、委員会の承認を得ずにSaaS型サービスに組み込むこと", True),
    ("十二 その他委員会が定める行為", True),
    ("一つの出願に最大100意匠まで含めることができます。", False),
    ("一方、生産者団体の名称の変更は届出で足ります。", False),
])
def test_is_item(text: str, item: bool) -> None:
    assert is_item(text) is item


@pytest.mark.parametrize(("text", "neg"), [
    ("次のいずれかに該当する者は、申請することができません。", True),
    ("次のいずれかに該当する出願は、助成の対象となりません。", True),
    ("助成対象外の経費", True),
    ("Which filings are not eligible?", True),
    ("What can't the clinic help with?", True),
    # Any polite negative (ません) and the plain negatives of する / される, as a rule book words its exclusions.
    ("次のものは、規程の対象としません。", True),
    ("電話での申込みは受け付けていません。", True),
    ("この規程の対象としない。", True),
    ("出願費用は補助されない。", True),
    ("説明会に参加しませんか。", False),  # an invitation, not a negation
    ("申請できるのは、次の要件をすべて満たす事業者です。", False),
    ("少ない費用で出願できます。", False),
    ("Who can apply?", False),
])
def test_negated(text: str, neg: bool) -> None:
    assert negated(text) is neg


@pytest.mark.parametrize(("text", "bare"), [
    ("A. いいえ、できません。", True),
    ("A. はい。", True),
    ("いいえ。", True),
    ("No, you can't.", True),
    ("Yes.", True),
    ("A. いいえ、義務ではありません。", False),  # it names what is not required: an answer on its own
    ("はい、申請できます。", False),
    ("No, individual farmers cannot apply here.", False),
    ("はいけい", False),
    ("Nothing else.", False),
])
def test_a_bare_reply_is_yes_or_no_and_a_predicate(text: str, bare: bool) -> None:
    assert bare_reply(text) is bare


def test_a_reply_opens_with_an_answer_label_right_after_a_question() -> None:
    assert opens_reply("A. はい、3回まで無料です。", "Q. 知財相談は無料ですか。")
    assert opens_reply("A: Yes, up to three times.", "Q: Is the consultation free?")
    assert opens_reply("答 できません。", "問1 郵送で申請できますか？")
    assert not opens_reply("A. 書類審査を行います。", "審査は二段階です。")  # an option A of a list, after prose
    assert not opens_reply("はい、できます。", "Q. 知財相談は無料ですか。")  # no label
