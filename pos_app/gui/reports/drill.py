"""Drill-through: from a report's row or a dashboard figure to what it is made of.

A `Drill` names "sales" (the receipts of a period, narrowed by filters) or
"items" (pieces of a style, a metal, a location, or one piece). Sales are the
`receipts` report on the Report page; pieces are the Inventory screen filtered
to them, where it can show them (its filters are style, metal and location,
and its search finds a SKU); otherwise the receipts of the same period and
filters stand in.
"""

from __future__ import annotations

from typing import Protocol, cast

from PySide6.QtWidgets import QWidget

from pos_app.gui.context import AppContext
from pos_app.services import inventory
from pos_app.services.ports.reports import Drill, ReportRequest
from pos_app.services.reports import catalog


class Workspace(Protocol):
    """What a drill needs of the workspace (`gui/workspace.py`, which imports the Reports screen, which
    imports this: so it is named by what it does, not imported)."""

    context: AppContext
    screens: dict[str, QWidget]

    def show_screen(self, title: str) -> QWidget: ...

    def current_screen(self) -> QWidget | None: ...

INVENTORY_KEYS = frozenset({"style", "metal", "location", "sku", "item"})
"""The filters of an items drill the Inventory screen can show."""


def _sku_of(item_id: str, context: AppContext) -> str | None:
    store = context.store  # the GUI thread's connection, as the inventory list reads
    found = inventory.rows_by_ids([item_id], reader=store.inventory, actor=context.require_actor(), uow=store.uow())
    return found[0].sku if found else None


def receipts_request(drill: Drill, context: AppContext) -> ReportRequest:
    """The receipts behind a drill: its period (the report's usual one without) and the filters receipts take
    (a piece is its SKU)."""
    keys = catalog.spec("receipts").filter_keys
    filters: list[tuple[str, str]] = []
    for key, value in drill.filters:
        if key == "item" and "sku" in keys:
            sku = _sku_of(value, context)
            if sku is not None:
                filters.append(("sku", sku))
        elif key in keys:
            filters.append((key, value))
    period = drill.period
    return ReportRequest("receipts", period.first if period else None, period.last if period else None, None,
                         tuple(filters))


def workspace_of(widget: QWidget) -> Workspace | None:
    """The workspace a screen is in (None for a screen shown on its own): the nearest parent that holds
    screens and shows them."""
    found = widget.parentWidget()
    while found is not None and not (hasattr(found, "screens") and hasattr(found, "show_screen")):
        found = found.parentWidget()
    return cast("Workspace | None", found)


def bring_to_front(screen: QWidget) -> None:
    """Show `screen` in its workspace, as its side bar row would (nothing when it is shown on its own)."""
    workspace = workspace_of(screen)
    if workspace is None:
        return
    title = next((t for t, s in workspace.screens.items() if s is screen), None)
    if title is not None and workspace.current_screen() is not screen:
        workspace.show_screen(title)


def show_items(view: QWidget, drill: Drill) -> bool:
    """The Inventory screen in front, filtered to the drill's pieces; False when it cannot show them (a filter
    it has not, no Inventory screen for this person): the caller shows the receipts instead."""
    from pos_app.gui.inventory.view import InventoryView

    given = dict(drill.filters)
    if not given or any(key not in INVENTORY_KEYS for key in given):
        return False
    workspace = workspace_of(view)
    if workspace is None or not isinstance(workspace.screens.get("Inventory"), InventoryView):
        return False
    context: AppContext = workspace.context
    text = given.get("sku", "")
    if "item" in given:
        sku = _sku_of(given["item"], context)
        if sku is None:
            return False
        text = sku
    screen = workspace.screens["Inventory"]
    assert isinstance(screen, InventoryView)
    if not screen.show_filtered(text=text, style=given.get("style", ""), metal=given.get("metal", ""),
                                location=given.get("location", "")):
        return False
    workspace.show_screen("Inventory")
    screen.form.table.setFocus()
    return True
