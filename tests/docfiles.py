"""Small PDF and DOCX files made in the test, so no binary fixture hides what it holds."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(
    paragraphs: list[str], title: str | None = None, created: str | None = None, password: str | None = None
) -> bytes:
    """A one-page PDF whose text layer holds `paragraphs` (Helvetica, one line each); no text when empty."""
    from pypdf import PdfReader, PdfWriter

    ops = ["BT /F1 11 Tf 14 TL 50 780 Td"]
    for paragraph in paragraphs:
        ops += [f"({_escape(paragraph)}) Tj T*", "T*"]  # a blank line between paragraphs
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    meta = {}
    if title:
        meta["/Title"] = title
    if created:
        meta["/CreationDate"] = created
    if meta:
        writer.add_metadata(meta)
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()


def docx_bytes(paragraphs: list[str], title: str | None = None, author: str | None = None) -> bytes:
    """A DOCX file of `paragraphs`, with a title and author in its core properties."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if title:
        document.core_properties.title = title
    if author:
        document.core_properties.author = author
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_with_part(part: str, write: Callable[[IO[bytes]], None], base: bytes | None = None) -> bytes:
    """A DOCX (`base`, else one of a single paragraph) whose member `part` is what `write` writes
    into it, streamed: a part that unpacks to gigabytes never sits in memory here."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(base or docx_bytes(["A paragraph."])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != part:
                target.writestr(item, source.read(item.filename))
        with target.open(part, "w", force_zip64=True) as member:
            write(member)
    return out.getvalue()
