from __future__ import annotations

import pytest

from service.answer_types import expected_types, states


@pytest.mark.parametrize(
    ("question", "types"),
    [
        ("IPASの応募締切はいつですか？", {"date"}),
        ("When is the application deadline?", {"date"}),
        ("特許出願の手数料はいくらですか？", {"amount"}),
        ("海賊版による損失額は？", {"amount"}),
        ("What percentage of startups have an IP strategy?", {"rate"}),
        ("相談は何回まで利用できますか？", {"count:times"}),
        # A count of something named wants that thing's counter; one not named takes any count.
        ("発明評価委員会の委員は何人ですか？", {"count:people"}),
        ("How many patents does the university hold?", {"count:cases"}),
        ("How many organizations received the subsidy in fiscal 2024?", {"count:organizations"}),
        ("何団体が登録しましたか", {"count:organizations"}),
        ("How many businesses used the program?", {"count:companies"}),
        ("What's the extension number of the legal department?", {"contact:phone"}),  # no count
        ("How much is the examination fee reduced for startups?", {"figure"}),  # by how much, not a price
        ("How many free consultations can we get a year?", {"count:cases", "count:times"}),
        ("How many are there?", {"count"}),
        ("生産者は何戸ですか", {"count"}),  # any Japanese counter: households, machines, venues …
        ("セミナーは何会場で開かれますか", {"count"}),
        # A number or an address of one channel wants that channel; reaching someone by phone is contact in general.
        ("起業支援デスクの電話番号は何番ですか？", {"contact:phone"}),
        ("What is the office's fax number?", {"contact:fax"}),
        ("知的財産部門のメールアドレスは？", {"contact:email"}),
        ("申請システムのURLは何ですか？", {"contact:url"}),
        ("What is the website address of the portal?", {"contact:url"}),
        ("Can I reach the office by phone at 12:30?", {"contact"}),
        # Who may use or apply asks for the eligible, which no organisation's name answers.
        ("Who can use the clinic?", set()),
        ("Who is eligible for the subsidy?", set()),
        ("このクリニックは誰が使えるの？", set()),
        ("対象者は誰ですか", set()),
        ("申請できないのは誰ですか", set()),
        ("その支援は誰が実施していますか？", {"who"}),
        ("Which agency runs IPAS?", {"who"}),
        ("Who is the Prime Minister of Japan?", {"person"}),
        ("今の日本の首相は誰？", {"person"}),
        ("担当者の名前を教えて", {"person"}),
        ("What is the name of the current minister?", {"person"}),
        # Any head of a unit and a role a text introduces people by: the question asks for the holder's name.
        ("ブランド推進課の課長は誰ですか？", {"person"}),
        ("知的財産部門の部門長はどなたですか？", {"person"}),
        ("第2回セミナーの講師は誰ですか？", {"person"}),
        ("Who is the head of the startup support desk?", {"person"}),
        ("Who is the community manager at Minato Base?", {"person"}),
        # Who fills an office is answered by its title (「委員長は知的財産部長とする」); a thing's name is no person's.
        ("発明審査委員会の委員長は誰が務めますか？", {"who"}),
        ("政府が示した指針の名前は？", set()),
        ("What is the name of the guideline?", set()),
        ("野菜の名前で出願する予定です。県の補助金は受けられますか？", set()),
        ("知的財産戦略本部のトップは誰ですか？", {"who"}),  # the office answers it
        ("How long does the mentoring last?", {"duration"}),
        # A span counted in days is a duration (answered by 「30日以内」), and still a count.
        ("Within how many days is the decision made?", {"duration", "count"}),
        ("面談は何分くらいですか", {"duration"}),
        ("問い合わせ先の電話番号を教えて", {"contact:phone"}),
        ("Where is the consultation room?", {"place"}),
        ("違反した場合の罰則は？", {"penalty"}),
        ("スタートアップ向けの知財支援は？", set()),
        ("What does the plan say about generative AI?", set()),
        # A value noun under "what kind of" asks for the kinds: the list of costs, not an amount.
        ("どんな費用が助成の対象になりますか？", set()),
        ("What kinds of fees apply?", set()),
        ("what costs are covered", set()),
        ("What is the cost of the course?", {"amount"}),
        ("What fee do I pay?", {"amount"}),
        ("どの機関が担当していますか", {"who"}),
        ("窓口の受付時間は何時から何時までですか？", {"contact", "date"}),
        ("What are the opening hours of the desk?", {"date"}),
        ("作業には何時間かかりますか", {"duration"}),
        # "who" after a noun, a preposition or another interrogative is a relative or embedded pronoun.
        ("ppl who quit n take stuff... do companies make them sign smth?", set()),
        ("How often was it outsiders, such as clients, who noticed the leak?", set()),
        ("How regularly should a firm review the records of who copied files?", set()),
        ("so im a student doing RA work, who owns my invention??", {"who"}),
        ("Do you know who runs IPAS?", {"who"}),
        ("Where should I send questions about starting a company?", {"contact"}),
        ("起業についてはどこに相談すればいいですか", {"contact"}),
        ("Where is the briefing session held?", {"place"}),
        # A change asked "how much" is stated by any figure (「356件から約16%増えました」), not by a price.
        ("How much did consultations grow compared with the previous year?", {"figure"}),
        ("How much does the consultation cost?", {"amount"}),
        # Whether a desk is open at some time is answered by its hours.
        ("Is the help desk open on Saturdays?", {"date"}),
        ("Are you open to new members?", set()),
        # An interrogative typed in hiragana asks what its kanji does; 「なんか」 (something) asks nothing.
        ("さいだいなんけんまで申請できる？", {"count:cases"}),
        ("セミナーはなんじから？", {"date"}),
        ("なんかいい方法ある？", set()),
        # A phone or fax "number of" an office is an address, not a count; the number of members is one.
        ("What is the fax number of the support office?", {"contact:fax"}),
        ("What is the phone number of the help desk?", {"contact:phone"}),
        # An extension is a phone number.
        ("Could you tell me the extension number for the IP division?", {"contact:phone"}),
        ("知財部の内線番号は？", {"contact:phone"}),
        ("What is the number of members?", {"count:people"}),
        # Who will fill a role asks for a person as "who is" does.
        ("Who will be the lecturer at the second seminar?", {"person"}),
        ("Who's the head of the office?", {"person"}),
        # 何日 counts days before a verb or a degree (「何日もらえる」「何日くらいで」), and asks for a date before に or です.
        ("有給休暇は入社1年目で何日もらえますか。", {"duration"}),
        ("補助金は何日くらいで振り込まれますか？", {"duration"}),
        ("セミナーは何月何日ですか", {"date"}),
        ("締切は何日でしょうか", {"date"}),
        # The kind of penalty is the penalty; a penalty as the topic asks what the text says.
        ("決まりを破った社員は、どういう罰を受けるおそれがある？", {"penalty"}),
        ("What kind of penalty applies?", {"penalty"}),
        ("罰則について計画は何と言っていますか", set()),
    ],
)
def test_question_types_come_from_interrogatives(question: str, types: set[str]) -> None:
    assert expected_types(question) == types


@pytest.mark.parametrize(
    ("text", "kind", "stated"),
    [
        ("応募締切は2025年5月30日です。", "date", True),
        ("インターネット上の海賊版被害額は2022年で約2兆円に達し", "amount", True),
        ("上限は1件あたり40万円です。", "amount", True),
        ("スタートアップは半分程度であり", "rate", True),
        ("日本は主要国と比べ低い", "rate", False),
        ("特許庁が実施している知財アクセラレーションプログラム", "who", True),
        ("電話:012-555-0184", "contact", True),
        ("申請はポータル(https://portal.example.jp/apply)から行います。", "contact:url", True),
        ("操作の問い合わせはヘルプデスク(内線2200)へ。", "contact:url", False),
        ("知財支援を推進する。", "date", False),
        # A deadline relative to an event answers "by when" as well as a calendar date does.
        ("届出書は学会発表の60日前までに提出してください。", "date", True),
        ("事業完了の日から30日以内に報告する。", "date", True),
        ("Submit the report within 30 days of completion.", "date", True),
        ("相談日の3営業日前までに申し込む。", "date", True),
        ("2年目の課題を整理する。", "date", False),
        ("担当者による事前面談(約60分)を受ける。", "duration", True),
        ("受理から30日以内に判断する。", "duration", True),
        ("助成率は3分の2以内です。", "duration", False),
        ("入居期間は最長5年です。", "duration", True),
        ("設立3年の企業を対象とする。", "duration", True),
        ("令和7年度の募集", "duration", False),
        ("2年目の課題を整理する。", "duration", False),
        ("相談は毎週水曜日の13:00から17:00まで受け付けます。", "date", True),
        ("受付時間は平日9時30分から17時までです。", "date", True),
        ("The desk is open on Wednesdays.", "date", True),
        ("みなと市産業振興会館4階の大会議室で開催します。", "place", True),
        ("審査は100点満点で、各項目25点です。", "count", True),
        ("生産者は46戸から58戸に増えた。", "count", True),
        ("県内4会場で開催します。", "count", True),
        ("日本の技術を守る。", "count", False),
        ("四つの観点から評価します。", "count:people", False),
        ("委員は7名です。", "count:people", True),
        ("回答企業の31.6%が特定している。", "count:companies", True),  # a proportion of companies
        ("回答企業の31.6%が特定している。", "count:cases", False),
        # Businesses and bodies are counted with 者 as well; organisations with 団体 or 機関, not with 人.
        ("令和6年度の利用者は38者でした。", "count:companies", True),
        ("県は5団体に交付しました。", "count:organizations", True),
        ("12機関が参加した。", "count:organizations", True),
        ("委員は7名です。", "count:organizations", False),
        ("年3回まで無料です。", "count:times", True),
        ("必要に応じて、2回目以降の相談を予約する。", "count", False),  # an ordinal: which one, not how many
        ("3つ目は標準である。", "count", False),
        ("必要に応じて、2回目以降の相談を予約する。", "count:times", False),
        ("2人目の相談員が同席する。", "count:people", False),
        ("There are 12 registered lawyers.", "count:people", True),
        ("参加費:無料(事前申込制)", "amount", True),  # a price of nothing answers "is there a fee"
        ("Admission is free of charge.", "amount", True),
        ("自由に参加できます。", "amount", False),
        ("電話:03-5555-0187", "contact:phone", True),
        ("メール:startup@hokushin-u.example.jp", "contact:phone", False),
        ("電話でご相談ください。", "contact:phone", False),
        ("FAX:045-555-0279", "contact:fax", True),
        # An extension is a phone number: 「内線は」 and "extension number" are answered by it.
        ("法務部 知財グループ（内線2450）", "contact:phone", True),
        ("Startups receive a two-thirds reduction of the fee.", "figure", True),
        ("手数料が半額になります。", "figure", True),
        ("法務部 知財グループ（内線2450）", "contact", True),
        ("Legal department (ext. 2450)", "contact:phone", True),
        ("内線でご連絡ください。", "contact:phone", False),
        ("メール:startup@hokushin-u.example.jp", "contact:email", True),
        ("登録弁護士・弁理士12名が交代で対応する。", "who", True),
        # A class of people answers "who" as an organisation does; a count of people does not.
        ("対象は正社員と嘱託社員です。", "who", True),
        ("権利はその相続人が引き継ぐ。", "who", True),
        ("参加者数は前年より増えた。", "who", False),
        # "Where do I report it?" is answered by an office as often as by a place.
        ("不正な表示は県の消費生活課へ通報できます。", "place", True),
        ("届出は特許庁の受付窓口で受け付けます。", "place", True),
        ("報告書は毎年提出します。", "place", False),
        # Discipline at work is a penalty.
        ("違反者には、けん責、減給その他の懲戒処分を行う。", "penalty", True),
        # Varieties and kinds are counted with their own counters.
        ("これまでに14品種が品種登録されています。", "count", True),
        ("対象となる経費は3種です。", "count", True),
        # Saying that nothing is paid states a price, as 「無料」 does; a step that is not needed states none.
        ("利用者の費用負担はありません。", "amount", True),
        ("There is no fee for the first visit.", "amount", True),
        ("事前の申請は不要です。", "amount", False),
    ],
)
def test_evidence_states_a_fact_of_the_type(text: str, kind: str, stated: bool) -> None:
    assert states(text, kind) is stated
