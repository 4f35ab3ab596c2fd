"""A new appraisal typed for an item starts from the item's record; a stoneless final is asked about first.

Driven by keys over the demo store as its appraiser (Priya Nair), through the
real appraisal dialog (Ctrl+N on the Appraisals screen).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from PySide6.QtCore import Qt

from pos_app.app import Facet
from pos_app.domain.permissions import Role
from pos_app.gui import dialogs
from pos_app.gui.appraisals.view import AppraisalsView
from pos_app.gui.context import AppContext
from pos_app.services import inventory
from tests.conftest import actor_for
from tests.gui.conftest import focused, press
from tests.gui.test_appraisals_screen import ALT, CTRL, CTRL_SHIFT, _new_dialog, _type, desk  # noqa: F401
from tests.integration.test_inventory_services import new_piece

SNAPS = os.environ.get("FACET_SNAP_DIR", "/tmp")


def _desk(request: pytest.FixtureRequest) -> tuple[AppContext, AppraisalsView]:
    """The appraisals screen for the demo's appraiser (the `desk` fixture of the screen's own tests)."""
    found: tuple[AppContext, AppraisalsView] = request.getfixturevalue("desk")
    view, qtbot = found[1], request.getfixturevalue("qtbot")
    view.activateWindow()  # reached in the test's body, not its setup: the window is made active here
    qtbot.waitUntil(view.isActiveWindow)
    return found


def _riviera(facet: Facet) -> str:
    record = inventory.receive_new_item(new_piece(
        sku="RIV-817", style="tennis", title="Riviera Tennis Necklace", metal="14k white", gram_weight="21.40",
        description="Graduated round brilliants in four-prong links.", chain_length_in="16.5",
        clasp="box with safety", total_carat="8.17", stone_count="61", center_shape="round", center_carat="0.50",
        center_color="F", center_clarity="VS1", cert_lab="", cert_number=""),
        uow=facet.uow(), actor=actor_for(facet, Role.MANAGER))
    return record.spec.sku


def test_typing_an_items_sku_fills_a_new_appraisal_from_its_record_and_keeps_what_the_appraiser_typed(
        qtbot: Any, request: pytest.FixtureRequest, demo_facet: Facet) -> None:
    _context, view = _desk(request)
    sku = _riviera(demo_facet)
    dialog = _new_dialog(qtbot, view)
    f = dialog.form
    press(qtbot, Qt.Key.Key_S, ALT)  # the clasp, typed before the item: the appraiser's own
    assert focused() is f.clasp_edit
    _type(qtbot, "hidden box clasp")
    press(qtbot, Qt.Key.Key_I, ALT)
    assert focused() is f.sku_edit
    _type(qtbot, sku)
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: f.style_combo.currentData() == "tennis", timeout=5_000)
    assert f.metal_combo.currentData() == "14k_white"
    assert (f.gram_weight_edit.text(), f.chain_length_in_edit.text()) == ("21.40", "16.5")
    assert f.description_edit.toPlainText().startswith("Riviera Tennis Necklace. Graduated round brilliants")
    assert f.clasp_edit.text() == "hidden box clasp", "what the appraiser typed stays"
    assert f.value_edit.text() == ""
    assert [[f.stones_table.item(r, c).text() for c in (0, 2, 3)] for r in range(f.stones_table.rowCount())] == [
        ["Center stone", "1", "0.50"], ["Side stones", "60", "7.67"]]
    assert "From the item's record" in f.message_label.text()
    dialog.grab().save(f"{SNAPS}/appraisal_from_item.png")

    press(qtbot, Qt.Key.Key_V, ALT)
    _type(qtbot, "24,000.00")
    press(qtbot, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: dialog.record is not None, timeout=10_000)
    record = dialog.record
    assert record is not None and record.item_id is not None and len(record.spec.stones) == 2
    assert record.spec.style is not None and record.spec.style.value == "tennis"


def test_finalizing_a_tennis_necklace_with_no_stones_asks_and_no_keeps_the_draft(
        qtbot: Any, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    _context, view = _desk(request)
    asked: list[str] = []
    answers = [True, False, True, True]  # finalize? yes; without stones? no; then again yes, yes
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda _p, _t, text: asked.append(text) or answers.pop(0))
    dialog = _new_dialog(qtbot, view)
    f = dialog.form
    press(qtbot, Qt.Key.Key_V, ALT)
    _type(qtbot, "31,000.00")
    press(qtbot, Qt.Key.Key_D, ALT)
    _type(qtbot, "A 14k white gold riviera tennis necklace.")
    press(qtbot, Qt.Key.Key_Y, ALT)
    _type(qtbot, "Tennis")
    press(qtbot, Qt.Key.Key_F, CTRL_SHIFT)
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=10_000)
    assert "A final appraisal never changes" in asked[0]
    assert "lists no stones" in asked[1] and "tennis necklace carries diamonds" in asked[1]
    qtbot.waitUntil(lambda: "not final" in f.message_label.text(), timeout=5_000)
    assert dialog.record is not None and dialog.record.status == "draft"
    assert f.tabs.currentWidget() is f.stones_tab and focused() is f.stones_table
    dialog.grab().save(f"{SNAPS}/appraisal_not_final.png")

    press(qtbot, Qt.Key.Key_F, CTRL_SHIFT)
    qtbot.waitUntil(lambda: dialog.record is not None and dialog.record.status == "final", timeout=10_000)
    assert len(asked) == 4


def test_the_signed_in_appraiser_signs_with_enter_and_no_pin(qtbot: Any, request: pytest.FixtureRequest) -> None:
    from pos_app.gui.appraisals.signer import SignerDialog, ask_signer

    context, view = _desk(request)
    chosen: list[object] = []
    dialog = ask_signer(context, "Which appraiser signs them?", view, chosen.append)
    assert isinstance(dialog, SignerDialog)
    qtbot.waitUntil(lambda: focused() is dialog.form.staff_list)
    assert dialog.form.staff_list.currentItem().text().startswith("Priya Nair")
    assert not dialog.form.pin_edit.isEnabled() and "signs as you" in dialog.form.message_label.text()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert chosen == [None] and dialog.chosen_id == context.require_actor().staff_id
