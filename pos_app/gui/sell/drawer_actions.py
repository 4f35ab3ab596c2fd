"""The sell screen's drawer menu (F10): shifts, paid-in/out, no sale, X and Z reports, printer settings."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QMenu

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.money import Money, parse_money
from pos_app.domain.permissions import Actor, Permission
from pos_app.gui.sell.approve import with_approval
from pos_app.gui.sell.prompts import PromptDialog
from pos_app.services import cash, receipts

if TYPE_CHECKING:
    from pos_app.gui.sell.view import SellView


class DrawerActions:
    def __init__(self, view: SellView) -> None:
        self.view = view
        self.context = view.context
        self.actor = view.actor

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

    def _prompt(self, title: str, prompt: str, accept: Any, done: Any, **kw: Any) -> None:
        dialog = PromptDialog(self.context, title, prompt, accept_with=accept, on_done=done, parent=self.view, **kw)
        self.view.open_dialog(dialog)

    def open_shift(self) -> None:
        currency = self.view.settings.currency

        def accept(value: str, _reason: str) -> str:
            return cash.open_shift(parse_money(value, currency, field="float"), uow=self.context.uow(),
                                   actor=self.actor)

        self._prompt("Open a shift", "Count the float into the drawer: how much is in it?", accept,
                     lambda _id: self.view.say("Shift open. Cash sales count toward this drawer."),
                     value="200.00", value_label="&Float")

    def move(self, kind: str) -> None:
        currency = self.view.settings.currency
        word = "Paid in" if kind == "paid_in" else "Paid out"

        def check(value: str, reason: str) -> tuple[Money, str]:
            amount = parse_money(value, currency, field="amount")
            if not reason.strip():
                raise ValidationError("reason", "say what the cash is for")
            return amount, reason

        def checked(result: tuple[Money, str]) -> None:
            amount, reason = result

            def work(approver: Actor | None) -> str:
                return cash.move_cash(kind, amount, reason, uow=self.context.uow(), actor=self.actor,
                                      approver=approver)

            with_approval(self.view, self.context, work,
                          lambda _id: (self.view.say(f"{word}: {self.context.money(amount.cents)} recorded."),
                                       self._kick()),
                          on_problem=self.view.show_problem)

        self._prompt(word, f"{word}: the amount and what it is for.", check, checked, value_label="&Amount",
                     reason="", on_gui_thread=True)

    def no_sale(self) -> None:
        def work(approver: Actor | None) -> None:
            cash.no_sale("no sale", uow=self.context.uow(), actor=self.actor, approver=approver)

        with_approval(self.view, self.context, work, lambda _r: (self._kick(), self.view.say("Drawer opened.")),
                      on_problem=self.view.show_problem)

    def _kick(self) -> None:
        context = self.context

        def failed(exc: BaseException) -> None:
            if isinstance(exc, UserFacingError):
                self.view.show_problem(UserFacingError(f"The drawer did not open: {exc}"))

        context.runner.run(lambda: receipts.kick_drawer(printer=context.printer()), on_done=lambda _r: None,
                           on_error=failed, parent=self.view, lane="io")

    def _show_report(self, title: str, report: cash.ShiftReport) -> Any:
        from pos_app.gui.counter.drawer import ReportDialog

        rows = report.rows(self.context.profile.locale)
        dialog: ReportDialog

        def print_it() -> None:
            context = self.context

            def work() -> receipts.PrintOutcome:
                return receipts.print_report(title, rows, printer=context.printer(),
                                             directory=context.facet.directory(), at=dt.datetime.now().astimezone())

            context.runner.run(work, on_done=lambda outcome: dialog.say(outcome.message, not outcome.printed),
                               parent=dialog, lane="io")

        dialog = ReportDialog(self.context, title, rows, print_it, parent=self.view)
        dialog.print_now = print_it  # type: ignore[attr-defined]
        self.view.open_dialog(dialog)
        return dialog

    def x_report(self) -> None:
        try:
            report = cash.x_report(sales=self.context.sales, actor=self.actor, uow=self.context.uow())
        except UserFacingError as problem:
            self.view.show_problem(problem)
            return
        self._show_report("X report", report)

    def close_shift(self) -> None:
        from pos_app.gui.counter.drawer import CloseShiftDialog

        def closed(report: cash.ShiftReport) -> None:
            variance = report.variance
            self.view.say(f"Shift closed. Over/short: {self.context.money(variance.cents if variance else 0)}.")
            dialog = self._show_report("Z report", report)
            dialog.print_now()

        try:
            dialog = CloseShiftDialog(self.context, closed, parent=self.view)
        except UserFacingError as problem:
            self.view.show_problem(problem)
            return
        self.view.open_dialog(dialog)

    def large_cash(self) -> None:
        from pos_app.gui.counter.drawer import ReportDialog
        from pos_app.services.sales import large_cash_payments

        money = self.context.money
        rows = [(r.sale_number or "", f"{r.created_at.astimezone(ZoneInfo(self.view.settings.timezone)):%Y-%m-%d}",
                 r.full_name, money(r.cash_cents), money(r.twelve_month_cents), r.status.replace("_", " "))
                for r in large_cash_payments(sales=self.context.sales, actor=self.actor, uow=self.context.uow())]
        dialog = ReportDialog(self.context, "Cash over $10,000 (IRS Form 8300)", rows, None, parent=self.view,
                              headers=["Sale", "Date", "Payer", "Cash", "Cash in 12 months", "Status"],
                              numeric=(3, 4))
        dialog.resize(820, 420)
        self.view.open_dialog(dialog)

    def printer_settings(self) -> None:
        from pos_app.gui.sell.printer_settings import PrinterDialog

        dialog = PrinterDialog(self.context, parent=self.view)
        self.view.open_dialog(dialog)
