"""`/openapi.json` tells the truth: schemathesis calls every operation and checks each response."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.service.conftest import MakeClient

OPERATIONS = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/v1/ask"),
    ("POST", "/v1/ask/stream"),
    ("GET", "/v1/sources"),
    ("GET", "/v1/sources/{name}"),
    ("GET", "/v1/models"),
    ("POST", "/v1/chat/completions"),
    ("PUT", "/v1/documents/{name}"),
    ("DELETE", "/v1/documents/{name}"),
    ("POST", "/v1/documents"),
]


def test_openapi__lists_exactly_these_operations(make_client: MakeClient) -> None:
    paths = make_client().get("/openapi.json").json()["paths"]
    assert sorted((m.upper(), p) for p, ops in paths.items() for m in ops) == sorted(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_openapi__every_response_matches_the_document(
    make_client: MakeClient, method: str, path: str
) -> None:
    # schemathesis's pytest plugin reads a node attribute pytest 9 removed, so its strategies
    # are driven here with Hypothesis directly: up to 100 generated requests per operation
    # the documents routes refuse every write without a key (403): with one, their bodies are tried
    writes = path.startswith("/v1/documents")
    client: TestClient = make_client(api_key="k") if writes else make_client()  # the seeds, fake embedder
    headers = {"Host": "testserver", **({"Authorization": "Bearer k"} if writes else {})}
    operation = schemathesis.openapi.from_asgi("/openapi.json", client.app)[path][method]

    # Rules JSON Schema cannot state are refused with a 422 by design, so "a schema-valid
    # request must be accepted" is not checked: a date range that ends before it starts, and
    # JSON strings holding lone surrogates (valid JSON, not text)
    excluded = [positive_data_acceptance]

    @given(case=operation.as_strategy())
    @settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()


def test_openapi__documents_errors_as_a_detail_string_and_the_stream(make_client: MakeClient) -> None:
    doc = make_client().get("/openapi.json").json()
    ask = doc["paths"]["/v1/ask"]["post"]
    assert {"400", "401", "403", "404", "413", "415", "422", "429", "503"} <= set(ask["responses"])
    assert ask["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert doc["components"]["schemas"]["ErrorBody"]["properties"]["detail"]["type"] == "string"
    question = doc["components"]["schemas"]["AskRequest"]["properties"]["question"]
    assert (question["minLength"], question["maxLength"]) == (1, 2000)
    stream = doc["paths"]["/v1/ask/stream"]["post"]["responses"]["200"]["content"]
    assert list(stream) == ["text/event-stream"]
    answer = ask["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/Answer"}
