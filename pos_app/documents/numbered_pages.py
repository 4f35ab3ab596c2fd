"""A ReportLab canvas that writes a footer with "page x of y" on every page, in one build.

ReportLab knows the number of pages only at the end, so the canvas keeps
each page until `save` and then draws the footer on all of them. Each
document says how its footer is drawn (`Footer`: the canvas, the page's
number, the number of pages); the receipt and the manager reports share the
rest.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

Footer = Callable[[Any, int, int], None]
"""Draws a page's footer: (canvas, page number, pages)."""


@cache
def _numbered_canvas_class(footer: Footer) -> type:
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Keeps each page until `save`, then draws the footer on every one (one build, not two)."""

        footer_text = ""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                footer(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def numbered_canvas(footer: Footer, text: str) -> Any:
    """A canvas maker for `SimpleDocTemplate.build(..., canvasmaker=...)`: `footer` draws each page's footer,
    reading `text` from the canvas's `footer_text`."""
    base = _numbered_canvas_class(footer)

    def make(*args: Any, **kwargs: Any) -> Any:
        canvas = base(*args, **kwargs)
        canvas.footer_text = text
        return canvas

    return make
