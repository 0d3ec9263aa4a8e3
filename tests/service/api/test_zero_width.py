"""Invisible characters in a question or a source match as if they were not there; quotes stay verbatim."""

from __future__ import annotations

from pathlib import Path

from footnote.index.ingest import ingest_folder
from footnote.index.store import Store
from tests.conftest import FakeEmbedder
from tests.service.conftest import MakeClient

QUESTION = "What troop strength is the Bundeswehr aiming for?"


def test_ask__a_zero_width_space_inside_a_word_gets_the_same_answer(make_client: MakeClient) -> None:
    client = make_client()
    plain = client.post("/v1/ask", json={"question": QUESTION}).json()
    hidden = client.post("/v1/ask", json={"question": QUESTION.replace("Bundeswehr", "Bundes\u200bwehr")})
    assert hidden.status_code == 200
    body = hidden.json()
    assert not plain["abstained"] and "260,000" in plain["answer"]
    assert (body["abstained"], body["reason"]) == (False, None)
    assert (body["answer"], body["citations"]) == (plain["answer"], plain["citations"])


def test_ask__a_source_with_zero_width_characters_is_found_and_quoted_verbatim(
    make_client: MakeClient, corpus: Path, store: Store, fake_embedder: FakeEmbedder
) -> None:
    # a source whose one mention of a name carries an invisible character (as pasted from a web page)
    hidden = "The Heimat\u200bschutz regiments will have 60,000 reservists by 2029, the Mini\u00adstry said."
    (corpus / "invisible.txt").write_text(f"Home defence\n\n{hidden}\n", encoding="utf-8")
    ingest_folder(corpus, store, fake_embedder)
    client = make_client()
    question = "How many reservists will the Heimatschutz regiments have?"
    body = client.post("/v1/ask", json={"question": question}).json()
    assert not body["abstained"], body["reason"]
    assert hidden in [c["quote"] for c in body["citations"]]
    for c in body["citations"]:
        assert (corpus / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
