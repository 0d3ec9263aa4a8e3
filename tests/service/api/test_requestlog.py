"""The request log: one line per request, with a request id echoed back, and no question text by default."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from footnote.index.errors import StoreUnavailable
from footnote.service.answer.pipeline import Pipeline
from footnote.service.api.app import create_app
from footnote.service.settings import Settings
from tests.service.conftest import MakeClient

QUESTION = "What troop strength is the Bundeswehr aiming for?"


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "footnote.request"]


def test_log__one_json_line_per_request_with_route_status_outcome_and_no_question(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(log_format="json")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="footnote.request"):
        r = client.post("/v1/ask", json={"question": QUESTION}, headers={"X-Request-ID": "req-42.a"})
    assert r.headers["X-Request-ID"] == "req-42.a"
    [line] = lines(caplog)
    fields = json.loads(line)
    assert fields.pop("latency_ms") >= 0
    assert fields == {
        "request_id": "req-42.a",
        "method": "POST",
        "route": "/v1/ask",
        "status": 200,
        "outcome": "answered",
        "composer": "extractive",
    }
    assert "Bundeswehr" not in caplog.text


def test_log__the_question_only_when_asked_for(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(log_questions=True)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="footnote.request"):
        client.post("/v1/ask", json={"question": "What did Angela Merkel say?\nstatus=200"})
    [line] = lines(caplog)
    assert line.startswith("request_id=")
    assert " route=/v1/ask status=200 " in line and " outcome=abstained composer=extractive " in line
    # quoted, so a question cannot add a field or a line of its own
    assert line.endswith(' question="What did Angela Merkel say?\\nstatus=200"')


@pytest.mark.parametrize("incoming", ["", "has space", "x" * 129, "a\u00e9", "evil\r\nSet-Cookie: a=b"])
def test_log__an_insane_request_id_is_replaced_by_a_new_one(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture, incoming: str
) -> None:
    client = make_client()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="footnote.request"):
        r = client.get("/healthz", headers={"X-Request-ID": incoming.encode("utf-8")})  # type: ignore[dict-item]
    generated = r.headers["X-Request-ID"]
    assert generated != incoming and len(generated) == 32
    assert lines(caplog) == [
        f"request_id={generated} method=GET route=/healthz status=200 " + _latency(caplog)
    ]


def _latency(caplog: pytest.LogCaptureFixture) -> str:
    return lines(caplog)[0].rpartition(" ")[2]


def test_log__unrouted_paths_are_not_logged_raw(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="footnote.request"):
        assert client.get("/secret/path/of/a/scanner").status_code == 404
    [line] = lines(caplog)
    assert " route=(unmatched) status=404 " in line and "scanner" not in line


def test_log__a_failed_ask_counts_as_an_error_answer(
    load_pipeline: Callable[[Settings], Pipeline], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def down(settings: Settings) -> Pipeline:
        raise StoreUnavailable()

    app = create_app(
        Settings(data_dir=tmp_path, public_url="http://testserver", metrics_public=True), load=down
    )
    with TestClient(app) as client, caplog.at_level(logging.INFO, logger="footnote.request"):
        assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 503
        text = client.get("/metrics").text
    answers = {
        s.labels["outcome"]: s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "footnote_answers_total"
    }
    assert answers == {"answered": 0, "abstained": 0, "error": 1}
    assert " route=/v1/ask status=503 " in lines(caplog)[0] and " outcome=error " in lines(caplog)[0]
