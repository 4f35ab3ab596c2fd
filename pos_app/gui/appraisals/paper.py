"""An appraisal on paper: which pages (full, with the certificate summary page, or the wallet card), the jobs
that make its PDF or save it (`services/paperwork.py` renders and writes it), and printing it through Qt's print
dialog.

The jobs run on the op runner's worker with a store handle of their own; printing paints one page at a time on
the GUI thread, each rendered at the printer's resolution on the io lane, so what prints is exactly the saved PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QWidget

from pos_app.gui import printing
from pos_app.gui.context import AppContext
from pos_app.services import paperwork
from pos_app.services.ports.store import Store


@dataclass(frozen=True)
class Paper:
    """Which pages: the appraisal (optionally followed by its certificates' summary page), or its wallet card."""

    certificate_pages: bool = False
    card: bool = False

    def file_name(self, number: str, version: int) -> str:
        return f"{number}-v{version}{'-card' if self.card else ''}.pdf"

    @property
    def pages(self) -> paperwork.AppraisalPages:
        if self.card:
            return paperwork.AppraisalPages(appraisal=False, card=True)
        return paperwork.AppraisalPages(certificate_pages=self.certificate_pages)


def pdf_path(path: Path) -> Path:
    """The path the person chose, as a .pdf file."""
    return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


def renderer(context: AppContext, appraisal_id: str, paper: Paper) -> Callable[[Store], bytes]:
    """The job making the PDF (for the runner): the same record always prints the same pages."""
    actor, pages = context.require_actor(), paper.pages
    return lambda store: paperwork.appraisal_pdf([appraisal_id], uow=store.uow(), actor=actor, pages=pages)


def saver(context: AppContext, appraisal_id: str, paper: Paper, path: Path) -> Callable[[Store], Path]:
    """The job rendering the PDF and saving it as `path` (whole or not at all); it returns where."""
    actor, pages, files, target = context.require_actor(), paper.pages, context.devices.files, pdf_path(path)
    return lambda store: paperwork.write_appraisals([appraisal_id], target, uow=store.uow(), files=files,
                                                    actor=actor, pages=pages).path


def print_rendered(context: AppContext, parent: QWidget, pdf: bytes, say: Callable[[str], None],
                   on_error: Callable[[BaseException], None]) -> None:
    """Ask for a printer (Qt's print dialog), then print `pdf` on it a page at a time."""
    printing.print_pdf(parent, context.runner, pdf, say, on_error)
