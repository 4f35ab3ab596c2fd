"""The sell screen's drawer menu (F10): shifts, paid-in/out, no sale, X and Z reports, printer settings.

It knows the screen it opens from only as a `CounterScreen` (`sell/screen.py`): the sell screen imports
this module, never the other way round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QMenu, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.money import Money, parse_money
from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.approval import with_approval
from pos_app.gui.counter.drawer import CloseShiftDialog, ReportDialog
from pos_app.gui.sell.prompts import PromptDialog
from pos_app.gui.sell.screen import CounterScreen
from pos_app.services import cash, receipts
from pos_app.services.ports.sales import LargeCashRow
from pos_app.services.ports.store import Store

T = TypeVar("T")


class DrawerActions:
    """The F10 menu's actions. `screen` tells the clerk and opens the dialogs; `parent` (the same screen, as a
    widget) owns them. Each change runs on the database worker; printing and the drawer's kick on the io lane."""

    def __init__(self, screen: CounterScreen, parent: QWidget) -> None:
        self.screen = screen
        self.parent = parent
        self.context = screen.context
        self.actor = screen.actor

    def fill(self, menu: QMenu) -> None:
        shift = self.context.sales.open_shift(self.actor.terminal)
        if shift is None:
            menu.addAction("Open a shift…", self.open_shift)
        else:
            menu.addAction("Paid in…", lambda: self.move("paid_in"))
            menu.addAction("Paid out…", lambda: self.move("paid_out"))
            menu.addAction("Open the drawer (no sale)…", self.no_sale)
            menu.addAction("X report (the shift so far)", self.x_report)
            menu.addAction("Close the shift…", self.close_shift)
        if self.actor.can(Permission.VIEW_SALES_REPORTS):
            menu.addSeparator()
            menu.addAction("Cash over $10,000 (Form 8300)…", self.large_cash)
        if self.actor.can(Permission.MANAGE_PRINTER):  # the manager on duty too, not only the owner
            menu.addSeparator()
            menu.addAction("Printer settings…", self.printer_settings)

    def _prompt(self, title: str, prompt: str, accept: Callable[[str, str], Any], done: Callable[[Any], None],
                **kw: Any) -> None:
        dialog = PromptDialog(self.context, title, prompt, accept_with=accept, on_done=done, parent=self.parent, **kw)
        self.screen.open_dialog(dialog)

    def _read(self, work: Callable[[Store], T], on_done: Callable[[T], None]) -> None:
        """A read (a guarded one: a refusal is an audit event) on the worker; a refusal on the screen."""
        self.context.runner.run(work, on_done=on_done, on_error=self._refused, parent=self.parent)

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.screen.show_problem(exc)
        else:
            from pos_app.gui.ops import show_error

            show_error(self.parent, exc)

    def open_shift(self) -> None:
        currency, actor, context = self.screen.settings.currency, self.actor, self.context

        def accept(value: str, _reason: str) -> str:
            # Run by the prompt on the database worker (PromptDialog hands its check no store handle).
            return cash.open_shift(parse_money(value, currency, field="float"), uow=context.uow(), actor=actor)

        self._prompt("Open a shift", "Count the float into the drawer: how much is in it?", accept,
                     lambda _id: self.screen.say("Shift open. Cash sales count toward this drawer."),
                     value="200.00", value_label="&Float")

    def move(self, kind: str) -> None:
        currency, actor = self.screen.settings.currency, self.actor
        word = "Paid in" if kind == "paid_in" else "Paid out"

        def check(value: str, reason: str) -> tuple[Money, str]:
            amount = parse_money(value, currency, field="amount")
            if not reason.strip():
                raise ValidationError("reason", "say what the cash is for")
            return amount, reason

        def checked(result: tuple[Money, str]) -> None:
            amount, reason = result

            def work(store: Store, approver: Actor | None) -> str:
                return cash.move_cash(kind, amount, reason, uow=store.uow(), actor=actor, approver=approver)

            def recorded(_movement_id: str) -> None:
                self._kick(f"{word}: {self.context.money(amount.cents)} recorded.")

            with_approval(self.parent, self.context, work, recorded, on_error=self._refused)

        self._prompt(word, f"{word}: the amount and what it is for.", check, checked, value_label="&Amount",
                     reason="", on_gui_thread=True)

    def no_sale(self) -> None:
        actor = self.actor

        def work(store: Store, approver: Actor | None) -> None:
            cash.no_sale("no sale", uow=store.uow(), actor=actor, approver=approver)

        def opened(_none: None) -> None:
            self._kick("No sale recorded.", opened="Drawer opened.")

        with_approval(self.parent, self.context, work, opened, on_error=self._refused)

    def _kick(self, recorded: str, *, opened: str = "") -> None:
        """Open the drawer for a change already saved, then say one message once the printer has answered:
        `opened` (or `recorded`) when the drawer opened, `recorded` and why it did not otherwise. One message,
        not "Drawer opened." corrected a moment later by the printer's refusal."""
        printer = self.context.devices.receipt_printer()

        def failed(exc: BaseException) -> None:
            why = str(exc) if isinstance(exc, UserFacingError) else "the receipt printer did not answer."
            self.screen.show_problem(UserFacingError(f"{recorded} The drawer did not open: {why}"))

        self.context.runner.run(lambda: receipts.kick_drawer(printer=printer),
                                on_done=lambda _r: self.screen.say(opened or recorded),
                                on_error=failed, parent=self.parent, lane="io")

    def _show_report(self, title: str, report: cash.ShiftReport, *, print_at_once: bool = False) -> ReportDialog:
        rows = report.rows(self.context.profile.locale)
        context = self.context
        dialog: ReportDialog

        def print_it() -> None:
            printer = context.devices.receipt_printer()

            def work(store: Store) -> receipts.PrintOutcome:
                return receipts.print_report(title, rows, printer=printer, directory=store.directory,
                                             at=dt.datetime.now().astimezone())

            context.runner.run(work, on_done=lambda outcome: dialog.say(outcome.message, not outcome.printed),
                               parent=dialog, lane="io")

        dialog = ReportDialog(self.context, title, rows, print_it, parent=self.parent)
        self.screen.open_dialog(dialog)
        if print_at_once:
            print_it()
        return dialog

    def x_report(self) -> None:
        actor = self.actor

        def work(store: Store) -> cash.ShiftReport:
            return cash.x_report(sales=store.sales, actor=actor, uow=store.uow())

        def show(report: cash.ShiftReport) -> None:
            self._show_report("X report", report)

        self._read(work, show)

    def close_shift(self) -> None:
        actor = self.actor

        def closed(report: cash.ShiftReport) -> None:
            variance = report.variance
            self.screen.say(f"Shift closed. Over/short: {self.context.money(variance.cents if variance else 0)}.")
            self._show_report("Z report", report, print_at_once=True)

        def so_far(store: Store) -> cash.ShiftReport:
            return cash.x_report(sales=store.sales, actor=actor, uow=store.uow())

        def count(report: cash.ShiftReport) -> None:
            self.screen.open_dialog(CloseShiftDialog(self.context, report, closed, parent=self.parent))

        self._read(so_far, count)

    def large_cash(self) -> None:
        from pos_app.services.sales import large_cash_payments

        actor, money, zone = self.actor, self.context.money, ZoneInfo(self.screen.settings.timezone)

        def work(store: Store) -> list[LargeCashRow]:
            return large_cash_payments(sales=store.sales, actor=actor, uow=store.uow())

        def show(found: list[LargeCashRow]) -> None:
            rows = [(r.sale_number or "", f"{r.created_at.astimezone(zone):%Y-%m-%d}", r.full_name,
                     money(r.cash_cents), money(r.twelve_month_cents), r.status.replace("_", " ")) for r in found]
            dialog = ReportDialog(self.context, "Cash over $10,000 (IRS Form 8300)", rows, None, parent=self.parent,
                                  headers=["Sale", "Date", "Payer", "Cash", "Cash in 12 months", "Status"],
                                  numeric=(3, 4))
            dialog.resize(820, 420)
            self.screen.open_dialog(dialog)

        self._read(work, show)

    def printer_settings(self) -> None:
        from pos_app.gui.sell.printer_settings import open_printer_settings

        open_printer_settings(self.context, self.parent, self.screen.open_dialog)
