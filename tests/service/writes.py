"""What the tests of the documents API share: the write key, its header, the DOCX type."""

from __future__ import annotations

from fastapi.testclient import TestClient

KEY = "s3cret"
AUTH = {"Authorization": f"Bearer {KEY}"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = {"Content-Type": "text/plain; charset=utf-8", **AUTH}


def put(client: TestClient, name: str, body: bytes, content_type: str) -> tuple[int, dict[str, object]]:
    """PUT a document with the key; the status and the JSON body."""
    r = client.put(f"/v1/documents/{name}", content=body, headers={"Content-Type": content_type, **AUTH})
    return r.status_code, r.json()


def cited_spans_hold(client: TestClient, name: str, question: str) -> str:
    """Ask about the document; every citation into it is an exact span of its stored text."""
    stored = client.get(f"/v1/sources/{name}", headers=AUTH).json()["text"]
    answer = client.post("/v1/ask", json={"question": question}, headers=AUTH).json()
    cited = [c for c in answer["citations"] if c["source"] == name]
    assert cited, answer
    for c in cited:
        assert stored[c["start"] : c["end"]] == c["quote"]
    return str(stored)
