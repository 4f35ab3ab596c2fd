"""Print or save a sheet of price tags for the chosen items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from pos_app.gui import dialogs, printing
from pos_app.gui.base import FacetDialog, mark_info, mark_problem
from pos_app.gui.context import AppContext
from pos_app.services import labels, paperwork
from pos_app.services.ports.store import Store


class TagSheetDialog(FacetDialog):
    def __init__(self, context: AppContext, item_ids: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(context, "tag_sheet.ui", "Print price tags", parent)
        from pos_app.documents.tags import LABEL_STOCKS

        self.item_ids = list(item_ids)
        f = self.form
        n = len(self.item_ids)
        f.summary_label.setText(f"{n} tag{'s' if n != 1 else ''} for the selected item{'s' if n != 1 else ''}.")
        for key, stock in LABEL_STOCKS.items():
            f.stock_combo.addItem(stock.name, key)
        f.save_button.clicked.connect(self.save_pdf)
        f.print_button.clicked.connect(self.print_sheet)
        f.close_button.clicked.connect(self.reject)
        self.shortcut("Ctrl+S", self.save_pdf)
        self.shortcut("Ctrl+P", self.print_sheet)
        self.saved_path: Path | None = None
        self.initial_focus = f.stock_combo

    def _choices(self) -> tuple[list[str], str, int]:
        """(item ids, label stock, labels to skip), read here on the GUI thread for a job on the worker."""
        return list(self.item_ids), str(self.form.stock_combo.currentData()), self.form.skip_spin.value()

    def _renderer(self) -> Callable[[Store], bytes]:
        """The PDF job, with the choices read here on the GUI thread; it runs on the worker."""
        actor, locale = self.context.require_actor(), self.context.profile.locale
        ids, stock, skip = self._choices()
        return lambda store: labels.tag_sheet(ids, uow=store.uow(), actor=actor, locale=locale, stock_name=stock,
                                              skip=skip)

    def save_pdf(self) -> None:
        path = dialogs.ask_save_path(self, "Save price tags", "price-tags.pdf", "PDF files (*.pdf)")
        if path is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        actor, locale, files = self.context.require_actor(), self.context.profile.locale, self.context.devices.files
        ids, stock, skip = self._choices()

        def work(store: Store) -> Path:
            return paperwork.write_tags(ids, path, uow=store.uow(), files=files, actor=actor, locale=locale,
                                        stock_name=stock, skip=skip)

        def done(saved: Path) -> None:
            self.saved_path = saved
            mark_info(self.form.message_label, f"Saved {saved}.")

        mark_info(self.form.message_label, "Making the PDF…")
        self.run(work, done)

    def print_sheet(self) -> None:
        def rendered(pdf: bytes) -> None:
            printer = printing.ask_printer(self, printing.page_count(pdf))
            if printer is None:
                mark_info(self.form.message_label, "")
                return
            job = printing.PrintJob(pdf, printer)
            try:
                job.start()
            except OSError as exc:
                mark_problem(self.form.message_label, str(exc))
                return
            self._print_next(job)

        mark_info(self.form.message_label, "Making the PDF…")
        self.run(self._renderer(), rendered)

    def _print_next(self, job: printing.PrintJob) -> None:
        """One page at a time: rendered on a worker, painted here, then the next."""
        if job.done:
            job.finish()
            mark_info(self.form.message_label, f"Sent {job.pages} page(s) to the printer.")
            return
        mark_info(self.form.message_label, f"Printing page {job.next_page + 1} of {job.pages}…")

        def painted(image: QImage) -> None:
            job.paint(image)
            self._print_next(job)

        self.context.runner.run(job.render_next, on_done=painted, on_error=self._print_failed(job), parent=self,
                                lane="io")

    def _print_failed(self, job: printing.PrintJob) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            job.abort()
            from pos_app.gui.ops import show_error

            show_error(self, exc)

        return failed
