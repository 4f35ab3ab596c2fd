"""Print or save a sheet of price tags for the chosen items."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QWidget

from pos_app.gui import dialogs, printing
from pos_app.gui.base import FacetDialog, mark_info
from pos_app.gui.context import AppContext
from pos_app.services import labels


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

    def _render(self) -> bytes:
        actor = self.context.require_actor()
        return labels.tag_sheet(
            self.item_ids, uow=self.context.uow(), actor=actor, locale=self.context.profile.locale,
            stock_name=self.form.stock_combo.currentData(), skip=self.form.skip_spin.value(),
        )

    def save_pdf(self) -> None:
        path = dialogs.ask_save_path(self, "Save price tags", "price-tags.pdf", "PDF files (*.pdf)")
        if path is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")

        def work() -> Path:
            pdf = self._render()
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(pdf)
            partial.replace(path)
            return path

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
            dpi = printing.printer_dpi(printer)

            def send(images: list) -> None:  # type: ignore[type-arg]
                pages = printing.paint_pages(images, printer)
                mark_info(self.form.message_label, f"Sent {pages} page(s) to the printer.")

            self.run(lambda: printing.render_pages(pdf, dpi), send, lane="io")

        mark_info(self.form.message_label, "Making the PDF…")
        self.run(self._render, rendered)
