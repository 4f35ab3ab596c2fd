"""Paperwork: the documents Facet renders and writes to a file the person chose.

One function per document, and one place each is written, whichever door
asked for it (the appraisals screen, the appraisal dialog, the sale's
appraisals at the counter, the tag sheet, Find a sale, the command line):

- `appraisal_pdf` / `write_appraisals`: one or more appraisals as printed
  (`AppraisalPages` says which pages), joined in order into one PDF;
- `write_tags`: a sheet of price tags (`labels.tag_sheet`);
- `write_receipt`: a sale's receipt as a PDF (`receipts.receipt_pdf`).

The exports (item list, audit trail, marketing list, privacy export) are
written by their own services through the same injected `FileOutput`.

Role and contract: each function checks the permission of the document it
makes, reads in its own units of work, changes nothing in the store, and
writes through `files` (whole or not at all, mode 0600; a problem writing is
a `ValidationError` naming `field`). The same record always gives the same
bytes, so a saved PDF is exactly what prints. Blocking: run it on a worker
(`runner.run(lambda store: paperwork.write_appraisals(..., uow=store.uow(), files=..., actor=...))`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pos_app.documents.tags import DEFAULT_STOCK
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services import appraisals, labels, receipts
from pos_app.services.guard import requires
from pos_app.services.ports.devices import FileOutput
from pos_app.services.ports.sales import SalesReader
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.uow import UnitOfWork


@dataclass(frozen=True)
class AppraisalPages:
    """Which pages of each appraisal: the appraisal itself (`certificate_pages`: followed by the summary page of
    the lab reports its stones cite) and/or its wallet card, in that order."""

    appraisal: bool = True
    certificate_pages: bool = False
    card: bool = False


@dataclass(frozen=True)
class PrintedAppraisal:
    """One appraisal as it went on paper (what the command line reports)."""

    number: str
    version: int
    status: str  # draft | final
    certificates: int  # the lab reports its stones cite (what a certificate summary page lists)
    verification_code: str | None  # the QR code's text; None on a draft


@dataclass(frozen=True)
class SavedAppraisals:
    path: Path
    appraisals: tuple[PrintedAppraisal, ...]


def _render(appraisal_ids: Sequence[str], pages: AppraisalPages, *, uow: UnitOfWork,
            actor: Actor) -> tuple[bytes, tuple[PrintedAppraisal, ...]]:
    from pos_app.documents.appraisal_pdf import render_appraisal_card_pdf, render_appraisal_pdf
    from pos_app.documents.pdf_files import join_pdfs

    if not appraisal_ids:
        raise ValidationError("appraisals", "choose at least one appraisal to print")
    if not (pages.appraisal or pages.card):
        raise ValidationError("pages", "choose the appraisal, its wallet card, or both")
    parts: list[bytes] = []
    printed: list[PrintedAppraisal] = []
    for appraisal_id in appraisal_ids:
        doc = appraisals.document(appraisal_id, uow=uow, actor=actor)
        if pages.appraisal:
            parts.append(render_appraisal_pdf(doc, certificate_pages=pages.certificate_pages))
        if pages.card:
            parts.append(render_appraisal_card_pdf(doc))
        printed.append(PrintedAppraisal(doc.number, doc.version, doc.status, len(doc.certificates),
                                        doc.qr_payload))
    return join_pdfs(parts), tuple(printed)


@requires(Permission.PRINT_APPRAISALS)
def appraisal_pdf(appraisal_ids: Sequence[str], *, uow: UnitOfWork, actor: Actor,
                  pages: AppraisalPages | None = None) -> bytes:
    """The PDF of the appraisals `appraisal_ids`, in that order (to print: the same bytes `write_appraisals`
    saves). A clerk prints only appraisals made from a sale (see `appraisals.document`)."""
    return _render(appraisal_ids, pages or AppraisalPages(), uow=uow, actor=actor)[0]


@requires(Permission.PRINT_APPRAISALS)
def write_appraisals(appraisal_ids: Sequence[str], path: Path, *, uow: UnitOfWork, files: FileOutput, actor: Actor,
                     pages: AppraisalPages | None = None, field: str = "file") -> SavedAppraisals:
    """`appraisal_pdf` saved as `path`, whole or not at all; says what went on paper."""
    data, printed = _render(appraisal_ids, pages or AppraisalPages(), uow=uow, actor=actor)
    return SavedAppraisals(files.write_atomically(path, data, field=field), printed)


@requires(Permission.PRINT_TAGS)
def write_tags(item_ids: Sequence[str], path: Path, *, uow: UnitOfWork, files: FileOutput, actor: Actor,
               locale: str, stock_name: str = DEFAULT_STOCK, skip: int = 0, field: str = "file") -> Path:
    """The price tags of `item_ids` (see `labels.tag_sheet`) saved as `path`, whole or not at all."""
    data = labels.tag_sheet(item_ids, uow=uow, actor=actor, locale=locale, stock_name=stock_name, skip=skip)
    return files.write_atomically(path, data, field=field)


@requires(Permission.SELL)
def write_receipt(sale_id: str, path: Path, *, sales: SalesReader, directory: DirectoryReader, uow: UnitOfWork,
                  files: FileOutput, actor: Actor, gift: bool = False, reprint: bool = False,
                  field: str = "file") -> Path:
    """The receipt of `sale_id` as a PDF (see `receipts.receipt_pdf`) saved as `path`, whole or not at all."""
    data = receipts.receipt_pdf(sale_id, sales=sales, directory=directory, actor=actor, uow=uow, gift=gift,
                                reprint=reprint)
    return files.write_atomically(path, data, field=field)
