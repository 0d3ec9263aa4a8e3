"""What load_folder reads and refuses: links, sub-folders, byte order marks, CRLF, huge files."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from footnote.index.chunk import chunk_document
from footnote.index.ingest import ingest_folder
from footnote.index.load import MAX_FILE_BYTES, load_document, load_folder
from footnote.index.store import Store
from tests.conftest import ROOT, SEEDS, FakeEmbedder

ARTICLE = "Kyiv and Moscow met today. They agreed on nothing at all, officials said.\n"
SEED_PATHS = sorted(SEEDS.glob("*.txt"))


def test_load_folder__skips_a_link_out_of_the_folder_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("The launch codes are kept in the second drawer, he said.\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(ARTICLE)
    (corpus / "notes.txt").symlink_to(outside / "secret.txt")
    (corpus / "up.md").symlink_to("../outside/secret.txt")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    with caplog.at_level(logging.WARNING):
        docs = load_folder(corpus)
    assert [d.source for d in docs] == ["good.txt"]
    assert "skipped notes.txt: a link out of the folder" in caplog.messages
    assert "skipped up.md: a link out of the folder" in caplog.messages
    assert "skipped elsewhere: a link out of the folder" in caplog.messages
    assert not any("secret" in d.text for d in docs)


def test_load_folder__follows_a_link_that_stays_inside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(ARTICLE)
    (tmp_path / "alias.txt").symlink_to("good.txt")
    assert [d.source for d in load_folder(tmp_path)] == ["alias.txt", "good.txt"]


def test_load_folder__reports_ignored_sub_folders_and_broken_links(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.txt").write_text(ARTICLE)
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "draft.txt").write_text(ARTICLE)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    (tmp_path / "loop.txt").symlink_to("loop.txt")
    with caplog.at_level(logging.WARNING):
        docs = load_folder(tmp_path)
    assert [d.source for d in docs] == ["good.txt"]
    assert "ignored sub-folder drafts/ (only the folder's own files are ingested)" in caplog.messages
    assert "skipped gone.txt: a broken link" in caplog.messages
    assert "skipped loop.txt: a broken link" in caplog.messages


@pytest.mark.parametrize("seed", SEED_PATHS, ids=lambda p: p.name[:3])
def test_load_document__a_byte_order_mark_changes_neither_metadata_nor_chunks(
    seed: Path, tmp_path: Path
) -> None:
    bom = tmp_path / seed.name
    bom.write_bytes(b"\xef\xbb\xbf" + seed.read_bytes())
    original, got = load_document(seed), load_document(bom)
    assert original is not None and got is not None
    assert (got.title, got.author, got.published) == (original.title, original.author, original.published)
    assert got.text == original.text  # the stored text is the file without its BOM
    chunks = chunk_document(got)
    assert [c.text for c in chunks] == [c.text for c in chunk_document(original)]
    assert all(got.text[c.start : c.end] == c.text for c in chunks)


@pytest.mark.parametrize("seed", SEED_PATHS, ids=lambda p: p.name[:3])
def test_load_document__a_crlf_file_keeps_its_offsets_metadata_and_chunks(seed: Path, tmp_path: Path) -> None:
    crlf = tmp_path / seed.name
    crlf.write_bytes(seed.read_bytes().replace(b"\n", b"\r\n"))
    original, got = load_document(seed), load_document(crlf)
    assert original is not None and got is not None
    assert (got.title, got.author, got.published) == (original.title, original.author, original.published)
    with open(crlf, encoding="utf-8", newline="") as f:  # the README's check
        on_disk = f.read()
    assert got.text == on_disk
    chunks = chunk_document(got)
    assert len(chunks) == len(chunk_document(original))
    assert all(on_disk[c.start : c.end] == c.text and "\r" not in c.text for c in chunks)


def test_readme__its_citation_check_holds_for_stored_crlf_and_bom_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store, fake_embedder: FakeEmbedder
) -> None:
    (check,) = re.findall(r"For every citation, `(.+?)`", (ROOT / "README.md").read_text(encoding="utf-8"))
    (tmp_path / "seeds").mkdir()
    for seed in SEED_PATHS[:2]:
        raw = seed.read_bytes()
        (tmp_path / "seeds" / f"crlf_{seed.name}").write_bytes(raw.replace(b"\n", b"\r\n"))
        (tmp_path / "seeds" / f"bom_{seed.name}").write_bytes(b"\xef\xbb\xbf" + raw)
    monkeypatch.chdir(tmp_path)  # the sentence opens "seeds/" + source, as a reader would run it
    ingest_folder(Path("seeds"), store, fake_embedder)
    chunks = store.all_chunks()  # what answers cite, as the index holds it
    assert {c.source for c in chunks} == {p.name for p in Path("seeds").iterdir()}
    for c in chunks:
        assert eval(check, {"source": c.source, "start": c.start, "end": c.end, "quote": c.text}), c


def test_load_folder__skips_a_file_over_the_size_limit_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.txt").write_text(ARTICLE)
    (tmp_path / "big.txt").write_text(ARTICLE * 40)  # 2,960 bytes
    with caplog.at_level(logging.WARNING):
        docs = load_folder(tmp_path, max_file_bytes=2_000)
    assert [d.source for d in docs] == ["good.txt"]
    assert "skipped big.txt: 3 kB is over the 2 kB limit per file" in caplog.messages
    assert load_document(tmp_path / "big.txt", max_file_bytes=2_000) is None
    assert load_document(tmp_path / "big.txt") is not None


def test_load_document__a_file_over_the_default_limit_is_skipped_unread(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(25_300_000)  # sparse: if it were read it would be a "binary file" of NULs
    assert MAX_FILE_BYTES == 20_000_000
    with caplog.at_level(logging.WARNING):
        assert load_document(huge) is None
    assert caplog.messages == ["skipped huge.txt: 25.3 MB is over the 20 MB limit per file"]
