"""Upload: what a document write sends, made Documents or refused in words — for a PUT body and for
the `file` parts of a browser's multipart form alike: the name rule, the format, the text.

Nothing here writes. A form is read whole and every part named, typed and extracted before the
documents API writes the first, so one bad file stores none. Its size is bounded before any of
this runs: the whole request body counts against FOOTNOTE_MAX_DOCUMENT_BYTES (BodyLimit, 413).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote_to_bytes

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from footnote.index.errors import DocumentTooLarge, UnreadableDocument, UnsupportedFormat
from footnote.index.extract import Kind, kind_of_content_type, kind_of_suffix
from footnote.index.load import read_document
from footnote.index.types import Document

__all__ = [
    "FIELD",
    "MAX_FILES",
    "MAX_NAME",
    "Part",
    "form_parts",
    "read_body",
    "read_form",
    "utf8_path",
    "valid_name",
]

MAX_NAME = 200
FIELD = "file"  # the form field each file comes in, as many times as there are files
MAX_FILES = 100  # parts per form; Starlette refuses more before reading them
_NAME_RULE = f"use at most {MAX_NAME} characters and no '/', '\\', '..' or control characters"
_SHOWN = 60  # characters of a part's file name repeated in a message


@dataclass(frozen=True, slots=True)
class Part:
    """One `file` part of a form: its file name, bytes and Content-Type ('' when none was sent),
    and its number among the form's `file` parts (empty file inputs count: the user sees them)."""

    filename: str
    raw: bytes
    content_type: str
    number: int = 1


def valid_name(name: str) -> str:
    """`name` when it may name a document; 422 with the rule otherwise."""
    # names are looked up, never joined onto a path; the rule keeps them printable and unambiguous
    bad = (
        not name
        or len(name) > MAX_NAME
        or ".." in name
        or any(ch in "/\\" or unicodedata.category(ch)[0] == "C" for ch in name)
    )
    if bad:
        raise HTTPException(422, f"invalid document name: {_NAME_RULE}")
    return name


def utf8_path(request: Request) -> None:
    """422 when the request's path does not decode as UTF-8 (a document name from Latin-1 bytes,
    say): Starlette would hand it over with U+FFFD in their place, so that `a%FFb.txt` and
    `a%FEb.txt` both named one document."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    try:
        unquote_to_bytes(raw.decode("latin-1")).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(
            422, "invalid document name: it is not UTF-8 (percent-encode the name's UTF-8 bytes)"
        ) from exc


def _kind(name: str, content_type: str, by_suffix: bool) -> Kind:
    try:
        return kind_of_content_type(content_type)
    except UnsupportedFormat:
        # a browser labels a part with its own guess (often application/octet-stream for .md):
        # there, the file name's suffix says as much, as it does to `footnote ingest`
        kind = kind_of_suffix(PurePosixPath(name).suffix) if by_suffix else None
        if kind is None:
            raise
        return kind


def read_body(name: str, raw: bytes, content_type: str, by_suffix: bool = False) -> Document:
    """The document in these bytes, of this Content-Type (else, with `by_suffix`, of the name's
    suffix); 415, 413 (past an extraction limit, named) or 422 with the reason."""
    try:
        return read_document(name, raw, _kind(name, content_type, by_suffix))
    except UnsupportedFormat as exc:
        raise HTTPException(415, str(exc)) from exc
    except DocumentTooLarge as exc:  # past one of extraction's limits, which it names
        raise HTTPException(413, str(exc)) from exc
    except UnreadableDocument as exc:
        raise HTTPException(422, str(exc)) from exc


def _boundary(content_type: str) -> bytes | None:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary" and value.strip().strip('"'):
            return value.strip().strip('"').encode("latin-1")
    return None  # Starlette refuses the form itself (422)


async def form_parts(request: Request) -> list[Part]:
    """The form's `file` parts, in order (other fields are ignored); 415 when the body is no
    multipart form, 422 when it cannot be parsed or holds no file."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "multipart/form-data":
        raise HTTPException(415, f"send the files as multipart/form-data, each in a part named {FIELD!r}")
    # python-multipart drops an unterminated last part without a word: a cut-off upload would
    # store the files before it and never mention the rest (the body is in memory already:
    # BodyLimit read it, bounded)
    boundary = _boundary(request.headers.get("content-type", ""))
    if boundary and not (await request.body()).rstrip(b"\r\n").endswith(b"--" + boundary + b"--"):
        raise HTTPException(
            422, "cannot read the form: it ends before its closing boundary (was the upload cut off?)"
        )
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    except StarletteHTTPException as exc:  # Starlette's word for a malformed body
        raise HTTPException(422, f"cannot read the form: {exc.detail}") from exc
    parts = []
    try:
        for i, value in enumerate(form.getlist(FIELD), 1):
            if value == "" or (isinstance(value, UploadFile) and value.filename == "" and not value.size):
                # what a browser sends for a file input left empty (`filename=""`, no bytes),
                # which Starlette hands over as an empty string field
                continue
            if not isinstance(value, UploadFile) or not value.filename:
                raise HTTPException(422, f"file {i}: a {FIELD!r} part must be a file, with a filename")
            parts.append(Part(value.filename, await value.read(), value.content_type or "", i))
    finally:
        await form.close()  # the spooled temporary files
    if not parts:
        raise HTTPException(422, f"the form holds no files: send each one in a part named {FIELD!r}")
    return parts


def _shown(name: str) -> str:
    return repr(name if len(name) <= _SHOWN else name[:_SHOWN] + "…")


def read_form(parts: list[Part]) -> list[Document]:
    """Every part's document (the format from its Content-Type, else its suffix), or the first
    refusal, naming the part: 415 / 422 as for a PUT of that file alone, or 422 for a name twice."""
    docs: list[Document] = []
    names: set[str] = set()
    for part in parts:
        try:
            name = valid_name(part.filename)
            if name in names:
                raise HTTPException(422, f"the form holds two files named {name!r}")
            names.add(name)
            docs.append(read_body(name, part.raw, part.content_type, by_suffix=True))
        except HTTPException as exc:
            raise HTTPException(
                exc.status_code, f"file {part.number} ({_shown(part.filename)}): {exc.detail}"
            ) from exc
    return docs
