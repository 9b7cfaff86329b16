"""Words spelled in kana, found among the index's nouns by their reading (retriever/kana.py)."""

from __future__ import annotations

from core.settings import Settings
from retriever.kana import KanaIndex, katakana, spelled_interrogatives
from retriever.terms import TermStats
from retriever.tokenize import SudachiTokenizer, get_tokenizer
from service.question import QuestionTerms


def _reader() -> SudachiTokenizer:
    tok = get_tokenizer("sudachi")
    assert isinstance(tok, SudachiTokenizer)
    return tok


def test_katakana_of_hiragana() -> None:
    assert katakana("じょせいきんー") == "ジョセイキンー"
    assert katakana("助成金とセミナー") == "助成金トセミナー"  # kanji and katakana stay as they are


def test_a_word_spelled_in_hiragana_is_the_index_noun_it_reads_as() -> None:
    index = KanaIndex(["助成金", "前払い", "学生", "相談"], _reader().reading)
    assert index.recover("じょせいきんって先にもらえる？まえばらいある？") == ["助成金", "前払い"]
    assert index.recover("がくせいでもそうだんできる？") == ["学生", "相談"]
    # A word the index does not hold is not invented, and kanji or katakana are left to the analyzer.
    assert index.recover("ほけんしょうはいる？") == []
    assert index.recover("学生の相談") == []


def test_a_loanword_spelled_in_hiragana_is_the_index_katakana_noun() -> None:
    index = KanaIndex(["セミナー", "ガイドライン", "メール"], _reader().reading)
    assert index.recover("せみなー電話でもうしこめますか") == ["セミナー"]
    assert index.recover("がいどらいんってどこ？") == ["ガイドライン"]
    assert index.recover("めーるでいい？") == []  # three kana: too short to trust


def test_short_readings_and_adverbs_are_not_recovered() -> None:
    # 位 (くらい) and 同意 (どうい) would meet inside any hiragana; 殆ど (ほとんど) is an adverb spelled in kana anyway.
    index = KanaIndex(["位", "同意", "殆ど"], _reader().reading)
    assert index.recover("どのくらいかかる？どういう手順？ほとんどない") == []


def test_question_terms_see_the_recovered_word() -> None:
    stats = TermStats([["助成金", "支払"], ["前払い", "精算"], ["申請", "書類"]], [])
    terms = QuestionTerms("じょせいきんって先にもらえる？", stats)
    assert "助成金" in terms.ja and "助成金" in terms.nouns


def test_the_lexical_channel_searches_the_recovered_word(small_index_settings: Settings) -> None:
    from retriever.factory import load_retriever

    r = load_retriever(small_index_settings)
    # Sudachi alone reads 「ちょさくけん」 as 一寸 + さく + けん, which no passage holds.
    assert "著作権" not in r._tokenize("ちょさくけんのかんがえかた")
    channels, _ = r.channels("ちょさくけんのかんがえかた", "ja", 10)
    top = r.chunks[channels["lexical"][0][0]]
    assert "著作権" in top.text


def test_an_interrogative_counter_typed_in_hiragana_is_written_in_kanji() -> None:
    assert spelled_interrogatives("さいだいなんけんまで申請できる？") == "さいだい何件まで申請できる？"
    assert spelled_interrogatives("なんねんかん保管するの") == "何年間保管するの"
    assert spelled_interrogatives("相談はなんかい?") == "相談は何回?"
    # The counter ends at a particle or the end of the kana: 「なんかいい」 (something good) and なんで (why) stay.
    assert spelled_interrogatives("なんかいい方法ある？なんで？") == "なんかいい方法ある？なんで？"


def test_question_terms_read_a_hiragana_counter_as_the_interrogative() -> None:
    terms = QuestionTerms("さいだいなんけんまで申請できる？", TermStats([["申請", "件数"]], []))
    assert terms.types == {"count:cases"}
    assert not terms.names  # 「けん」 is not a proper noun the documents must mention
