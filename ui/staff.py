"""The staff page, mounted at ``/ui/staff/`` next to the public chat: recent 👎 with their comments, the questions the
bot could not answer grouped by similarity, counts per day, and CSV downloads.

It asks for the admin token (``IPQA_ADMIN_TOKEN``) and shows nothing else until given it. The page is built empty and
every handler checks the token it is sent, so neither the page's config nor a direct call to its queue reveals a row
without the token. ``StaffDesk`` is the part without Gradio (tested in plain tests); ``build_staff_blocks`` is the page.
"""

from __future__ import annotations

import os

# Read by Gradio at import time, as in ui/web.py: the staff page shows inquirers' questions.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import html  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from core.embedders import EmbedderError  # noqa: E402
from core.logging import get_logger  # noqa: E402
from core.settings import Settings  # noqa: E402
from service.csv_export import csv_bytes  # noqa: E402
from service.engine import Engine  # noqa: E402
from service.feedback import FeedbackRecord, FeedbackStore  # noqa: E402
from service.http_support import token_matches  # noqa: E402
from service.question_groups import QuestionGroup, group_questions  # noqa: E402
from service.question_log import QuestionLog, QuestionRecord  # noqa: E402
from ui.labels import UiLang, as_ui_lang, choose_lang, t  # noqa: E402

log = get_logger("ipqa.staff")

# Rows read for one view of the page. The staff page is a review of recent weeks, not an archive; the CSV download
# takes more, since a spreadsheet copes with more rows than a page does.
VIEW_ROWS = 1000
CSV_ROWS = 10_000
COMPLAINT_ROWS = 200
DEFAULT_DAYS = 30
_EMBED_CACHE_MAX = 20_000
_DOWNLOAD_MAX_AGE_S = 3600.0


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def groups_html(groups: Sequence[QuestionGroup], lang: UiLang) -> str:
    if not groups:
        return f'<div class="ipqa-groups"><p class="ipqa-empty">{html.escape(t("staff_groups_empty", lang))}</p></div>'
    parts = ['<div class="ipqa-groups">']
    for group in groups:
        head, *rest = group.questions
        parts.append('<div class="ipqa-group">')
        parts.append(f'<div class="ipqa-group-head"><span class="ipqa-group-n">'
                     f'{html.escape(t("staff_group_size", lang).format(n=group.size))}</span> '
                     f'<span class="ipqa-group-q">{html.escape(head[0])}</span></div>')
        if rest:
            items = "".join(f'<li>{html.escape(text)} <span class="ipqa-group-x">×{n}</span></li>' for text, n in rest)
            parts.append(f"<ul>{items}</ul>")
        when = html.escape(t("staff_last_asked", lang).format(when=_when(group.last_asked)))
        parts.append(f'<div class="ipqa-group-when">{when}</div></div>')
    parts.append("</div>")
    return "".join(parts)


@dataclass
class StaffView:
    """Everything one look at the page shows."""

    summary: str
    per_day: pd.DataFrame
    down_per_day: pd.DataFrame
    complaints: pd.DataFrame
    groups: str
    questions_csv: Path
    feedback_csv: Path


def _days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=i) for i in range((until - since).days + 1)]


class StaffDesk:
    def __init__(self, settings: Settings, feedback: FeedbackStore, questions: QuestionLog, engine: Engine) -> None:
        self.settings = settings
        self.feedback = feedback
        self.questions = questions
        self.engine = engine
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._downloads: Path | None = None  # made on the first view, so a page nobody opens leaves no folder

    @property
    def enabled(self) -> bool:
        token = self.settings.admin_token
        return token is not None and bool(token.get_secret_value())

    def authorized(self, given: str | None) -> bool:
        token = self.settings.admin_token
        if token is None or not token.get_secret_value():
            return False
        return token_matches((given or "").strip(), token.get_secret_value())

    @property
    def max_days(self) -> int:
        return max(7, min(365, self.questions.retention_days or 90))

    def encode(self, texts: list[str]) -> np.ndarray:
        """Query embeddings, cached: the same unanswered questions come back on every refresh."""
        with self._lock:
            missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:
            fresh = self.engine.embedder.encode(missing, is_query=True)
            with self._lock:
                if len(self._vectors) + len(missing) > _EMBED_CACHE_MAX:
                    self._vectors.clear()
                self._vectors.update(zip(missing, fresh, strict=True))
        with self._lock:
            return np.stack([self._vectors[text] for text in texts])

    def _encoder(self) -> Callable[[list[str]], np.ndarray] | None:
        try:
            _ = self.engine.embedder
        except EmbedderError as exc:
            log.warning("staff_grouping_without_embedder", reason=str(exc))
            return None
        return self.encode

    def view(self, days: int, lang: UiLang, now: datetime | None = None) -> StaffView:
        days = max(1, min(self.max_days, int(days)))
        today = (now or datetime.now(UTC)).astimezone(UTC).date()
        first = today - timedelta(days=days - 1)
        since = datetime(first.year, first.month, first.day, tzinfo=UTC)

        per_day = {d.day: d for d in self.questions.per_day(since)}
        down = self.feedback.per_day(since, rating=-1)
        window = _days(first, today)
        answered_label, abstained_label = t("staff_answered", lang), t("staff_abstained", lang)
        questions_frame = pd.DataFrame(
            [{"day": d.isoformat(), "series": answered_label, "count": per_day[d].asked - per_day[d].abstained
              if d in per_day else 0} for d in window]
            + [{"day": d.isoformat(), "series": abstained_label, "count": per_day[d].abstained if d in per_day else 0}
               for d in window])
        down_frame = pd.DataFrame([{"day": d.isoformat(), "series": "👎", "count": down.get(d, 0)} for d in window])

        complaints = self.feedback.recent(rating=-1, since=since, limit=COMPLAINT_ROWS)
        complaints_frame = pd.DataFrame(
            [[_when(c.created), c.question, c.comment or "", c.answer[:300]] for c in complaints],
            columns=[t("staff_col_time", lang), t("staff_col_question", lang), t("staff_col_comment", lang),
                     t("staff_col_answer", lang)])

        unanswered = self.questions.recent(abstained=True, since=since, limit=VIEW_ROWS)
        groups = group_questions(unanswered, self._encoder())

        asked = sum(d.asked for d in per_day.values())
        abstained = sum(d.abstained for d in per_day.values())
        summary = t("staff_summary", lang).format(days=days, asked=asked, abstained=abstained, down=sum(down.values()))
        if not self.questions.enabled:
            summary += "\n\n" + t("staff_log_off", lang)
        questions_csv, feedback_csv = self._write_downloads(since)
        return StaffView(summary, questions_frame, down_frame, complaints_frame, groups_html(groups, lang),
                         questions_csv, feedback_csv)

    def _write_downloads(self, since: datetime) -> tuple[Path, Path]:
        """The same CSV the admin API gives. Each view writes its own files (two staff may refresh at once); old
        ones are swept, and Gradio's copies expire with the page's cache (``delete_cache``)."""
        with self._lock:
            if self._downloads is None:
                self._downloads = Path(tempfile.mkdtemp(prefix="ipqa-staff-"))
            downloads = self._downloads
        self._sweep(downloads)
        stamp = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{time.monotonic_ns() % 1_000_000:06d}"
        folder = downloads / stamp
        folder.mkdir(parents=True, exist_ok=True)
        questions = folder / f"ipqa-questions-{stamp[:15]}.csv"
        questions.write_bytes(csv_bytes(QuestionRecord, self.questions.recent(since=since, limit=CSV_ROWS)))
        feedback = folder / f"ipqa-feedback-{stamp[:15]}.csv"
        feedback.write_bytes(csv_bytes(FeedbackRecord, self.feedback.recent(since=since, limit=CSV_ROWS)))
        return questions, feedback

    @staticmethod
    def _sweep(downloads: Path) -> None:
        cutoff = time.time() - _DOWNLOAD_MAX_AGE_S
        for path in downloads.glob("*/*.csv"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    path.parent.rmdir()
            except OSError:
                pass  # another view is sweeping the same folder


STAFF_CSS = """
#ipqa-staff-status p { margin: 0; }
.ipqa-groups { line-height: 1.6; }
.ipqa-group { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .5rem .75rem;
  margin: 0 0 .6rem 0; background: var(--block-background-fill); }
.ipqa-group-head { font-weight: 600; overflow-wrap: anywhere; }
.ipqa-group-n { display: inline-block; min-width: 3.5em; color: var(--color-accent); }
.ipqa-group ul { margin: .25rem 0 0 1.2rem; overflow-wrap: anywhere; }
.ipqa-group-x, .ipqa-group-when { font-size: .88em; color: var(--body-text-color-subdued); }
"""


def _empty_plot() -> pd.DataFrame:
    return pd.DataFrame({"day": pd.Series(dtype=str), "series": pd.Series(dtype=str), "count": pd.Series(dtype=int)})


def build_staff_blocks(desk: StaffDesk) -> gr.Blocks:
    # Gradio's cached copies of the CSV downloads go after an hour: they hold inquirers' questions.
    with gr.Blocks(title="ipqa — staff", analytics_enabled=False, delete_cache=(3600, 3600)) as page:
        header = gr.Markdown(elem_id="ipqa-staff-header")
        with gr.Row(equal_height=True) as prompt:
            token = gr.Textbox(type="password", elem_id="ipqa-staff-token", max_lines=1, scale=4)
            open_button = gr.Button(variant="primary", elem_id="ipqa-staff-open", scale=1, min_width=90)
        status = gr.Markdown(elem_id="ipqa-staff-status")
        lang = gr.State("ja")
        with gr.Column(visible=False, elem_id="ipqa-staff-content") as content:
            with gr.Row(equal_height=True):
                days = gr.Slider(1, desk.max_days, value=min(DEFAULT_DAYS, desk.max_days), step=1,
                                 elem_id="ipqa-staff-days", scale=4)
                refresh = gr.Button(elem_id="ipqa-staff-refresh", scale=1, min_width=90)
            summary = gr.Markdown(elem_id="ipqa-staff-summary")
            with gr.Row():
                per_day = gr.BarPlot(_empty_plot(), x="day", y="count", color="series", sort="x", height=240,
                                     elem_id="ipqa-staff-per-day", x_label_angle=-45)
                down_per_day = gr.BarPlot(_empty_plot(), x="day", y="count", color="series", sort="x", height=240,
                                          elem_id="ipqa-staff-down-per-day", x_label_angle=-45,
                                          color_map={"👎": "#d97706"})
            complaints_title = gr.Markdown()
            complaints = gr.Dataframe(elem_id="ipqa-staff-complaints", interactive=False, wrap=True,
                                      latex_delimiters=[], max_height=520, datatype="str")
            groups_title = gr.Markdown()
            groups = gr.HTML(elem_id="ipqa-staff-groups", padding=False)
            with gr.Row():
                download_questions = gr.DownloadButton(elem_id="ipqa-staff-dl-questions", size="sm")
                download_feedback = gr.DownloadButton(elem_id="ipqa-staff-dl-feedback", size="sm")

        def on_load(request: gr.Request) -> list[Any]:
            headers = request.headers if request is not None else {}
            params = request.query_params if request is not None else {}
            ui_lang = choose_lang(headers.get("accept-language"), params.get("lang"))
            return [
                ui_lang,
                t("staff_title", ui_lang) + "\n\n" + t("staff_intro", ui_lang),
                gr.update(visible=desk.enabled),
                gr.update(label=t("staff_token", ui_lang)),
                gr.update(value=t("staff_open", ui_lang)),
                "" if desk.enabled else t("staff_disabled", ui_lang),
                gr.update(label=t("staff_days", ui_lang)),
                gr.update(value=t("staff_refresh", ui_lang)),
                gr.update(title=t("staff_per_day", ui_lang), x_title=t("staff_day", ui_lang),
                          y_title=t("staff_count", ui_lang), color_title=""),
                gr.update(title=t("staff_down_per_day", ui_lang), x_title=t("staff_day", ui_lang),
                          y_title=t("staff_count", ui_lang), color_title=""),
                t("staff_complaints", ui_lang),
                t("staff_groups", ui_lang),
                gr.update(label=t("staff_download_questions", ui_lang)),
                gr.update(label=t("staff_download_feedback", ui_lang)),
            ]

        page.load(on_load, None, [lang, header, prompt, token, open_button, status, days, refresh, per_day,
                                  down_per_day, complaints_title, groups_title, download_questions, download_feedback],
                  api_visibility="private", show_progress="hidden")

        def show(given: str | None, period: float, lang_value: str) -> list[Any]:
            ui_lang = as_ui_lang(lang_value)
            if not desk.authorized(given):
                if given:
                    log.warning("staff_token_refused")
                notice = t("staff_refused", ui_lang) if desk.enabled else t("staff_disabled", ui_lang)
                # Everything shown before is taken away again: a wrong token after a right one sees nothing.
                return [notice, gr.update(visible=False), "", _empty_plot(), _empty_plot(), pd.DataFrame(), "",
                        gr.update(value=None), gr.update(value=None)]
            view = desk.view(int(period or DEFAULT_DAYS), ui_lang)
            return ["", gr.update(visible=True), view.summary, view.per_day, view.down_per_day, view.complaints,
                    view.groups, gr.update(value=str(view.questions_csv)), gr.update(value=str(view.feedback_csv))]

        outputs = [status, content, summary, per_day, down_per_day, complaints, groups, download_questions,
                   download_feedback]
        options: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": 2, "show_progress": "minimal"}
        open_button.click(show, [token, days, lang], outputs, **options)
        token.submit(show, [token, days, lang], outputs, **options)
        refresh.click(show, [token, days, lang], outputs, **options)
        days.release(show, [token, days, lang], outputs, **options)
    return page
