"""The owner's Audit tab (filters, export, verify) and the red banner after tampering, on a real demo store."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pos_app.adapters.secrets import KeyringSecrets, database_key_name
from pos_app.domain.errors import SignInFailed
from pos_app.gui import dialogs
from pos_app.gui.audit import AuditView
from pos_app.gui.main_window import MainWindow
from pos_app.persistence.database import db_path
from pos_app.persistence.sqlcipher import connect
from pos_app.services import staff
from tests.audit_tampering import tamper_with
from tests.conftest import FAST_HASHER
from tests.gui.conftest import main_window, sign_in

SHOTS = Path(os.environ.get("FACET_SHOTS", "/tmp/facet-shots"))


def shoot(widget: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def audit_tab(qtbot, main: MainWindow) -> AuditView:  # type: ignore[no-untyped-def]
    assert main.workspace is not None
    view = main.workspace.show_screen("Audit")
    assert isinstance(view, AuditView)
    qtbot.waitUntil(lambda: view.model.rows.total > 0, timeout=5000)
    return view


@pytest.fixture
def tampered(demo_dir: Path) -> int:
    """The demo store with one audit event's summary edited behind Facet's back; returns its seq."""
    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert key is not None
    conn = connect(db_path(demo_dir), key)
    try:
        seq = conn.execute("SELECT min(seq) FROM audit_events WHERE action = 'demo.loaded'").fetchone()[0]
    finally:
        conn.close()
    tamper_with(db_path(demo_dir), key, ("UPDATE audit_events SET summary = '{}' WHERE seq = ?", (seq,)))
    return int(seq)


def test_owner_filters_the_trail_by_action_and_day_and_sees_a_bad_day_named(
        qtbot, window: MainWindow, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Jane Ellen")
    assert window.workspace.keys_of("Audit") == "Ctrl+9"  # type: ignore[union-attr]
    view = audit_tab(qtbot, window)
    qtmodeltester.check(view.model)
    everything = view.model.rows.total
    assert view.form.count_label.text() == f"{everything:,} events" and everything > 1
    seqs = [view.model.row_at(n).seq for n in range(everything)]  # type: ignore[union-attr]
    assert seqs == sorted(seqs, reverse=True)  # newest first

    qtbot.keyClicks(view.form.action_edit, "staff.")
    qtbot.keyClick(view.form.action_edit, Qt.Key.Key_Return)
    staff_events = view.model.rows.total
    assert 0 < staff_events < everything
    assert all(view.model.row_at(n).action.startswith("staff.")  # type: ignore[union-attr]
               for n in range(staff_events))
    shoot(window, "audit-tab")

    qtbot.keyClicks(view.form.since_edit, "yesterday")
    qtbot.keyClick(view.form.since_edit, Qt.Key.Key_Return)
    assert view.form.message_label.text().startswith("From:")
    assert view.model.rows.total == staff_events  # nothing changed

    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.model.rows.total == everything and view.form.message_label.text() == ""
    assert view.form.person_combo.hasFocus() or view.form.person_combo.lineEdit().hasFocus()


def test_owner_exports_the_filtered_trail_and_verifies_the_chain(
        qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Jane Ellen")
    view = audit_tab(qtbot, window)
    view.form.person_combo.setCurrentText("Jane Ellen")
    view.search()
    out = tmp_path / "trail.csv"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: out)
    qtbot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.form.message_label.text().startswith("Exported"), timeout=10_000)
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and {r["person"] for r in rows} == {"Jane Ellen"}

    qtbot.keyClick(view, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: view.form.chain_label.text().startswith("Chain verified"), timeout=10_000)
    assert not window.audit_banner.isVisible()


def test_after_tampering_the_owner_sees_a_red_banner_naming_the_event_and_a_clerk_does_not(
        qtbot, tampered: int, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.audit_banner.report is not None, timeout=10_000)
    assert not window.audit_banner.isVisible()  # no one signed in yet
    sign_in(qtbot, window, "Lily Chen")
    assert not window.audit_banner.isVisible()
    window.lock("")
    sign_in(qtbot, window, "Jane Ellen")
    assert window.audit_banner.isVisible()
    assert f"event {tampered} " in window.audit_banner.text() and "edited" in window.audit_banner.text()
    view = audit_tab(qtbot, window)
    qtbot.keyClick(view, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: view.form.chain_label.text().startswith("The audit trail was tampered"), timeout=10_000)
    assert view.form.chain_label.property("problem") is True
    shoot(window, "audit-tampered")


def test_the_owner_hears_of_the_weeks_suspicious_activity_at_sign_in_and_on_the_audit_tab(
        qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    facet = window.context.facet
    lily = next(s.id for s in facet.store.directory.staff_list() if s.name == "Lily Chen")
    for guess in ("0000", "1234", "1111", "9999", "2580"):  # someone tries Lily's PIN at the counter
        with pytest.raises(SignInFailed):
            staff.sign_in(lily, guess, uow=facet.uow(), hasher=FAST_HASHER, terminal="C1")
    window.sign_in.reload()
    sign_in(qtbot, window, "Jane Ellen")
    qtbot.waitUntil(lambda: "1 thing flagged this week: see Audit in the side bar" in window.statusBar().currentMessage(),
                    timeout=5000)
    view = audit_tab(qtbot, window)
    assert "Lily Chen's account was locked after repeated wrong tries (once)" in view.form.flags_label.text()
    shoot(window, "audit_flags")

    window.lock("")
    sign_in(qtbot, window, "Marcus Reed")  # a manager does not read the trail: no flags for him
    window.context.runner.wait()
    assert "flagged" not in window.statusBar().currentMessage()


@pytest.fixture
def anchor_cut(demo_dir: Path) -> int:
    """The demo store with its last audit event (`demo.loaded`) and its anchor file deleted; returns the last
    seq left."""
    from pos_app.persistence.audit_queries import ANCHOR_NAME

    key = KeyringSecrets().get(database_key_name(demo_dir))
    assert key is not None
    conn = connect(db_path(demo_dir), key)
    try:
        last = conn.execute("SELECT max(seq) FROM audit_events").fetchone()[0] - 1
    finally:
        conn.close()
    tamper_with(db_path(demo_dir), key, ("DELETE FROM audit_events WHERE seq > ?", (last,)))
    (demo_dir / ANCHOR_NAME).unlink()
    return int(last)


def test_without_its_anchor_the_owner_is_told_the_trails_end_cannot_be_vouched_for(
        qtbot, anchor_cut: int, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.audit_banner.report is not None, timeout=10_000)
    sign_in(qtbot, window, "Jane Ellen")  # a sign-in commits events: the anchor is not written again
    assert window.audit_banner.isVisible()
    banner = window.audit_banner.text()
    assert banner.startswith("The audit trail's end cannot be vouched for: its anchor outside the database "
                             "(audit-head.json) is missing") and f"(the last present is event {anchor_cut})" in banner
    view = audit_tab(qtbot, window)
    qtbot.keyClick(view, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: view.form.chain_label.text().startswith("The audit trail's end cannot"), timeout=10_000)
    assert view.form.chain_label.property("problem") is True
    label = view.form.chain_label  # a wrapped label grows once the layout has run
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()), timeout=5_000)
    shoot(window, "audit-anchor-missing")


@pytest.fixture
def restored_window(qtbot, demo_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The demo store restored from a backup taken before five cash sales, open in a window."""
    from pos_app import app, cli
    from tests.conftest import cli_login
    from tests.integration.test_restore_undo import _five_cash_sales

    cli_login(demo_dir)
    assert cli.main(["backup", str(tmp_path / "before.db"), "--data-dir", str(demo_dir)]) == 0
    _five_cash_sales(demo_dir)
    assert cli.main(["restore", str(tmp_path / "before.db"), "--yes", "--expect-undo", "5",
                     "--data-dir", str(demo_dir)]) == 0
    facet = app.open_facet(demo_dir)
    try:
        with main_window(qtbot, facet) as main:
            yield main
    finally:
        facet.close()


def test_the_owner_sees_a_restore_flagged_and_named_by_the_chain_check(
        qtbot, restored_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window = restored_window
    sign_in(qtbot, window, "Jane Ellen")
    view = audit_tab(qtbot, window)
    assert "restored the store from a backup (once), undoing 5 sales" in view.form.flags_label.text()
    qtbot.keyClick(view, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: "restored from a backup" in view.form.chain_label.text(), timeout=10_000)
    assert view.form.chain_label.text().startswith("Chain verified")
    qtbot.wait(100)  # the label grows to its lines at the next layout pass
    shoot(window, "audit-restored")
