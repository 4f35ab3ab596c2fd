"""Render Facet's main screens to PNG (README pictures, and a look before calling work done).

    .venv/bin/python docs/make_screenshots.py [OUT_DIR]

Builds a demo store in a temporary folder with a temporary file keyring, signs
in as the demo manager through the real sign-in service, and grabs each
screen offscreen.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="facet-shots-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = str(TMP / "xdg")

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from pos_app import app  # noqa: E402
from pos_app.adapters.hashing import Argon2Hasher  # noqa: E402
from pos_app.gui.context import AppContext  # noqa: E402
from pos_app.gui.launch import make_application  # noqa: E402
from pos_app.gui.main_window import MainWindow  # noqa: E402


def wait(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition, timeout_ms: int = 10_000) -> None:  # type: ignore[no-untyped-def]
    waited = 0
    while not condition():
        wait(20)
        waited += 20
        if waited > timeout_ms:
            raise TimeoutError("screen did not get ready")


def grab(widget: QWidget, path: Path) -> None:
    wait(200)
    widget.grab().save(str(path))
    print(path)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    qt = make_application()
    from pos_app.gui.first_run import FirstRunDialog

    first = FirstRunDialog(TMP / "unused")
    first.resize(1100, 560)
    first.show()
    grab(first, out / "first-run.png")
    first.close()
    facet = app.create_demo_facet(TMP / "store", hasher=Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1))
    context = AppContext(facet)
    window = MainWindow(context, keyring_warning=facet.keyring.status.warning)
    window.resize(1360, 820)
    window.show()
    grab(window, out / "sign-in.png")

    lst = window.sign_in.form.staff_list
    for row in range(lst.count()):
        if lst.item(row).data(Qt.ItemDataRole.UserRole).name == "Marcus Reed":
            lst.setCurrentRow(row)
    window.sign_in.form.secret_edit.setText("manager-demo-1")
    window.sign_in.submit()
    wait_until(lambda: window.workspace is not None)
    inventory = window.workspace.screens["Inventory"]
    inventory.form.search_edit.setText("halo")
    inventory.apply_filter()
    grab(window, out / "inventory.png")

    inventory.form.table.setCurrentIndex(inventory.model.index(0, 0))
    inventory.open_selected()
    dialog = inventory.dialog
    wait_until(lambda: dialog.detail is not None)
    grab(dialog, out / "item.png")
    dialog.form.tabs.setCurrentIndex(2)
    grab(dialog, out / "item-history.png")
    dialog.reject()

    inventory.receive()
    grab(inventory.dialog, out / "receive.png")
    inventory.dialog.reject()

    inventory.form.table.selectAll()
    inventory.print_tags()
    grab(inventory.dialog, out / "tags.png")
    inventory.dialog.reject()

    window.workspace.form.tabs.setCurrentIndex(1)
    count = window.workspace.screens["Stock count"]
    count.form.location_combo.setCurrentText("Case 1")
    count.start()
    wait_until(lambda: count.count_id is not None)
    for code in [r.sku for r in facet.inventory_reader().expected_at("Case 1")[:5]] + ["NOPE-1", "LTN-1238"]:
        count.form.scan_edit.setText(code)
        count.scan()
        wait(120)
    context.runner.wait()
    wait(200)
    grab(window, out / "stock-count.png")
    count.cancel()

    window.workspace.form.tabs.setCurrentIndex(2)
    grab(window, out / "reports.png")
    window.workspace.screens["Stock reports"].form.tabs.setCurrentIndex(1)
    grab(window, out / "reports-aging.png")
    context.runner.wait()
    window.close()
    QCoreApplication.processEvents()
    qt.quit()


if __name__ == "__main__":
    main()
