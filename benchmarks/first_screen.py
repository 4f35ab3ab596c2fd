"""Time to the first painted screen of the inventory table, in a fresh interpreter.

    python benchmarks/first_screen.py facet DATA_DIR
    python benchmarks/first_screen.py bare ROWS COLUMNS

Both modes build the QApplication first (the same for both, not timed), then
time, with `time.perf_counter`, everything up to the first rows painted:

- `facet`: import Facet's view and composition root, open the store (raw key,
  from the keyring), build an `AppContext` with a signed-in manager `Actor`
  (as `MainWindow._signed_in` sets it), construct `InventoryView` (its first
  query: every item's seq by SKU), `show()` it at 1280x800, then
  process events until the window is exposed (its first paint: the lazy
  model fetches the visible block and formats it), then
  `table.viewport().repaint()` (a forced synchronous paint of the rows).
- `bare`: a `QTableView` over a trivial `QAbstractTableModel` of the same row
  and column count (`data()` returns a short string), shown and repainted the
  same way.

Prints one JSON line: {"seconds": total, "splits": {...}, "rows_cached": n}.
"""

from __future__ import annotations

import json
import sys
import time


def _exposed(widget: object) -> None:
    """Process events until the window is on screen (offscreen: its first expose and paint)."""
    from PySide6.QtWidgets import QApplication

    handle = widget.windowHandle()  # type: ignore[attr-defined]
    deadline = time.perf_counter() + 10
    while not handle.isExposed() and time.perf_counter() < deadline:
        QApplication.processEvents()


def _facet(data_dir: str) -> dict[str, object]:
    from pathlib import Path

    from pos_app.gui.launch import make_application

    make_application()
    splits: dict[str, float] = {}
    t0 = mark = time.perf_counter()

    def split(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        splits[name] = round(now - mark, 4)
        mark = now

    from pos_app import app as composition
    from pos_app.domain.permissions import Actor, Role
    from pos_app.gui.context import AppContext
    from pos_app.gui.inventory.view import InventoryView

    split("import")
    facet = composition.open_facet(Path(data_dir))
    split("open_store")
    context = AppContext(facet)
    staff = next(s for s in context.directory.staff_list() if s.role is Role.MANAGER)
    context.set_actor(Actor(staff_id=staff.id, name=staff.name, role=staff.role, terminal=facet.terminal))
    split("context_and_actor")
    view = InventoryView(context)
    split("construct_view")
    view.resize(1280, 800)
    view.show()
    _exposed(view)
    split("show")
    view.form.table.viewport().repaint()
    split("first_paint")
    total = time.perf_counter() - t0
    rows = sum(len(block) for block in view.model.rows.blocks.values())  # rows really were fetched
    result = {"seconds": round(total, 4), "splits": splits, "rows": view.model.rowCount(), "rows_cached": rows}
    view.close()
    context.close()
    facet.close()
    return result


def _bare(row_count: int, column_count: int) -> dict[str, object]:
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    app = QApplication(sys.argv[:1])
    splits: dict[str, float] = {}
    t0 = mark = time.perf_counter()

    def split(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        splits[name] = round(now - mark, 4)
        mark = now

    painted: set[int] = set()

    class Trivial(QAbstractTableModel):
        def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
            return 0 if parent.isValid() else row_count

        def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
            return 0 if parent.isValid() else column_count

        def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
            if role == Qt.ItemDataRole.DisplayRole:
                painted.add(index.row())
                return f"R{index.row()} C{index.column()}"
            return None

        def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                       role: int = Qt.ItemDataRole.DisplayRole) -> object:
            if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
                return f"Column {section}"
            return None

    table = QTableView()
    table.setModel(Trivial(table))
    split("construct_view")
    table.resize(1280, 800)
    table.show()
    _exposed(table)
    split("show")
    table.viewport().repaint()
    split("first_paint")
    total = time.perf_counter() - t0
    result = {"seconds": round(total, 4), "splits": splits, "rows": row_count, "rows_cached": len(painted)}
    table.close()
    del app
    return result


def main(argv: list[str]) -> int:
    if argv[:1] == ["facet"] and len(argv) == 2:
        result = _facet(argv[1])
    elif argv[:1] == ["bare"] and len(argv) == 3:
        result = _bare(int(argv[1]), int(argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
