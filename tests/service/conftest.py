"""Fixtures for the service tests: a real uvicorn server on 127.0.0.1 and a small, writable corpus."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn in a thread; the tests talk real HTTP to it, as an OpenAI client or a browser would."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


SMALL_DOC = """# 小さな知財計画

## 1 はじめに

本計画は、スタートアップの知財戦略を支援するための小さな試験用文書である。特許庁は相談窓口を2025年までに全国に設置する。

## 2 施策

### ○人材

知財専門人材を300人育成することを目指す。大学の研究成果の事業化を後押しする。
"""


@pytest.fixture
def small_corpus(tmp_path: Path) -> Iterator[Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "small.md").write_text(SMALL_DOC, encoding="utf-8")
    yield corpus
