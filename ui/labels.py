"""UI wording in Japanese and English, the example questions, and which language a visitor gets first.

Kept free of Gradio so the choice and the wording can be tested without building a page.
"""

from __future__ import annotations

from typing import Literal

UiLang = Literal["ja", "en"]

LABELS: dict[str, dict[UiLang, str]] = {
    "title": {
        "ja": "## 知的財産推進計画2024 Q&A",
        "en": "## IP Strategic Program 2024 Q&A",
    },
    "intro": {
        "ja": "知的財産推進計画2024と登録された文書について、日本語または英語で質問できます。回答は文書の該当箇所を引用し、"
        "右(スマートフォンでは下)の「出典」に根拠の箇所を表示します。",
        "en": "Ask about Japan's Intellectual Property Strategic Program 2024 (知的財産推進計画2024) and the other "
        "indexed documents in English or Japanese. Every answer quotes the documents; the passages it rests on appear "
        "under “Sources” (below the chat on a phone).",
    },
    "lang_label": {"ja": "表示言語", "en": "Language"},
    "chat_label": {"ja": "チャット", "en": "Chat"},
    "chat_placeholder": {
        "ja": "下の例から選ぶか、質問を入力してください。",
        "en": "Pick an example below or type a question.",
    },
    "input_placeholder": {
        "ja": "質問を入力(日本語・英語)して Enter",
        "en": "Type a question (English or Japanese) and press Enter",
    },
    "send": {"ja": "送信", "en": "Send"},
    "clear": {"ja": "新しい会話", "en": "New conversation"},
    "examples": {"ja": "#### 質問の例", "en": "#### Example questions"},
    "sources": {"ja": "### 出典", "en": "### Sources"},
    "sources_empty": {
        "ja": "回答の根拠となる計画本文の箇所が、引用部分を強調してここに表示されます。",
        "en": "The passages of the plan behind each answer appear here, with the quoted span highlighted.",
    },
    "sources_loading": {"ja": "回答を作成しています…", "en": "Preparing the answer…"},
    "reference_translation": {
        "ja": "英語参考訳(非公式)",
        "en": "English reference translation (unofficial)",
    },
    "section": {"ja": "該当箇所", "en": "Section"},
    "searched_for": {"ja": "検索に使った質問", "en": "Searched for"},
    "not_grounded": {
        "ja": "回答の一部は出典で完全には確認できませんでした。引用部分を確認してください。",
        "en": "Part of the answer could not be fully confirmed against the sources; check the quoted passages.",
    },
    "abstained_title": {"ja": "文書に記載が見当たりません", "en": "Not covered by the documents"},
    "abstained_body": {
        "ja": "この質問に答える記述は、検索対象の文書には見当たりませんでした。推測による回答はしていません。",
        "en": "The indexed documents do not appear to answer this question, so no answer was guessed.",
    },
    "suggested": {"ja": "関連する可能性のある箇所", "en": "Sections that may be related"},
    "settings": {"ja": "設定", "en": "Settings"},
    "k_label": {"ja": "参照する箇所の数 (k)", "en": "Passages to retrieve (k)"},
    "mode_label": {"ja": "回答方式", "en": "Answer mode"},
    "mode_extractive": {"ja": "抜粋(本文をそのまま引用)", "en": "Extractive (quotes the text)"},
    "mode_llm": {"ja": "LLM(生成・引用を検証)", "en": "LLM (generated, citations checked)"},
    "feedback": {"ja": "#### この回答の評価", "en": "#### Rate this answer"},
    "comment_placeholder": {"ja": "コメント(任意)", "en": "Comment (optional)"},
    "good": {"ja": "👍 役に立った", "en": "👍 Helpful"},
    "bad": {"ja": "👎 問題がある", "en": "👎 Not helpful"},
    "feedback_saved": {
        "ja": "評価を保存しました(#{id})。ありがとうございます。",
        "en": "Feedback saved (#{id}). Thank you.",
    },
    "feedback_nothing": {"ja": "評価する回答がまだありません。", "en": "There is no answer to rate yet."},
    "feedback_invalid": {"ja": "評価を保存できませんでした: {reason}", "en": "The feedback could not be saved: {reason}"},
    "copy": {"ja": "📋 出典付きでコピー", "en": "📋 Copy answer with sources"},
    "copy_box": {"ja": "メール返信用テキスト", "en": "Text for an email reply"},
    "copy_nothing": {"ja": "コピーする回答がまだありません。", "en": "There is no answer to copy yet."},
    "not_ready": {
        "ja": "⚠️ 検索インデックスが読み込まれていないため、回答できません。"
        "管理者が `ipqa ingest` を実行し、サーバーを再起動してください(原因は /readyz とサーバーのログに記録されています)。",
        "en": "⚠️ The search index is not loaded, so questions cannot be answered. An administrator needs to run "
        "`ipqa ingest` and restart the server (the reason is in /readyz and the server log).",
    },
    "llm_down": {
        "ja": "⚠️ LLMに接続できなかったため、抜粋方式の回答を表示しています。",
        "en": "⚠️ The language model could not be reached, so an extractive answer is shown instead.",
    },
    "bad_question": {"ja": "⚠️ この質問は処理できません: {reason}", "en": "⚠️ This question cannot be processed: {reason}"},
    "error": {
        "ja": "⚠️ 回答の作成中にエラーが発生しました。しばらくしてからもう一度お試しください。",
        "en": "⚠️ Something went wrong while preparing the answer. Please try again in a moment.",
    },
    # Plain-text headings for the e-mail copy; chosen by the answer's language, which is the inquirer's.
    # Each source line names its document, so the heading names none (the index may hold several).
    "copy_sources": {"ja": "出典", "en": "Sources"},
    "copy_translation": {"ja": "英語参考訳(非公式)", "en": "Unofficial reference translation"},
    "copy_original": {"ja": "原文", "en": "Japanese original"},
    # The staff page (ui/staff.py, /ui/staff/).
    "staff_title": {"ja": "## 職員ページ: 質問と評価", "en": "## Staff page: questions and feedback"},
    "staff_intro": {
        "ja": "回答できなかった質問と 👎 の評価を確認できます。管理トークン(IPQA_ADMIN_TOKEN)が必要です。時刻はUTCです。",
        "en": "The questions the bot could not answer and the 👎 ratings. Needs the admin token (IPQA_ADMIN_TOKEN). "
        "Times are UTC.",
    },
    "staff_token": {"ja": "管理トークン", "en": "Admin token"},
    "staff_open": {"ja": "表示", "en": "Open"},
    "staff_refused": {"ja": "⚠️ トークンが正しくありません。", "en": "⚠️ That is not the admin token."},
    "staff_disabled": {
        "ja": "⚠️ 職員ページは無効です(サーバーに IPQA_ADMIN_TOKEN が設定されていません)。",
        "en": "⚠️ The staff page is disabled (the server has no IPQA_ADMIN_TOKEN).",
    },
    "staff_days": {"ja": "対象期間(日)", "en": "Period (days)"},
    "staff_refresh": {"ja": "更新", "en": "Refresh"},
    "staff_summary": {
        "ja": "過去{days}日: 質問 {asked} 件(うち未回答 {abstained} 件)、👎 {down} 件。",
        "en": "Last {days} days: {asked} asked, {abstained} of them unanswered; {down} 👎.",
    },
    "staff_log_off": {
        "ja": "質問ログは無効です(IPQA_QUESTION_LOG_DAYS=0)。質問の件数と未回答の質問は記録されていません。",
        "en": "The question log is off (IPQA_QUESTION_LOG_DAYS=0): questions and abstentions are not recorded.",
    },
    "staff_per_day": {"ja": "1日あたりの質問数(UTC)", "en": "Questions per day (UTC)"},
    "staff_down_per_day": {"ja": "1日あたりの 👎(UTC)", "en": "👎 per day (UTC)"},
    "staff_day": {"ja": "日付", "en": "Day"},
    "staff_count": {"ja": "件数", "en": "Count"},
    "staff_answered": {"ja": "回答", "en": "answered"},
    "staff_abstained": {"ja": "未回答", "en": "unanswered"},
    "staff_complaints": {"ja": "#### 👎 の評価とコメント(新しい順)", "en": "#### 👎 ratings and their comments, newest first"},
    "staff_col_time": {"ja": "日時(UTC)", "en": "Time (UTC)"},
    "staff_col_question": {"ja": "質問", "en": "Question"},
    "staff_col_comment": {"ja": "コメント", "en": "Comment"},
    "staff_col_answer": {"ja": "回答", "en": "Answer"},
    "staff_groups": {
        "ja": "#### 回答できなかった質問(似た質問をまとめて、多い順)",
        "en": "#### Unanswered questions, similar ones together, most asked first",
    },
    "staff_groups_empty": {"ja": "この期間に回答できなかった質問はありません。", "en": "No unanswered questions in this period."},
    "staff_group_size": {"ja": "{n} 件", "en": "{n}×"},
    "staff_last_asked": {"ja": "最終: {when}", "en": "last: {when}"},
    "staff_download_questions": {"ja": "⬇ 質問ログ (CSV)", "en": "⬇ Question log (CSV)"},
    "staff_download_feedback": {"ja": "⬇ 評価 (CSV)", "en": "⬇ Feedback (CSV)"},
}

# Startup founders and inquiry-desk staff are the two audiences the examples speak to; each question is answered by
# the bundled plan (tests/ui check that none of them abstains).
EXAMPLES: dict[UiLang, list[str]] = {
    "ja": [
        "スタートアップ向けの知財支援は？",
        "IPASとは何ですか？",
        "海賊版の被害額はどのくらい？",
        "AIと知的財産権について計画は何と言っていますか？",
        "技術流出の防止にはどう取り組みますか？",
    ],
    "en": [
        "What IP help can startups get from the JPO?",
        "What is IPAS?",
        "How large is the damage from online piracy?",
        "What does the plan say about AI and intellectual property?",
        "How will the plan prevent technology leakage?",
    ],
}


def t(key: str, lang: UiLang) -> str:
    return LABELS[key][lang]


def as_ui_lang(value: object) -> UiLang:
    return "en" if value == "en" else "ja"


def choose_lang(accept_language: str | None, override: str | None = None) -> UiLang:
    """The first UI language: an explicit ``?lang=`` wins, then the browser's preference between ja and en.

    A browser that prefers neither (say French) gets English, the more widely read of the two; no header at all
    (a script, a kiosk) gets Japanese, the language of the plan.
    """
    if override:
        code = override.strip().lower()[:2]
        if code in ("ja", "en"):
            return as_ui_lang(code)
    if not accept_language or not accept_language.strip():
        return "ja"
    best: tuple[float, int, UiLang] | None = None
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        if code not in ("ja", "en"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        # Highest quality first; among equals the one the browser listed first.
        candidate = (quality, -position, as_ui_lang(code))
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best is not None else "en"
