"""The web UI: a Gradio Blocks page mounted at ``/ui`` in the FastAPI app that ``ipqa serve`` runs.

``build_app`` wraps ``service.api.create_app`` rather than the other way round, so the service never imports the UI.
The page talks to the answer service and the feedback store in-process (see ui/controller.py).
"""

from __future__ import annotations

import os

# Read by Gradio at import time; inquiry-desk questions must not leave the machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.responses import RedirectResponse  # noqa: E402

from core.settings import Settings  # noqa: E402
from service.api import create_app  # noqa: E402
from service.engine import Engine  # noqa: E402
from ui.controller import K_MAX, LastAnswer, UiController  # noqa: E402
from ui.labels import EXAMPLES, UiLang, as_ui_lang, choose_lang, t  # noqa: E402
from ui.staff import STAFF_CSS, StaffDesk, build_staff_blocks  # noqa: E402

UI_PATH = "/ui"
STAFF_PATH = "/ui/staff"

# Named system fonts only: a gr.themes.GoogleFont (or a LocalFont without Japanese glyphs) would either fetch from
# the internet or render the plan's text in a fallback chosen by chance. Plain strings add no stylesheet at all.
FONT_STACK = [
    "'Hiragino Sans'", "'Hiragino Kaku Gothic ProN'", "'Noto Sans CJK JP'", "'Noto Sans JP'", "'IPAPGothic'",
    "'IPAGothic'", "'Yu Gothic UI'", "Meiryo", "'Segoe UI'", "Roboto", "'Helvetica Neue'", "Arial", "sans-serif",
]
MONO_STACK = ["ui-monospace", "'SFMono-Regular'", "Menlo", "Consolas", "'IPAGothic'", "monospace"]

CSS = """
.gradio-container { max-width: 1200px !important; }
#ipqa-lang { max-width: 260px; margin-left: auto; }
#ipqa-lang label { white-space: nowrap; }
#ipqa-notice p { margin: 0; padding: .5rem .75rem; border-radius: 6px; border-left: 4px solid #d97706;
  background: rgba(217, 119, 6, .10); }
#ipqa-examples button { white-space: normal; text-align: left; flex: 1 1 14rem; }
.ipqa-sources { line-height: 1.7; }
.ipqa-empty { color: var(--body-text-color-subdued); }
.ipqa-src { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6rem .8rem;
  margin: 0 0 .7rem 0; background: var(--block-background-fill); }
.ipqa-src-head { font-weight: 600; }
.ipqa-n { color: var(--color-accent); margin-right: .25rem; }
.ipqa-path { font-size: .88em; color: var(--body-text-color-subdued); overflow-wrap: anywhere; }
.ipqa-sep { margin: 0 .15rem; }
.ipqa-passage { margin: .45rem 0; padding: 0 0 0 .7rem; border-left: 3px solid var(--border-color-accent);
  white-space: pre-wrap; overflow-wrap: anywhere; }
.ipqa-sources mark { background: #ffe38a; color: #1f1f1f; padding: 0 .1em; border-radius: 2px; }
.ipqa-en summary { cursor: pointer; font-size: .88em; color: var(--body-text-color-subdued); }
.ipqa-en p { margin: .35rem 0 0 0; font-size: .92em; overflow-wrap: anywhere; }
.ipqa-abstained { border-left: 4px solid #d97706; background: rgba(217, 119, 6, .08); padding: .6rem .8rem;
  border-radius: 6px; }
.ipqa-abstained ul { margin: .2rem 0 0 1.1rem; }
.ipqa-warn, .ipqa-rewritten { font-size: .9em; color: var(--body-text-color-subdued); }
@media (max-width: 640px) {
  .gradio-container { padding: 0 6px !important; }
  #ipqa-lang { max-width: none; }
  #ipqa-chat { height: 55vh !important; }
}
"""

# Runs in the browser after "copy": the text is also left visible in a box, for browsers that refuse clipboard access.
COPY_JS = """
(text) => {
  if (text && navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).catch(() => {}); }
  return [];
}
"""


def theme() -> gr.themes.Base:
    return gr.themes.Default(font=FONT_STACK, font_mono=MONO_STACK)


def _notice(text: str) -> Any:
    return gr.update(value=text, visible=bool(text))


def _mode_choices(ctrl: UiController, lang: UiLang) -> list[tuple[str, str]]:
    choices = [(t("mode_extractive", lang), "extractive")]
    if ctrl.llm_offered:
        choices.append((t("mode_llm", lang), "llm"))
    return choices


def build_blocks(ctrl: UiController) -> gr.Blocks:
    with gr.Blocks(title="ipqa — 知的財産推進計画2024 Q&A", analytics_enabled=False) as demo:
        last = gr.State(None)
        with gr.Row(equal_height=False):
            # Columns (not bare components) so that on a phone the toggle wraps under the title instead of squeezing it.
            with gr.Column(scale=4, min_width=300):
                header = gr.Markdown(elem_id="ipqa-header")
            with gr.Column(scale=1, min_width=200):
                lang = gr.Radio(
                    choices=[("日本語", "ja"), ("English", "en")], value="ja", label=t("lang_label", "ja"),
                    elem_id="ipqa-lang", container=False,
                )
        notice = gr.Markdown(elem_id="ipqa-notice", visible=False)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    elem_id="ipqa-chat", height="min(62vh, 600px)", buttons=[], feedback_options=None,
                    latex_delimiters=[], sanitize_html=True, render_markdown=False, layout="bubble",
                )
                with gr.Row(equal_height=True):
                    msg = gr.Textbox(elem_id="ipqa-input", show_label=False, lines=1, max_lines=5, scale=5,
                                     container=False, autofocus=True)
                    send = gr.Button(elem_id="ipqa-send", variant="primary", scale=1, min_width=72)
                examples_md = gr.Markdown()
                with gr.Row(elem_id="ipqa-examples"):
                    example_buttons = [
                        gr.Button(q, size="sm", elem_classes=["ipqa-example"], min_width=120) for q in EXAMPLES["ja"]
                    ]
                clear = gr.Button(elem_id="ipqa-clear", size="sm", variant="secondary")
            with gr.Column(scale=2, min_width=300):
                sources_title = gr.Markdown()
                sources = gr.HTML(elem_id="ipqa-sources", padding=False)
                feedback_md = gr.Markdown()
                comment = gr.Textbox(elem_id="ipqa-comment", show_label=False, lines=1, max_lines=4, container=False)
                with gr.Row():
                    good = gr.Button(elem_id="ipqa-good", size="sm", min_width=100)
                    bad = gr.Button(elem_id="ipqa-bad", size="sm", min_width=100)
                feedback_status = gr.Markdown(elem_id="ipqa-feedback-status")
                copy_button = gr.Button(elem_id="ipqa-copy", size="sm", variant="secondary")
                copy_box = gr.Textbox(elem_id="ipqa-copy-text", lines=8, max_lines=20, buttons=["copy"],
                                      interactive=False, visible=False)
                with gr.Accordion(open=False, elem_id="ipqa-settings") as settings_box:
                    k = gr.Slider(1, K_MAX, value=ctrl.default_k, step=1, elem_id="ipqa-k")
                    mode = gr.Radio(value=ctrl.default_mode, elem_id="ipqa-mode", visible=ctrl.llm_offered,
                                    choices=_mode_choices(ctrl, "ja"))

        labelled = [header, chatbot, msg, send, clear, examples_md, *example_buttons, sources_title, sources,
                    feedback_md, comment, good, bad, copy_button, copy_box, settings_box, k, mode, notice]

        def labels(ui_lang: UiLang, last_answer: LastAnswer | None) -> list[Any]:
            return [
                t("title", ui_lang) + "\n\n" + t("intro", ui_lang),
                gr.update(label=t("chat_label", ui_lang), placeholder=t("chat_placeholder", ui_lang)),
                gr.update(placeholder=t("input_placeholder", ui_lang)),
                gr.update(value=t("send", ui_lang)),
                gr.update(value=t("clear", ui_lang)),
                t("examples", ui_lang),
                *[gr.update(value=q) for q in EXAMPLES[ui_lang]],
                t("sources", ui_lang),
                ctrl.sources(last_answer, ui_lang),
                t("feedback", ui_lang),
                gr.update(placeholder=t("comment_placeholder", ui_lang)),
                gr.update(value=t("good", ui_lang)),
                gr.update(value=t("bad", ui_lang)),
                gr.update(value=t("copy", ui_lang)),
                gr.update(label=t("copy_box", ui_lang)),
                gr.update(label=t("settings", ui_lang)),
                gr.update(label=t("k_label", ui_lang)),
                gr.update(label=t("mode_label", ui_lang), choices=_mode_choices(ctrl, ui_lang)),
                _notice(ctrl.status_notice(ui_lang)),
            ]

        def on_load(request: gr.Request) -> list[Any]:
            headers = request.headers if request is not None else {}
            params = request.query_params if request is not None else {}
            ui_lang = choose_lang(headers.get("accept-language"), params.get("lang"))
            return [gr.update(value=ui_lang, label=t("lang_label", ui_lang)), *labels(ui_lang, None)]

        def on_lang(value: str, last_answer: LastAnswer | None) -> list[Any]:
            ui_lang = as_ui_lang(value)
            return [gr.update(label=t("lang_label", ui_lang)), *labels(ui_lang, last_answer)]

        demo.load(on_load, None, [lang, *labelled], api_visibility="private", show_progress="hidden")
        lang.input(on_lang, [lang, last], [lang, *labelled], api_visibility="private", show_progress="hidden")

        def respond(question: str, history: list[Any], k_value: float, mode_value: str, lang_value: str,
                    last_answer: LastAnswer | None) -> Iterator[tuple[Any, ...]]:
            ui_lang = as_ui_lang(lang_value)
            answered = False
            for frame in ctrl.respond(question, history, k_value, mode_value, ui_lang, last_answer):
                answered = True
                yield (frame.messages, frame.textbox, frame.sources, _notice(frame.notice), frame.last,
                       gr.update(value="", visible=False), "")
            if not answered:
                yield tuple(gr.skip() for _ in range(7))

        ask_outputs = [chatbot, msg, sources, notice, last, copy_box, feedback_status]
        ask_options: dict[str, Any] = {"api_visibility": "private", "concurrency_limit": 4, "show_progress": "minimal"}
        msg.submit(respond, [msg, chatbot, k, mode, lang, last], ask_outputs, **ask_options)
        send.click(respond, [msg, chatbot, k, mode, lang, last], ask_outputs, **ask_options)
        for button in example_buttons:
            button.click(respond, [button, chatbot, k, mode, lang, last], ask_outputs, **ask_options)

        def on_clear(lang_value: str) -> tuple[Any, ...]:
            ui_lang = as_ui_lang(lang_value)
            return [], "", ctrl.sources(None, ui_lang), _notice(ctrl.status_notice(ui_lang)), None, gr.update(
                value="", visible=False), ""

        clear.click(on_clear, [lang], ask_outputs, api_visibility="private")
        # The chat's own trash icon empties only the chat; the sources and the answer being rated must go with it.
        chatbot.clear(on_clear, [lang], ask_outputs, api_visibility="private")

        def rate(rating: int) -> Any:
            def handler(comment_text: str, last_answer: LastAnswer | None, lang_value: str) -> tuple[str, Any]:
                status = ctrl.rate(rating, comment_text, last_answer, as_ui_lang(lang_value))
                # The comment belongs to the rating just stored; keep it when nothing was stored.
                return status, ("" if last_answer is not None else gr.skip())

            return handler

        good.click(rate(1), [comment, last, lang], [feedback_status, comment], api_visibility="private")
        bad.click(rate(-1), [comment, last, lang], [feedback_status, comment], api_visibility="private")

        def on_copy(last_answer: LastAnswer | None, lang_value: str) -> Any:
            return gr.update(value=ctrl.copy(last_answer, as_ui_lang(lang_value)), visible=True)

        copy_button.click(on_copy, [last, lang], [copy_box], api_visibility="private").then(
            None, [copy_box], None, js=COPY_JS, api_visibility="private"
        )
    return demo


def mount_ui(app: FastAPI, settings: Settings) -> FastAPI:
    """Mount the page on an app made by ``create_app`` (its ``state`` holds the service and the feedback store)."""
    ctrl = UiController(settings, app.state.service, app.state.feedback)
    blocks = build_blocks(ctrl)
    taken = {getattr(route, "path", None) for route in app.routes}
    # A person who opens the server's address wants the page; browsers also ask the root for a favicon.
    if "/" not in taken:
        @app.get("/", include_in_schema=False)
        def _root() -> RedirectResponse:
            return RedirectResponse(f"{UI_PATH}/")

    if "/favicon.ico" not in taken:
        @app.get("/favicon.ico", include_in_schema=False)
        def _favicon() -> RedirectResponse:
            return RedirectResponse(f"{UI_PATH}/favicon.ico")

    # The staff page goes first: Starlette tries mounts in order, and the one at /ui would take /ui/staff/ too.
    state = app.state.ipqa
    staff = build_staff_blocks(StaffDesk(settings, state.feedback, state.questions, state.engine))
    gr.mount_gradio_app(
        app, staff, path=STAFF_PATH, theme=theme(), css=CSS + STAFF_CSS, footer_links=[], run_history=False,
        ssr_mode=False, pwa=False, mcp_server=False, show_error=False,
    )
    return gr.mount_gradio_app(
        app, blocks, path=UI_PATH, theme=theme(), css=CSS, footer_links=[], run_history=False, ssr_mode=False,
        pwa=False, mcp_server=False, show_error=False,
    )


def build_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """The API of ``service.api.create_app`` with the web UI at ``/ui``: what ``ipqa serve`` runs."""
    return mount_ui(create_app(settings, engine), settings)
