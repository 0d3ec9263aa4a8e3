"""A scripted OpenAI-compatible model server: real HTTP on 127.0.0.1, replies written by the test.

A script is a function from the request body to a reply: the reply's text (sent as the
protocol's stream of chunks, a word each, or as one completion when the request does not
stream), `HANG` (headers, one chunk, then silence until the server stops), `TRICKLE` (a
keep-alive comment every 0.2 s for 10 s, never a token), `Raw(bytes)` (sent as is), `Held(text)`
(every word but the last, then the last only once the test lets it go), `Cut(text)` (its
words, then the connection closes mid-stream, as when a server dies), or `Capped(text)` (its
words, then the end of the reply with finish_reason "length", as when max_tokens stops it).
Every request body is kept in `requests`, so a test can read the prompt the model was shown.
`GET /v1/models` lists the one model, unless `models` is HANG (no answer until the server stops).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Raw:
    body: bytes
    content_type: str = "application/json"


@dataclass
class Held:
    text: str
    let_go: threading.Event = field(default_factory=threading.Event)  # the test sets it
    finished: threading.Event = field(default_factory=threading.Event)  # set once the last word is sent


@dataclass(frozen=True)
class Cut:
    text: str


@dataclass(frozen=True)
class Capped:
    text: str


HANG = object()
TRICKLE = object()
Script = Callable[[dict[str, Any]], object]
_PASSAGE = re.compile(r"^\[(\d+)\] .*? \((?:\d{4}-\d\d-\d\d|undated)\): (.*)$", re.MULTILINE)


def passages(request: dict[str, Any]) -> dict[int, str]:
    """The passages a request showed the model, by number."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    return {int(n): text for n, text in _PASSAGE.findall(user)}


def find(request: dict[str, Any], words: str) -> tuple[int, str]:
    """The number and text of the first passage shown that contains `words`."""
    for n, text in passages(request).items():
        if words in text:
            return n, text
    raise AssertionError(f"no passage shown contains {words!r}")


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def _completion(content: str) -> bytes:
    message = {"role": "assistant", "content": content}
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": "scripted",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
    ).encode()


@dataclass
class ScriptedModel:
    script: Script = lambda _: "NO_ANSWER"
    models: object = None  # HANG: GET /v1/models never answers
    connections: list[socket.socket] = field(default_factory=list)  # closed when the server stops
    requests: list[dict[str, Any]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    url: str = ""


def _handler(model: ScriptedModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:  # quiet
            pass

        def setup(self) -> None:
            super().setup()
            model.connections.append(self.connection)

        def _send(self, status: int, content_type: str, body: bytes | None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if body is None:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body is not None:
                self.wfile.write(body)

        def _chunked(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def do_GET(self) -> None:
            if self.path != "/v1/models":
                self._send(404, "application/json", b'{"error": {"message": "not found"}}')
            elif model.models is HANG:
                model.stopping.wait(60)
            else:
                card = {"id": "scripted", "object": "model", "created": 0, "owned_by": "tests"}
                self._send(200, "application/json", json.dumps({"object": "list", "data": [card]}).encode())

        def _words(self, words: list[str]) -> None:
            for word in words:
                self._chunked(_chunk(word))

        def _stop(self, reason: str = "stop") -> None:
            self._chunked(_chunk(None, reason) + b"data: [DONE]\n\n")
            self._chunked(b"")

        def do_POST(self) -> None:
            if self.path != "/v1/chat/completions":
                self._send(404, "application/json", b'{"error": {"message": "not found"}}')
                return
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            model.requests.append(request)
            reply = model.script(request)
            if isinstance(reply, Raw):
                self._send(200, reply.content_type, reply.body)
            elif reply is HANG:
                self._send(200, "text/event-stream", None)
                self._chunked(_chunk("The answer is"))
                model.stopping.wait(60)  # a reply that never ends
            elif reply is TRICKLE:
                self._send(200, "text/event-stream", None)
                for _ in range(50):  # bytes keep coming, so no read ever times out
                    if model.stopping.wait(0.2):
                        break
                    self._chunked(b": keep-alive\n\n")
            elif isinstance(reply, Held):
                self._send(200, "text/event-stream", None)
                *words, last = re.findall(r"\S+\s*", reply.text)
                self._words(words)
                reply.let_go.wait(10)  # bounded: a test that never lets go still ends
                self._words([last])
                self._stop()
                reply.finished.set()
            elif isinstance(reply, Cut):
                self._send(200, "text/event-stream", None)
                self._words(re.findall(r"\S+\s*", reply.text))
                self.close_connection = True  # no last chunk: the reply ends mid-stream
                self.connection.shutdown(socket.SHUT_RDWR)
            elif isinstance(reply, Capped):
                self._send(200, "text/event-stream", None)
                self._words(re.findall(r"\S+\s*", reply.text))
                self._stop("length")
            elif not request.get("stream"):
                self._send(200, "application/json", _completion(str(reply)))
            else:
                self._send(200, "text/event-stream", None)
                self._words(re.findall(r"\S+\s*", str(reply)))
                self._stop()

    return Handler


@contextmanager
def scripted_model() -> Iterator[ScriptedModel]:
    """A running scripted server; set `.script` to choose its replies."""
    model = ScriptedModel()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(model))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    model.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield model
    finally:
        model.stopping.set()
        server.shutdown()
        server.server_close()
        for connection in model.connections:  # as a server that stops does: kept-alive ones too
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
