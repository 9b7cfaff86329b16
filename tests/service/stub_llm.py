"""A small OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, streaming (SSE) and not.

Behaviours: "cite" answers from the first numbered passage it was given, with [1]; "invent" adds a sentence with a
figure no passage states; "hang" never answers; "garbage" returns a 200 that is not JSON; "refuse" says the passages
do not answer. Every request body is recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_PASSAGE = re.compile(r"^\[1\] \(.*\)\n(.+?)(?:\n|$)", re.MULTILINE)


class StubLLM:
    def __init__(self) -> None:
        self.behaviour = "cite"
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> StubLLM:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reply(self, body: dict[str, Any]) -> str:
        user = next((m["content"] for m in reversed(body["messages"]) if m["role"] in ("user", "human")), "")
        if "Rewrite the user's last question" in json.dumps(body["messages"], ensure_ascii=False):
            return "IPASは誰が実施していますか"
        m = _PASSAGE.search(user)
        first = (m.group(1).split("。")[0] + "。") if m else "情報がありません。"
        if self.behaviour == "refuse":
            return "The passages do not answer this question."
        if self.behaviour == "refuse_ja":
            return "提示された文書には情報がありません。[1]"
        if self.behaviour == "invent":
            return f"{first}[1] 予算は987億円である。[1]"
        return f"{first}[1]"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append(body)
                if stub.behaviour == "hang":
                    time.sleep(30)
                    return
                if stub.behaviour == "garbage":
                    self._send(200, b"<html>this is not an API</html>", "application/json")
                    return
                text = stub.reply(body)
                if not body.get("stream"):
                    payload = {"id": "c1", "object": "chat.completion", "created": 0, "model": body.get("model"),
                               "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                            "finish_reason": "stop"}]}
                    self._send(200, json.dumps(payload, ensure_ascii=False).encode(), "application/json")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in [text[i : i + 5] for i in range(0, len(text), 5)]:
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body.get("model"),
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def _send(self, code: int, data: bytes, ctype: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
