"""The documents API: PUT / DELETE /v1/documents/{name} and a browser's multipart form, POST
/v1/documents — an administrator's writes to the index.

A write goes through ingest's per-document path (index/ingest.py): the new version's chunks
are added, then its manifest record is committed — the switch — then the old chunks go. A
request that fails before the commit leaves the previous version served. The commit bumps the
store's generation, so every replica's loader picks the change up within seconds; this replica
syncs before it answers, so the writer's next question already sees it.

A form is all or nothing as far as its input goes: every part is named, typed and extracted
before the first is written, so one bad file stores none. Writing is per document, in order: a
store failing halfway leaves the files before it written (each whole) — sending the form again
is safe, as the same bytes again write nothing.

Committed writes are counted (footnote_documents_written_total, `changed` or `unchanged` for the
same bytes again) and so are removals (footnote_documents_deleted_total); a refused one is not.
"""

from __future__ import annotations

import threading
import unicodedata
from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from footnote.index.errors import UnreadableDocument, UnsupportedFormat
from footnote.index.extract import CONTENT_TYPES, Kind, kind_of_content_type, kind_of_suffix
from footnote.index.ingest import ingest_document, remove_document
from footnote.index.load import read_document
from footnote.index.types import Document
from footnote.service.handlers import GUARDED, documented
from footnote.service.metrics import Metrics
from footnote.service.pipeline import Pipeline
from footnote.service.routes import GuardDep, PipelineDep
from footnote.service.schemas import ErrorBody

__all__ = ["DOCUMENTS", "DocumentRemoved", "DocumentWritten", "DocumentsWritten", "documents"]

DOCUMENTS = "/v1/documents"
MAX_NAME = 200
_NAME_RULE = f"use at most {MAX_NAME} characters and no '/', '\\', '..' or control characters"

# one write at a time per process: two writes of one name never interleave their add/commit/delete
_writing = threading.Lock()


def _writer(request: Request, guard: GuardDep) -> None:
    guard(request)  # rate limit and origin, as on every /v1 route
    guard.require_writer(request)


async def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(_metrics)]


class _AnyName(Convertor[str]):
    """Any name, also one holding `/` or a newline (which Starlette's `path` does not match), so a
    bad name is refused in words (422) instead of not being routed at all (404)."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("document_name", _AnyName())

documents = APIRouter(prefix=DOCUMENTS, dependencies=[Depends(_writer)])


class DocumentWritten(BaseModel):
    """What a PUT did."""

    name: str
    chunks: int  # the document's sentences now live
    embedded: int  # sentences that had to be embedded (0 when the same bytes were sent again)
    unchanged: bool  # the same bytes were already live: nothing was written
    generation: int  # the store's generation after the write (what replicas poll)


class DocumentsWritten(BaseModel):
    """What a form POST did: one entry per file, in the form's order."""

    documents: list[DocumentWritten]


class DocumentRemoved(BaseModel):
    """What a DELETE did."""

    name: str
    chunks: int
    generation: int


def _valid_name(name: str) -> str:
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


_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file itself; its format is told by the Content-Type",
        "content": {ct: {"schema": {"type": "string", "format": "binary"}} for ct in CONTENT_TYPES},
    }
}
_UNSUPPORTED: dict[int | str, dict[str, Any]] = {
    415: {"model": ErrorBody, "description": "Unsupported document format"}
}


def _kind(name: str, content_type: str, by_suffix: bool) -> Kind:
    try:
        return kind_of_content_type(content_type)
    except UnsupportedFormat:
        # a browser labels a part by its own guess (often application/octet-stream for .md):
        # there, the file name's suffix says as much, as it does for `footnote ingest`
        kind = kind_of_suffix(PurePosixPath(name).suffix) if by_suffix else None
        if kind is None:
            raise
        return kind


def _read(name: str, raw: bytes, content_type: str, by_suffix: bool = False) -> Document:
    """The document in these bytes; 415 or 422 with the reason (nothing is written)."""
    try:
        return read_document(name, raw, _kind(name, content_type, by_suffix))
    except UnsupportedFormat as exc:
        raise HTTPException(415, str(exc)) from exc
    except UnreadableDocument as exc:
        raise HTTPException(422, str(exc)) from exc


def _write(docs: list[Document], pipeline: Pipeline, metrics: Metrics) -> list[DocumentWritten]:
    store = pipeline.store
    written = []
    with _writing:
        for doc in docs:
            report = ingest_document(doc, store, pipeline.embedder)
            metrics.observe_write(unchanged=report.unchanged > 0)
            written.append(
                DocumentWritten(
                    name=doc.source,
                    chunks=report.stored or report.unchanged,
                    embedded=report.embedded,
                    unchanged=report.unchanged > 0,
                    generation=store.generation().counter,
                )
            )
    pipeline.sync()
    return written


def _put(name: str, raw: bytes, content_type: str, pipeline: Pipeline, metrics: Metrics) -> DocumentWritten:
    return _write([_read(name, raw, content_type)], pipeline, metrics)[0]


def _remove(name: str, pipeline: Pipeline, metrics: Metrics) -> DocumentRemoved:
    store = pipeline.store
    with _writing:
        chunks = remove_document(name, store)
        metrics.observe_delete()
    pipeline.sync()
    return DocumentRemoved(name=name, chunks=chunks, generation=store.generation().counter)


@documents.put(
    "/{name:document_name}",
    openapi_extra=_BODY,
    responses={**documented(*GUARDED, 413, 422), **_UNSUPPORTED},
)
async def put_document(
    name: str, request: Request, pipeline: PipelineDep, metrics: MetricsDep
) -> DocumentWritten:
    """Create or replace one document from the raw file (text, Markdown, HTML, PDF or DOCX).

    The same bytes again embed and write nothing. Needs `Authorization: Bearer <key>`.
    """
    _valid_name(name)
    raw = await request.body()  # already bounded by FOOTNOTE_MAX_DOCUMENT_BYTES (BodyLimit)
    content_type = request.headers.get("content-type", "")
    return await run_in_threadpool(_put, name, raw, content_type, pipeline, metrics)


@documents.delete("/{name:document_name}", responses=documented(*GUARDED, 404, 422))
def delete_document(name: str, pipeline: PipelineDep, metrics: MetricsDep) -> DocumentRemoved:
    """Remove one document. Needs `Authorization: Bearer <key>`."""
    return _remove(_valid_name(name), pipeline, metrics)
