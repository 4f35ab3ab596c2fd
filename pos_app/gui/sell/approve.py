"""Running a change that may need a manager's approval (a PIN for that one action)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor
from pos_app.gui.context import AppContext
from pos_app.gui.ops import show_error
from pos_app.services.guard import ApprovalNeeded


def with_approval(parent: QWidget, context: AppContext, work: Callable[[Actor | None], Any],
                  on_done: Callable[[Any], None], *, on_problem: Callable[[UserFacingError], None] | None = None,
                  lane: str = "db") -> None:
    """Run `work(None)`; if it needs a manager, ask for one and run `work(approver)`."""

    def failed(exc: BaseException) -> None:
        if isinstance(exc, ApprovalNeeded):
            from pos_app.gui.counter.approval import ask_approval

            ask_approval(context, exc, parent, lambda approver: context.runner.run(
                lambda: work(approver), on_done=on_done, on_error=failed_again, parent=parent, lane=lane))
            return
        failed_again(exc)

    def failed_again(exc: BaseException) -> None:
        if isinstance(exc, UserFacingError) and on_problem is not None:
            on_problem(exc)
        else:
            show_error(parent, exc)

    context.runner.run(lambda: work(None), on_done=on_done, on_error=failed, parent=parent, lane=lane)
