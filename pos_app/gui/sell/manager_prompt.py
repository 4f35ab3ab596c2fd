"""A sell-screen prompt whose change may need the clerk's confirmation and a manager: a discount or a price.

`ask_with_manager` opens the prompt (a value and a reason). Its change, `build(value, reason, approver,
confirmed, store)`, is the service call, run on the database worker with the job's store handle:
- a `checkout.DiscountToConfirm` closes the prompt and asks the clerk to confirm (Enter gives the discount,
  Esc does not), then runs `build` again confirmed;
- an `ApprovalNeeded`, from either try, closes the prompt and asks a manager (`gui/approval.py`, the reason
  typed shown to them), then runs `build` again with the approver;
- any other refusal stays in the prompt, inline, as in every prompt.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from pos_app.domain.cart import Cart
from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor
from pos_app.gui.approval import approve_and_retry, with_approval
from pos_app.gui.context import AppContext
from pos_app.gui.sell.prompts import ChoiceDialog, PromptDialog
from pos_app.gui.sell.screen import CounterScreen
from pos_app.services import checkout
from pos_app.services.guard import ApprovalNeeded
from pos_app.services.ports.store import Store

Build = Callable[[str, str, Actor | None, bool, Store], Cart]
"""The change: (value, reason, approver or None, confirmed, the job's store) -> the new cart; runs on the
database worker."""


class ManagerPromptDialog(PromptDialog):
    """A prompt whose change a confirmation or a manager may have to allow first.

    A refusal that only the clerk's confirmation (`DiscountToConfirm`) or a manager (`ApprovalNeeded`) can
    lift closes the prompt and goes, with what was typed, to `on_held(value, reason, refusal)`; any other
    refusal is shown inline and the prompt stays open.
    """

    def __init__(self, context: AppContext, title: str, prompt: str, *, build: Build,
                 on_done: Callable[[Cart], None], on_held: Callable[[str, str, UserFacingError], None],
                 value: str, value_label: str, reason: str | None, reason_label: str, reason_required: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, title, prompt, value=value, value_label=value_label, reason=reason,
                         reason_label=reason_label, accept_with=lambda v, r, store: build(v, r, None, False, store),
                         on_done=on_done, parent=parent, reason_required=reason_required)
        self._on_held = on_held

    def show_problem(self, exc: UserFacingError) -> None:
        if isinstance(exc, checkout.DiscountToConfirm | ApprovalNeeded):
            value, reason = self.form.value_edit.text(), self.form.reason_edit.text()
            self.accept()
            self._on_held(value, reason, exc)
            return
        super().show_problem(exc)


def ask_with_manager(screen: CounterScreen, parent: QWidget, title: str, prompt: str, build: Build,
                     on_done: Callable[[Cart], None], *, value: str = "", reason: str | None = None,
                     value_label: str = "&Value", reason_label: str = "&Reason",
                     reason_required: bool = True) -> ManagerPromptDialog:
    """Open the prompt over `parent` through `screen.open_dialog`; `on_done(cart)` once the change is made."""
    context = screen.context

    def retried(value: str, reason: str, confirmed: bool) -> Callable[[Store, Actor | None], Cart]:
        return lambda store, approver: build(value, reason, approver, confirmed, store)

    def confirm(value: str, reason: str, asked: UserFacingError) -> None:
        def confirmed(_yes: object) -> None:
            with_approval(parent, context, retried(value, reason, True), on_done, why=reason)

        question = ChoiceDialog(context, "Confirm the discount", f"{asked} Enter gives it; Esc does not.",
                                [("Give this discount", True)], confirmed, choose_text="Give it  Enter",
                                parent=parent)
        answers = question.form.choices_list  # one answer: as tall as its row, not a list's height
        row = max(answers.sizeHintForRow(0), answers.fontMetrics().height() + 12)
        answers.setFixedHeight(row + 2 * answers.frameWidth() + 4)
        question.setMinimumWidth(460)
        question.adjustSize()
        question.rejected.connect(lambda: screen.say("The discount was not given."))
        screen.open_dialog(question)

    def held(value: str, reason: str, refusal: UserFacingError) -> None:
        if isinstance(refusal, ApprovalNeeded):
            approve_and_retry(parent, context, refusal, retried(value, reason, False), on_done, why=reason)
        else:
            confirm(value, reason, refusal)

    dialog = ManagerPromptDialog(context, title, prompt, build=build, on_done=on_done, on_held=held, value=value,
                                 value_label=value_label, reason=reason, reason_label=reason_label,
                                 reason_required=reason_required, parent=parent)
    screen.open_dialog(dialog)
    return dialog
