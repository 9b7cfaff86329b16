"""The web UI in a real browser: Debian's Chromium driven by Playwright against a live uvicorn server.

Run with ``pytest -m browser`` (excluded from the default run). Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from core.settings import REPO_ROOT, Settings
from service.engine import Engine

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
BOT = "#ipqa-chat [data-testid='bot']"
TIMEOUT_MS = 90_000  # two shared cores: the first answer can be slow


class LiveServer:
    """uvicorn in a thread on a port the OS picked, so parallel runs and other services never collide."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 180
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture(scope="module")
def live(built_settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    from ui.web import build_app

    with LiveServer(build_app(built_settings, engine)) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-ipafont-gothic (.ci/run does this)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """One browser tab on the UI, recording every request that leaves the test server."""

    def __init__(self, browser: Any, base: str, locale: str, width: int = 1280, height: int = 900,
                 query: str = "") -> None:
        self.context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.outside: list[str] = []
        self.page.on("request", self._record)
        self.base = base
        self.page.goto(f"{base}/ui/{query}", wait_until="load")
        self.page.wait_for_selector("#ipqa-input textarea")
        # The labels are filled in by the page's load event; the header is the last to be empty.
        self.page.wait_for_function("() => document.querySelector('#ipqa-header').innerText.includes('2024')")

    def _record(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.base) or url.startswith(("data:", "blob:", "about:"))):
            self.outside.append(url)

    def ask(self, question: str) -> str:
        """Type a question, press Enter, wait for the verified answer and its sources; return the answer text."""
        before = self.page.locator(BOT).count()
        self.page.fill("#ipqa-input textarea", question)
        self.page.press("#ipqa-input textarea", "Enter")
        return self.wait_answer(before)

    def wait_answer(self, before: int) -> str:
        self.page.wait_for_function(
            """([selector, before]) => {
                const sources = document.querySelector('#ipqa-sources');
                return document.querySelectorAll(selector).length === before + 1 && sources
                    && sources.querySelector('.ipqa-src, .ipqa-abstained') !== null;
            }""",
            arg=[BOT, before],
        )
        return str(self.page.locator(BOT).last.inner_text())

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


def stored_feedback(settings: Settings, comment: str) -> tuple[Any, ...]:
    with sqlite3.connect(settings.var_dir / "feedback.sqlite3") as db:
        rows = db.execute("SELECT question, answer, citations, rating FROM feedback WHERE comment = ?", (comment,))
        found = rows.fetchall()
    assert len(found) == 1, f"expected one stored feedback row with comment {comment!r}, found {len(found)}"
    return tuple(found[0])


def rate(page: Any, button: str, comment: str) -> None:
    page.fill("#ipqa-comment textarea", comment)
    page.click(button)
    page.wait_for_function(
        "() => /#\\d+/.test(document.querySelector('#ipqa-feedback-status').innerText)"
    )


def test_japanese_ipas_question(live: LiveServer, browser: Any, built_settings: Settings) -> None:
    tab = Page(browser, live.url, "ja-JP")
    page = tab.page
    assert "知的財産推進計画2024 Q&A" in page.inner_text("#ipqa-header")
    assert page.is_checked("#ipqa-lang input[value='ja']")

    answer = tab.ask("スタートアップ向けの知財支援は？")
    assert "知財アクセラレーションプログラム(IPAS)" in answer and "[1]" in answer
    card = page.locator("#ipqa-src-1")
    assert "知財活用を支える人材基盤の強化" in card.inner_text() and "ipsp2024" in card.inner_text()
    marks = [m.strip() for m in page.locator("#ipqa-src-1 .ipqa-passage mark").all_inner_texts()]
    assert marks and len(marks[0]) > 20
    assert marks[0][:30] in answer, "the highlighted span should be the one the answer quotes"
    assert page.locator("#ipqa-src-1 mark").first.evaluate("m => getComputedStyle(m).backgroundColor") not in (
        "rgba(0, 0, 0, 0)", "transparent")
    assert "英語参考訳(非公式)" in card.inner_text()

    comment = f"ブラウザ試験 {uuid.uuid4().hex[:8]}"
    rate(page, "#ipqa-good", comment)
    assert "保存しました" in page.inner_text("#ipqa-feedback-status")
    question, stored_answer, citations, rating = stored_feedback(built_settings, comment)
    assert (question, rating) == ("スタートアップ向けの知財支援は？", 1)
    assert "IPAS" in stored_answer and "ipsp2024" in citations

    page.click("#ipqa-copy")
    page.wait_for_function("() => (document.querySelector('#ipqa-copy-text textarea') || {}).value")
    copied = page.input_value("#ipqa-copy-text textarea")
    assert copied.startswith(answer.strip()[:20]) and "出典:" in copied
    assert re.search(r"^\[1\] 知的財産推進計画2024 \(ipsp2024\) > 3 ", copied, re.M) and "<mark>" not in copied

    tab.screenshot("ui-ja.png")
    assert tab.outside == [], f"requests left the machine: {tab.outside}"
    tab.close()


def test_english_ipas_question(live: LiveServer, browser: Any, built_settings: Settings) -> None:
    tab = Page(browser, live.url, "en-US")
    page = tab.page
    assert "IP Strategic Program 2024 Q&A" in page.inner_text("#ipqa-header")
    assert page.is_checked("#ipqa-lang input[value='en']")

    answer = tab.ask("What IP help can startups get from the JPO?")
    assert "IP Acceleration program for Startups (IPAS)" in answer and "[1]" in answer
    assert page.locator("#ipqa-src-1 .ipqa-passage mark").count() >= 1
    english = page.locator("#ipqa-src-1 details.ipqa-en[open]")
    assert "English reference translation (unofficial)" in english.inner_text()
    english_marks = [m.strip() for m in english.locator("mark").all_inner_texts()]
    assert english_marks and english_marks[0][:30] in answer

    comment = f"browser test {uuid.uuid4().hex[:8]}"
    rate(page, "#ipqa-bad", comment)
    assert "Feedback saved" in page.inner_text("#ipqa-feedback-status")
    question, _, _, rating = stored_feedback(built_settings, comment)
    assert (question, rating) == ("What IP help can startups get from the JPO?", -1)

    tab.screenshot("ui-en.png")
    assert tab.outside == [], f"requests left the machine: {tab.outside}"
    tab.close()


def test_follow_up_carries_history_and_toggle_switches_language(live: LiveServer, browser: Any) -> None:
    tab = Page(browser, live.url, "ja-JP")
    page = tab.page
    tab.ask("IPASとは何ですか？")
    tab.ask("それは誰が実施していますか？")
    assert page.locator(BOT).count() == 2
    rewritten = page.inner_text("#ipqa-sources .ipqa-rewritten")
    assert "検索に使った質問" in rewritten and "IPASとは何ですか？" in rewritten

    page.click("#ipqa-lang label:has-text('English')")
    page.wait_for_function("() => document.querySelector('#ipqa-header').innerText.includes('IP Strategic Program')")
    assert "Searched for" in page.inner_text("#ipqa-sources")
    assert page.get_by_role("button", name="What IP help can startups get from the JPO?").is_visible()
    tab.close()


def test_phone_width(live: LiveServer, browser: Any) -> None:
    tab = Page(browser, live.url, "ja-JP", width=390, height=844)
    page = tab.page
    before = page.locator(BOT).count()
    page.get_by_role("button", name="IPASとは何ですか？").click()
    answer = tab.wait_answer(before)
    assert "IPAS" in answer and page.locator("#ipqa-sources mark").count() >= 1
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "sideways scrolling"
    box = page.locator("#ipqa-sources").bounding_box()
    assert box is not None and box["width"] > 300, "sources should take the full width under the chat"
    tab.screenshot("ui-phone-ja.png")
    tab.close()


def test_missing_index_is_explained(browser: Any, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> None:
    from ui.web import build_app

    settings = Settings(var_dir=tmp_path_factory.mktemp("no-index"))
    with LiveServer(build_app(settings, Engine(settings, embedder=engine.embedder))) as server:
        # ?lang= overrides the browser's language.
        tab = Page(browser, server.url, "ja-JP", query="?lang=en")
        page = tab.page
        page.wait_for_selector("#ipqa-notice", state="visible")
        assert "ipqa ingest" in page.inner_text("#ipqa-notice")
        # An example sends its question at once; with no index it must land in the box for a retry, unanswered.
        page.get_by_role("button", name="What is IPAS?").click()
        page.wait_for_function("() => document.querySelector('#ipqa-input textarea').value === 'What is IPAS?'")
        assert page.locator(BOT).count() == 0 and "ipqa ingest" in page.inner_text("#ipqa-notice")
        tab.screenshot("ui-no-index-en.png")
        tab.close()
