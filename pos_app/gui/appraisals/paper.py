"""An appraisal on paper: render its PDF (full, with the certificate summary page, or the wallet card),
save it to a file, or print it through Qt's print dialog.

Rendering and writing run on a worker (the caller's `run`); printing paints
one page at a time on the GUI thread, each rendered at the printer's
resolution on the io lane, so what prints is exactly the saved PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QWidget

from pos_app.adapters.files import write_atomically
from pos_app.gui import printing
from pos_app.gui.context import AppContext
from pos_app.services import appraisals


@dataclass(frozen=True)
class Paper:
    """Which pages: the appraisal (optionally followed by its certificates' summary page), or its wallet card."""

    certificate_pages: bool = False
    card: bool = False

    def file_name(self, number: str, version: int) -> str:
        return f"{number}-v{version}{'-card' if self.card else ''}.pdf"


def renderer(context: AppContext, appraisal_id: str, paper: Paper) -> Callable[[], bytes]:
    """The work of making the PDF (for a worker): the same record always prints the same pages."""
    actor, uow = context.require_actor(), context.uow

    def work() -> bytes:
        from pos_app.documents.appraisal_pdf import render_appraisal_card_pdf, render_appraisal_pdf

        doc = appraisals.document(appraisal_id, uow=uow(), actor=actor)
        if paper.card:
            return render_appraisal_card_pdf(doc)
        return render_appraisal_pdf(doc, certificate_pages=paper.certificate_pages)

    return work


def saver(render: Callable[[], bytes], path: Path) -> Callable[[], Path]:
    """Render, then write beside the target and move it into place (never a half-written PDF)."""
    if path.suffix.lower() != ".pdf":
        path = path.with_suffix(".pdf")

    def work() -> Path:
        return write_atomically(path, render())

    return work


def print_rendered(context: AppContext, parent: QWidget, pdf: bytes, say: Callable[[str], None],
                   on_error: Callable[[BaseException], None]) -> None:
    """Ask for a printer (Qt's print dialog), then print `pdf` on it a page at a time."""
    printing.print_pdf(parent, context.runner, pdf, say, on_error)
