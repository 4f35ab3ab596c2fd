"""Starting the desktop app: first run or open, then the main window.

Start-up shows the window before anything not visible is loaded: the store is
opened with its raw key (no SQLAlchemy yet), the sign-in screen reads the
staff list with one query, and the database worker warms up SQLAlchemy
after the first paint.

`--smoke` opens the main window and closes it once painted, printing one JSON
line `{"event": "ready", ...}`: the check that a build starts. With
FACET_SMOKE_STAFF and FACET_SMOKE_SECRET set, it signs that person in through
the real sign-in service first and waits for the inventory's first rows
(the benchmark's cold start to an interactive inventory screen).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from pos_app import paths
from pos_app.domain.permissions import Actor

if TYPE_CHECKING:
    from pos_app.app import Facet
    from pos_app.gui.context import AppContext
    from pos_app.gui.main_window import MainWindow

log = logging.getLogger(__name__)
_STARTED = time.perf_counter()
WARM_UP_DELAY_MS = 300


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv[:1])
    app.setApplicationName("Facet")
    app.setOrganizationName("Facet")
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSize(max(font.pointSize(), 10))
    app.setFont(font)
    style = paths.resource("style.qss")
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def banner_warning(facet: Facet) -> str | None:
    """The keyring warning for the window's banner: None once the owner has acknowledged it in Settings
    (Settings' Security page and `pos-app doctor` still show it)."""
    from pos_app.services.settings import KEYRING_ACKNOWLEDGED

    warning = facet.devices.secrets_status().warning
    if warning and facet.store.directory.setting(KEYRING_ACKNOWLEDGED, False):
        return None
    return warning


def _fatal(message: str, *, smoke: bool) -> int:
    """Say why Facet cannot open the store (in a window; on stderr too); exit code 2."""
    print(f"pos-app: {message}", file=sys.stderr)
    if not smoke:
        from pos_app.gui import messages

        messages.fatal("Facet cannot start", message)
    return 2


def run_desktop(data_dir: Path, *, demo: bool = False, smoke: bool = False) -> int:
    from pos_app import app as composition
    from pos_app.domain.errors import UserFacingError

    qt_app = make_application()
    from pos_app.gui.ops import install_failure_hook

    install_failure_hook()
    try:
        if composition.store_exists(data_dir):
            facet = composition.open_facet(data_dir)
        elif demo or smoke:
            facet = composition.create_demo_facet(data_dir)
        else:
            from pos_app.gui.first_run import FirstRunWizard

            made = FirstRunWizard.ask(data_dir)
            if made is None:
                return 0
            facet = made
    except UserFacingError as exc:
        return _fatal(str(exc), smoke=smoke)
    except Exception:
        log.exception("opening the store failed")
        return _fatal(f"Facet could not open the store in {data_dir}; the details are in the log "
                      f"({data_dir / 'logs' / 'facet.log'}).", smoke=smoke)

    from pos_app.gui.context import AppContext
    from pos_app.gui.main_window import MainWindow

    context = AppContext(facet)
    window = MainWindow(context, keyring_warning=banner_warning(facet))
    watch_for_unfinished_setup(window, context)
    window.show()
    # After the first paint: what sign-in needs (on this thread, which owns the
    # shared connection); a moment later SQLAlchemy on the database worker, while
    # the person types their PIN (importing it on a worker takes the GIL away from
    # the GUI thread, so not during the first paint).
    QTimer.singleShot(0, context.devices.hasher)
    QTimer.singleShot(WARM_UP_DELAY_MS // 2, lambda: _warm_gui(context))
    QTimer.singleShot(WARM_UP_DELAY_MS, lambda: context.runner.run(
        lambda: facet.db.engine, on_error=lambda exc: log.warning("warming up the database engine failed: %s", exc)))
    if smoke:
        _smoke(window, context)
    code = qt_app.exec()
    context.close()
    facet.close()
    return int(code)


def watch_for_unfinished_setup(window: MainWindow, context: AppContext) -> None:
    """Each sign-in on `window` checks whether the first-run setup was left midway (see `resume_setup`)."""
    window.sign_in.signed_in.connect(lambda actor: resume_setup(window, context, actor))


def resume_setup(window: MainWindow, context: AppContext, actor: Actor) -> None:
    """A store whose first-run setup was left midway: the owner's sign-in takes it up again, over the
    workspace (the sign-in screen has already seen to two-step sign-in)."""
    from pos_app.domain.permissions import Role
    from pos_app.services.setup import setup_pending

    if actor.role is not Role.OWNER or not setup_pending(context.store.directory):
        return
    from pos_app.gui.first_run import FirstRunWizard

    window.setup_wizard = FirstRunWizard.resume_for(context, window)


def _warm_gui(context: AppContext) -> None:
    """While the person types their PIN: load the screens' code and the locale's
    money format, so Enter shows the workspace without waiting for them."""
    from pos_app.gui import workspace

    workspace.load_screens()
    context.money(0)


def _ready(window: MainWindow, screen: str, **timings: float) -> None:
    report = {"event": "ready", "screen": screen, "seconds": round(time.perf_counter() - _STARTED, 4)}
    report.update({name: round(value, 4) for name, value in timings.items()})
    print(json.dumps(report), flush=True)
    QTimer.singleShot(0, window.close)


def _smoke(window: MainWindow, context: AppContext) -> None:
    """Close once painted; with FACET_SMOKE_STAFF/SECRET, sign in first, as a person would.

    A person reads the sign-in screen and types a PIN before pressing Enter, and
    Facet uses that time to load what it needs next; so the smoke run waits
    for the screen and for that background work, then "presses Enter", and
    reports both spans: `sign_in_screen` (start to the sign-in screen) and
    `enter_to_inventory` (Enter to the inventory's first rows painted, switching to its
    tab at once for people who start on the sell screen).
    """
    staff_name = os.environ.get("FACET_SMOKE_STAFF")
    secret = os.environ.get("FACET_SMOKE_SECRET")
    if not (staff_name and secret):
        QTimer.singleShot(0, lambda: _ready(window, "sign_in"))
        return
    from PySide6.QtCore import Qt

    sign_in = window.sign_in
    runner = context.runner
    lst = sign_in.form.staff_list
    for row in range(lst.count()):
        if lst.item(row).data(Qt.ItemDataRole.UserRole).name == staff_name:
            lst.setCurrentRow(row)
    marks: dict[str, float] = {}

    def typed() -> None:
        if runner.busy or not marks.get("warm"):
            QTimer.singleShot(5, typed)
            return
        sign_in.form.secret_edit.setText(secret)
        marks["enter"] = time.perf_counter()
        sign_in.submit()
        check()

    def check() -> None:
        from pos_app.gui.inventory.view import InventoryView  # loaded with the screens by now

        workspace = window.workspace
        screen = workspace.screens.get("Inventory") if workspace is not None else None
        if workspace is not None and screen is not None and workspace.current_screen() is not screen:
            # Clerks and managers start on the sell screen; the figure is the inventory's, as
            # when the person presses Ctrl+2 at once.
            workspace.show_screen("Inventory")
        if isinstance(screen, InventoryView) and screen.model.rowCount() and screen.form.table.isVisible():
            screen.form.table.viewport().repaint()
            _ready(window, "inventory", sign_in_screen=marks["screen"] - _STARTED,
                   enter_to_inventory=time.perf_counter() - marks["enter"])
        else:
            QTimer.singleShot(5, check)

    def shown() -> None:
        marks["screen"] = time.perf_counter()
        QTimer.singleShot(WARM_UP_DELAY_MS + 50, lambda: marks.update(warm=1.0))
        typed()

    QTimer.singleShot(0, shown)
