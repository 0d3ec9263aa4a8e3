"""/v1/ask/stream and `stream: true` with a model behind real HTTP (the scripted server): sentences
are sent as the model writes them, each only once verified; a reply cut off keeps what was sent."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from footnote.index.ingest import ingest_folder
from footnote.index.store import Store
from footnote.service.answer.generate import CUT_OFF
from footnote.service.answer.pipeline import Pipeline
from footnote.service.api.app import create_app
from footnote.service.settings import Settings
from tests.conftest import FakeEmbedder
from tests.scripted_llm import HANG, Capped, Cut, Held, ScriptedModel, find, passages
from tests.servers import parse_sse
from tests.service.conftest import generating_pipeline, ready

QUESTION = "Why won't the West offer a realistic diplomatic solution to the Ukraine conflict, says Lavrov?"
LAVROV = "Lavrov said on February 14 that the West will not offer a realistic diplomatic solution"
INVENTED = "Lavrov also resigned from his post"

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(
    corpus: Path, store: Store, fake_embedder: FakeEmbedder, model: ScriptedModel, tmp_path: Path
) -> Iterator[MakeClient]:
    """make_client(timeout_s=...) -> a ready app over the seeds whose language model is `model`."""
    ingest_folder(corpus, store, fake_embedder)
    clients: list[TestClient] = []

    def make(timeout_s: float = 10.0) -> TestClient:
        def load(_: Settings) -> Pipeline:
            return generating_pipeline(store, fake_embedder, model.url, timeout_s)

        settings = Settings(data_dir=tmp_path, public_url="http://testserver")
        client = TestClient(create_app(settings, load=load)).__enter__()
        clients.append(client)  # closed after the test, even if it never becomes ready
        return ready(client)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _lavrov(request: dict[str, Any]) -> int:
    return find(request, "strategically defeating Moscow")[0]


def _other(request: dict[str, Any]) -> tuple[int, str]:
    """A shown passage other than Lavrov's, said verbatim (so it is supported), and its number."""
    lavrov = _lavrov(request)
    return next((n, text) for n, text in passages(request).items() if n != lavrov)


def _with_invented_middle(request: dict[str, Any]) -> str:
    """Lavrov's sentence, then one the passages never say (cited to his), then another passage's."""
    n, text = _other(request)
    return f"{LAVROV} [{_lavrov(request)}]. {INVENTED} [{_lavrov(request)}]. {text} [{n}]"


def _sse(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """(event, data) of each server-sent event, as soon as its data line is read."""
    name = None
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: ") and name:
            yield name, json.loads(line.removeprefix("data: "))
            name = None


def _exact(client: TestClient, citations: list[dict[str, Any]]) -> None:
    assert citations
    for c in citations:
        text = client.get(f"/v1/sources/{c['source']}").json()["text"]
        assert text[c["start"] : c["end"]] == c["quote"]


def test_stream__sends_the_first_sentence_before_the_model_has_finished(
    make_client: MakeClient, model: ScriptedModel
) -> None:
    held: list[Held] = []

    def script(r: dict[str, Any]) -> Held:
        n, text = _other(r)
        held.append(Held(f"{LAVROV} [{_lavrov(r)}]. {text} [{n}]"))
        return held[-1]

    model.script = script
    client = make_client()
    with client.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as r:
        events = _sse(r.iter_lines())
        first: list[tuple[str, Any]] = []
        for name, data in events:
            first.append((name, data))
            if name == "delta":
                break
        # the model is still holding back the last word of its reply
        assert not held[0].finished.is_set()
        held[0].let_go.set()
        rest = list(events)
    assert [name for name, _ in first] == ["citation", "delta"]
    assert first[1][1] == {"text": f"{LAVROV}. [1]"}
    assert [name for name, _ in rest] == ["citation", "delta", "done"]
    done = rest[-1][1]
    deltas = [data["text"] for name, data in [*first, *rest] if name == "delta"]
    assert "".join(deltas) == done["answer"] and done["composer"] == "generative"
    assert [data for name, data in [*first, *rest] if name == "citation"] == done["citations"]
    _exact(client, done["citations"])


def test_stream__a_hallucinated_middle_sentence_is_never_sent_and_done_matches_ask(
    make_client: MakeClient, model: ScriptedModel
) -> None:
    model.script = _with_invented_middle
    client = make_client()
    got = parse_sse(client.post("/v1/ask/stream", json={"question": QUESTION}).text)
    done = got[-1][1]
    deltas = [data["text"] for name, data in got if name == "delta"]
    assert len(deltas) == 2 and "resigned" not in "".join(deltas)
    assert "".join(deltas) == done["answer"]
    assert done["dropped"] == [{"text": f"{INVENTED}.", "reason": "“resigned” is not in [1]"}]
    assert [data for name, data in got if name == "citation"] == done["citations"]
    _exact(client, done["citations"])
    assert done == client.post("/v1/ask", json={"question": QUESTION}).json()


def test_stream__cut_off_mid_sentence_keeps_what_was_sent_and_reports_the_tail(
    make_client: MakeClient, model: ScriptedModel
) -> None:
    model.script = lambda r: Cut(f"{LAVROV} [{_lavrov(r)}]. The West will not")
    got = parse_sse(make_client().post("/v1/ask/stream", json={"question": QUESTION}).text)
    assert [name for name, _ in got] == ["citation", "delta", "done"]
    done = got[-1][1]
    assert done["answer"] == got[1][1]["text"] == f"{LAVROV}. [1]"
    assert not done["abstained"] and done["composer"] == "generative"
    assert done["dropped"] == [{"text": "The West will not", "reason": CUT_OFF}]


def _capped(r: dict[str, Any]) -> Capped:
    """A finished sentence, then one the token cap stops mid-way, after a marker whose passage
    holds every word written so far (so, taken as finished, it would pass verify)."""
    n, text = _other(r)
    return Capped(
        f"{text} [{n}] The West will not offer a realistic diplomatic solution [{_lavrov(r)}] to the"
    )


def test_stream__a_reply_stopped_by_the_token_cap_drops_its_unfinished_sentence_as_cut_off(
    make_client: MakeClient, model: ScriptedModel
) -> None:
    model.script = _capped
    got = parse_sse(make_client().post("/v1/ask/stream", json={"question": QUESTION}).text)
    assert [name for name, _ in got] == ["citation", "delta", "done"]
    done = got[-1][1]
    assert done["answer"] == got[1][1]["text"] == f"{_other(model.requests[0])[1]} [1]"
    assert not done["abstained"] and done["composer"] == "generative"
    assert done["dropped"] == [
        {"text": "The West will not offer a realistic diplomatic solution to the", "reason": CUT_OFF}
    ]


def test_ask__a_reply_stopped_by_the_token_cap_keeps_its_finished_sentences_and_drops_the_rest(
    make_client: MakeClient, model: ScriptedModel
) -> None:
    model.script = _capped
    client = make_client()
    answer = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert answer["answer"] == f"{_other(model.requests[0])[1]} [1]"
    assert not answer["abstained"] and answer["composer"] == "generative"
    assert answer["dropped"] == [
        {"text": "The West will not offer a realistic diplomatic solution to the", "reason": CUT_OFF}
    ]
    streamed = parse_sse(client.post("/v1/ask/stream", json={"question": QUESTION}).text)
    assert streamed[-1][1] == answer


def test_stream__a_model_that_fails_before_the_first_sentence_falls_back_to_extractive(
    make_client: MakeClient, model: ScriptedModel, caplog: pytest.LogCaptureFixture
) -> None:
    model.script = lambda _: HANG
    client = make_client(timeout_s=1.0)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="footnote.service.answer.pipeline"):
        got = parse_sse(client.post("/v1/ask/stream", json={"question": QUESTION}).text)
    assert time.monotonic() - started < 3.0
    done = got[-1][1]
    assert got[-1][0] == "done" and done["composer"] == "extractive" and not done["abstained"]
    assert "".join(data["text"] for name, data in got if name == "delta") == done["answer"]
    said = [r.getMessage() for r in caplog.records if r.name == "footnote.service.answer.pipeline"]
    assert said == ["the language model failed, answering extractively: no whole reply within 1 s"]


def test_chat_stream__one_chunk_per_verified_sentence_as_it_passes(
    make_client: MakeClient, model: ScriptedModel
) -> None:
    model.script = _with_invented_middle
    body = {"model": "footnote", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    r = make_client().post("/v1/chat/completions", json=body)
    data = [line.removeprefix("data: ") for line in r.text.splitlines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    texts = [c["choices"][0]["delta"].get("content") for c in chunks[1:-1]]
    footnote = chunks[-1]["footnote"]
    assert len(texts) == 2 and "".join(texts) == footnote["answer"] and "resigned" not in footnote["answer"]
    assert [c for chunk in chunks[1:-1] for c in chunk["citations"]] == footnote["citations"]
    assert footnote["composer"] == "generative" and [d["text"] for d in footnote["dropped"]] == [
        f"{INVENTED}."
    ]


def test_stream__a_request_refused_by_retrieval_gets_a_status_before_the_model_is_asked(
    make_client: MakeClient, model: ScriptedModel
) -> None:
    client = make_client()
    body = {"question": QUESTION, "filters": {"sources": ["missing.txt"]}}
    streamed, plain = client.post("/v1/ask/stream", json=body), client.post("/v1/ask", json=body)
    assert streamed.status_code == plain.status_code == 404
    assert streamed.json() == plain.json() == {"detail": "unknown source: 'missing.txt'"}
    assert model.requests == []
