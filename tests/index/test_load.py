from __future__ import annotations

import logging
from pathlib import Path

import pytest

from footnote.index.errors import CorpusError
from footnote.index.load import load_document, load_folder, parse_date
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Written by [Angeline Tan](#) on February 15, 2024", "2024-02-15"),
        ("Global Research, April 01, 2024", "2024-04-01"),
        (" date 2022-01-27 US rejection of Russian security demands", "2022-01-27"),
        ("- Dec 15, 2025", "2025-12-15"),
        ("Sept. 3, 2023", "2023-09-03"),
        ("in Istanbul in 2022", None),
        ("February 30, 2024", None),
    ],
)
def test_parse_date__reads_the_four_seed_formats_and_never_guesses(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_load_document__reads_metadata_of_every_seed() -> None:
    docs = {d.source[:3]: d for d in load_folder(SEEDS)}
    assert [docs[k].published for k in sorted(docs)] == [
        "2024-02-15",
        "2024-04-01",
        "2022-01-27",
        None,
        "2025-12-15",
    ]
    assert docs["000"].title == "No Chance of Negotiated Peace With Ukraine, Says Russia's Lavrov"
    assert docs["000"].author == "Angeline Tan"
    assert docs["001"].author == "Lucas Leiroz de Almeida"
    assert docs["004"].author == "Olga Nesterova"
    assert docs["003"].title == "Lavrov's new plans: Germany as a guarantor for Ukraine?"


def test_load_document__keeps_text_byte_exact() -> None:
    for doc in load_folder(SEEDS):
        assert doc.text == (SEEDS / doc.source).read_bytes().decode("utf-8")


def test_load_folder__skips_bad_files_with_a_warning_naming_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.txt").write_text("Kyiv and Moscow met today. They agreed on nothing at all.\n")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 talks stalled in Z\xfcrich today.".encode("latin-1"))
    (tmp_path / "blob.md").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF")
    with caplog.at_level(logging.WARNING):
        docs = load_folder(tmp_path)
    assert [d.source for d in docs] == ["good.txt"]
    assert "skipped latin1.txt: not UTF-8" in caplog.text
    assert "skipped blob.md: binary file" in caplog.text
    assert "skipped empty.txt: empty file" in caplog.text


def test_load_folder__missing_or_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="corpus folder not found"):
        load_folder(tmp_path / "nope")
    with pytest.raises(
        CorpusError, match=r"no article files \(\.txt, \.md, \.html, \.htm, \.pdf, \.docx\) in"
    ):
        load_folder(tmp_path)


def test_load_document__none_for_a_file_of_only_boilerplate(tmp_path: Path) -> None:
    path = tmp_path / "promo.txt"
    path.write_text(
        "## Subscribe to our newsletter\n\nGet exclusive access to everything we publish today.\n"
    )
    assert load_document(path) is None
