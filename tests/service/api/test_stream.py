"""POST /v1/ask/stream: citation → delta → done, and done is exactly the /v1/ask body."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from footnote.service.answer.release import said
from footnote.service.answer.types import Answer, Citation, Sentence
from footnote.service.api.stream import events
from tests.servers import parse_sse

QUESTION = "What troop strength is the Bundeswehr aiming for?"


def _events(client: TestClient, body: dict[str, Any]) -> list[tuple[str, Any]]:
    with client.stream("POST", "/v1/ask/stream", json=body) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        return parse_sse(r.read().decode())


def test_stream__done_equals_ask_and_deltas_spell_the_answer(client: TestClient) -> None:
    body = {"question": QUESTION}
    got = _events(client, body)
    names = [name for name, _ in got]
    assert names[-1] == "done" and "delta" in names and "citation" in names
    done = got[-1][1]
    assert done == client.post("/v1/ask", json=body).json()
    assert "".join(data["text"] for name, data in got if name == "delta") == done["answer"]
    cited_so_far: set[int] = set()
    for name, data in got:
        if name == "citation":
            assert data in done["citations"]
            cited_so_far.add(data["id"])
        elif name == "delta":  # a marker never arrives before its citation
            markers = {int(n) for n in re.findall(r"\[(\d+)\]", data["text"])}
            assert markers and markers <= cited_so_far


def test_stream__follow_up_uses_history_and_matches_ask(client: TestClient) -> None:
    body = {
        "question": "And when was that?",
        "history": [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "..."},
        ],
    }
    done = _events(client, body)[-1][1]
    assert done == client.post("/v1/ask", json=body).json()
    assert done["standalone_question"] == f"When was that? ({QUESTION})"


def test_stream__abstention_is_a_done_without_deltas(client: TestClient) -> None:
    got = _events(client, {"question": "What did Angela Merkel say about the Minsk agreements?"})
    assert [name for name, _ in got] == ["done"]
    assert got[0][1]["abstained"] and got[0][1]["reason"]


def test_stream__bad_request_gets_the_same_status_and_message_as_ask(client: TestClient) -> None:
    for body in ({"question": ""}, {"question": "ok?", "filters": {"sources": ["../x"]}}):
        streamed = client.post("/v1/ask/stream", json=body)
        plain = client.post("/v1/ask", json=body)
        assert streamed.status_code == plain.status_code >= 400
        assert streamed.json() == plain.json()


def test_events__a_failure_mid_stream_is_an_error_event() -> None:
    cite = Citation(1, "a.txt", 0, 3, "abc", None, None, 1.0)
    broken = Answer.of([Sentence("abc", [1]), Sentence("def", [2])], [cite])  # [2] has no citation
    got = list(events(said(broken)))
    assert got[-1]["event"] == "error"
    assert json.loads(got[-1]["data"]) == {
        "status": 500,
        "detail": "the answer could not be sent; please retry",
    }
    assert all(e["event"] != "done" for e in got)


def test_events__items_that_end_without_the_answer_are_an_error_event() -> None:
    got = list(events(iter([])))
    assert [e["event"] for e in got] == ["error"]
