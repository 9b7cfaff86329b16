"""The staff page (/ui/staff/) in Debian's Chromium against a live server: it refuses without the admin token, and with
it shows a 👎 comment and an abstained question that an inquirer left through the public page.

Run with ``pytest -m browser``. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from core.settings import Settings
from service.engine import Engine
from tests.ui.test_browser import TIMEOUT_MS, LiveServer, Page, browser, rate

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the module-scoped Chromium fixture, shared with test_browser.py

TOKEN = "staff-page-browser-token"
UNANSWERED = "東京の明日の天気を教えてください。"
STAFF = "/ui/staff/"


@pytest.fixture(scope="module")
def staff_settings(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return built_settings.model_copy(update={
        "var_dir": tmp_path_factory.mktemp("staff-var"), "index_dir": built_settings.resolved_index_dir,
        "rate_limit_per_minute": 0, "admin_token": SecretStr(TOKEN)})


@pytest.fixture(scope="module")
def live(staff_settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    from ui.web import build_app

    with LiveServer(build_app(staff_settings, engine)) as server:
        yield server


@pytest.fixture(scope="module")
def left_by_an_inquirer(live: LiveServer, browser: Any) -> dict[str, str]:
    """On the public page: an unanswerable question, then 👎 with a comment. Also, through the API, a 👎 whose
    comment is markup, which the staff page must show as text."""
    tab = Page(browser, live.url, "ja-JP")
    tab.ask(UNANSWERED)
    assert tab.page.locator("#ipqa-sources .ipqa-abstained").count() == 1
    comment = f"天気は対象外と最初に書いてほしい {uuid.uuid4().hex[:6]}"
    rate(tab.page, "#ipqa-bad", comment)
    tab.close()
    markup = '<img src="x" onerror="window.__ipqa_xss = 1">'
    r = httpx.post(live.url + "/v1/feedback", json={"question": "マークアップ入りのコメント", "answer": "a",
                                                    "rating": -1, "comment": markup}, timeout=30)
    assert r.status_code == 200
    return {"comment": comment, "markup": markup}


class StaffTab:
    def __init__(self, browser: Any, base: str, locale: str = "ja-JP", query: str = "") -> None:
        self.context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 1000},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.base = base
        self.outside: list[str] = []
        self.page.on("request", self._record)
        self.page.goto(base + STAFF + query, wait_until="load")
        self.page.wait_for_selector("#ipqa-staff-token input")
        self.page.wait_for_function(
            "() => /職員ページ|Staff page/.test(document.querySelector('#ipqa-staff-header').innerText)")

    def _record(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.base) or url.startswith(("data:", "blob:", "about:"))):
            self.outside.append(url)

    def enter(self, token: str) -> None:
        self.page.fill("#ipqa-staff-token input", token)
        self.page.click("#ipqa-staff-open")

    def content_visible(self) -> bool:
        return bool(self.page.locator("#ipqa-staff-content").is_visible())

    def screenshot(self, name: str) -> Path:
        from tests.ui.test_browser import ARTIFACTS

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


def test_refuses_without_the_token(live: LiveServer, browser: Any, left_by_an_inquirer: dict[str, str]) -> None:
    tab = StaffTab(browser, live.url)
    page = tab.page
    assert not tab.content_visible()
    assert left_by_an_inquirer["comment"] not in page.inner_text("body") and UNANSWERED not in page.inner_text("body")

    tab.enter("not-the-token")
    page.wait_for_function("() => document.querySelector('#ipqa-staff-status').innerText.includes('トークン')")
    assert "正しくありません" in page.inner_text("#ipqa-staff-status")
    assert not tab.content_visible()
    body = page.inner_text("body")
    assert left_by_an_inquirer["comment"] not in body and UNANSWERED not in body
    tab.screenshot("staff-refused-ja.png")
    tab.close()

    # The page's own config, fetched without a browser, carries none of the rows either.
    config = httpx.get(live.url + STAFF + "config", timeout=30).text
    assert left_by_an_inquirer["comment"] not in config and UNANSWERED not in config


def test_with_the_token_shows_the_comment_and_the_unanswered_question(
    live: LiveServer, browser: Any, left_by_an_inquirer: dict[str, str]
) -> None:
    tab = StaffTab(browser, live.url)
    page = tab.page
    tab.enter(TOKEN)
    page.wait_for_selector("#ipqa-staff-content", state="visible")
    page.wait_for_function(
        "(q) => (document.querySelector('#ipqa-staff-groups') || {innerText: ''}).innerText.includes(q)", arg=UNANSWERED)
    assert page.inner_text("#ipqa-staff-status").strip() == ""

    complaints = page.locator("#ipqa-staff-complaints")
    complaints.get_by_text(left_by_an_inquirer["comment"]).first.wait_for()
    assert UNANSWERED in complaints.inner_text()
    # Markup in a comment is shown as its text, never run.
    assert left_by_an_inquirer["markup"] in complaints.inner_text()
    assert page.evaluate("() => window.__ipqa_xss === undefined")
    assert page.locator("#ipqa-staff-complaints img").count() == 0

    group = page.locator("#ipqa-staff-groups .ipqa-group").filter(has_text=UNANSWERED)
    assert group.count() == 1 and "1 件" in group.inner_text()
    summary = page.inner_text("#ipqa-staff-summary")
    assert "質問 1 件" in summary and "未回答 1 件" in summary and "👎 2 件" in summary

    # The per-day plots are drawn (Gradio's bundled Vega; nothing is fetched from outside, see below).
    page.wait_for_selector("#ipqa-staff-per-day canvas, #ipqa-staff-per-day svg")
    page.wait_for_selector("#ipqa-staff-down-per-day canvas, #ipqa-staff-down-per-day svg")

    with page.expect_download() as download_info:
        page.click("#ipqa-staff-dl-feedback")
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode()) and left_by_an_inquirer["comment"].encode() in data
    with page.expect_download() as download_info:
        page.click("#ipqa-staff-dl-questions")
    text = Path(download_info.value.path()).read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,created,question,lang,abstained") and UNANSWERED in text

    tab.screenshot("staff-ja.png")
    assert tab.outside == [], f"requests left the machine: {tab.outside}"

    # A wrong token afterwards takes everything away again.
    tab.enter("wrong")
    page.wait_for_selector("#ipqa-staff-content", state="hidden")
    assert left_by_an_inquirer["comment"] not in page.inner_text("body")
    tab.close()


def test_english_labels(live: LiveServer, browser: Any, left_by_an_inquirer: dict[str, str]) -> None:
    tab = StaffTab(browser, live.url, locale="en-US")
    page = tab.page
    assert "Staff page" in page.inner_text("#ipqa-staff-header")
    tab.enter(TOKEN)
    page.wait_for_function(
        "(q) => (document.querySelector('#ipqa-staff-groups') || {innerText: ''}).innerText.includes(q)", arg=UNANSWERED)
    assert "unanswered" in page.inner_text("#ipqa-staff-summary")
    assert "Comment" in page.inner_text("#ipqa-staff-complaints")
    page.wait_for_selector("#ipqa-staff-per-day canvas, #ipqa-staff-per-day svg")
    tab.screenshot("staff-en.png")
    tab.close()
