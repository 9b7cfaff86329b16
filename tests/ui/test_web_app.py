"""The mounted app without a browser: routes, offline assets, and that the API still works beside the page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from service.engine import Engine


@pytest.fixture(scope="module")
def client(built_settings: Settings, engine: Engine) -> Iterator[TestClient]:
    from ui.web import build_app

    # No lifespan (no ``with``): the engine is loaded already, and the start-up warm-up would only add time here.
    yield TestClient(build_app(built_settings, engine))


def test_page_and_api_share_one_app(client: TestClient) -> None:
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"
    page = client.get("/ui/")
    assert page.status_code == 200 and "<html" in page.text
    assert client.get("/readyz").status_code == 200
    body = client.post("/v1/ask", json={"question": "IPASとは？"}).json()
    assert body["citations"] and "[1]" in body["answer"]


def test_nothing_is_loaded_from_outside(client: TestClient) -> None:
    config = client.get("/ui/config").json()
    assert config.get("stylesheets", []) == []
    assert "ipqa-sources" in str(config) and config.get("analytics_enabled") is False
    mode = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "ipqa-mode")
    assert mode["props"]["visible"] is False, "LLM mode is offered only when an LLM is configured"
    css = client.get("/ui/theme.css").text
    assert "IPAGothic" in css
    assert not re.search(r"url\(\s*['\"]?https?:", css) and "@import" not in css
