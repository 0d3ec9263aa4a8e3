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

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from footnote.index.extract import CONTENT_TYPES
from footnote.index.ingest import ingest_document, remove_document
from footnote.index.types import Document
from footnote.service.answer.pipeline import Pipeline
from footnote.service.api.deps import GuardDep, MetricsDep, PipelineDep
from footnote.service.api.handlers import GUARDED, documented
from footnote.service.api.metrics import Metrics
from footnote.service.api.schemas import ErrorBody
from footnote.service.api.upload import (
    FIELD,
    MAX_FILES,
    Part,
    form_parts,
    read_body,
    read_form,
    utf8_path,
    valid_name,
)

__all__ = ["DOCUMENTS", "DocumentRemoved", "DocumentWritten", "DocumentsWritten", "documents"]

DOCUMENTS = "/v1/documents"


def _writer(request: Request, guard: GuardDep) -> None:
    guard(request)  # rate limit and origin, as on every /v1 route
    guard.require_writer(request)
    utf8_path(request)  # a name is refused in words only to whoever may write


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


_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file itself; its format is told by the Content-Type",
        "content": {ct: {"schema": {"type": "string", "format": "binary"}} for ct in CONTENT_TYPES},
    }
}
_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": f"One or more files, each in a part named {FIELD!r} (at most {MAX_FILES}), "
        "stored under its file name; its format is told by the part's Content-Type, else the "
        "name's suffix",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    "required": [FIELD],
                }
            }
        },
    }
}
_UNSUPPORTED: dict[int | str, dict[str, Any]] = {
    415: {"model": ErrorBody, "description": "Unsupported document format"}
}


def _write(docs: list[Document], pipeline: Pipeline, metrics: Metrics) -> list[DocumentWritten]:
    written = []
    with pipeline.corpus.writing() as store:  # serialised with other writes and with refreshes
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
    return written


def _put(name: str, raw: bytes, content_type: str, pipeline: Pipeline, metrics: Metrics) -> DocumentWritten:
    return _write([read_body(name, raw, content_type)], pipeline, metrics)[0]


def _post(parts: list[Part], pipeline: Pipeline, metrics: Metrics) -> list[DocumentWritten]:
    return _write(read_form(parts), pipeline, metrics)  # every part read before the first write


def _remove(name: str, pipeline: Pipeline, metrics: Metrics) -> DocumentRemoved:
    with pipeline.corpus.writing() as store:  # serialised with other writes and with refreshes
        chunks = remove_document(name, store)
        metrics.observe_delete()
        generation = store.generation().counter
    return DocumentRemoved(name=name, chunks=chunks, generation=generation)


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
    valid_name(name)
    raw = await request.body()  # already bounded by FOOTNOTE_MAX_DOCUMENT_BYTES (BodyLimit)
    content_type = request.headers.get("content-type", "")
    return await run_in_threadpool(_put, name, raw, content_type, pipeline, metrics)


@documents.delete("/{name:document_name}", responses=documented(*GUARDED, 404, 422))
def delete_document(name: str, pipeline: PipelineDep, metrics: MetricsDep) -> DocumentRemoved:
    """Remove one document. Needs `Authorization: Bearer <key>`."""
    return _remove(valid_name(name), pipeline, metrics)


@documents.post("", openapi_extra=_FORM, responses={**documented(*GUARDED, 413, 422), **_UNSUPPORTED})
async def post_documents(request: Request, pipeline: PipelineDep, metrics: MetricsDep) -> DocumentsWritten:
    """Create or replace documents from a multipart form: each `file` part under its file name.

    All or none: one bad file stores none of them. Needs `Authorization: Bearer <key>`.
    """
    parts = await form_parts(request)  # already bounded by FOOTNOTE_MAX_DOCUMENT_BYTES (BodyLimit)
    return DocumentsWritten(documents=await run_in_threadpool(_post, parts, pipeline, metrics))
