"""Whole PDF files: several documents as one (the appraisals of a sale, saved or printed together).

Pure, like the layouts: bytes in, bytes out, on whichever thread calls it; pdfium is imported on first use.
"""

from __future__ import annotations


def join_pdfs(documents: list[bytes]) -> bytes:
    """Several PDFs as one (every page, in order), for one print job or one saved file; one PDF as it is."""
    import io

    import pypdfium2

    if len(documents) == 1:
        return documents[0]
    joined = pypdfium2.PdfDocument.new()
    try:
        for data in documents:
            part = pypdfium2.PdfDocument(data)
            try:
                joined.import_pages(part)
            finally:
                part.close()
        out = io.BytesIO()
        joined.save(out)
        return out.getvalue()
    finally:
        joined.close()
