"""What the appraisal dialog's helpers (its fields, owner and item, photos, versions, saving) need of the dialog.

They know the dialog only through `AppraisalEditor`, so none of them imports `appraisals/dialog.py`: the
dialog imports them, never the other way round (`tests/unit/test_import_cycles.py` keeps it so).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtWidgets import QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor
from pos_app.gui.appraisals.fields import FormFields
from pos_app.gui.appraisals.stones import StonesEditor
from pos_app.gui.context import AppContext
from pos_app.services.ports.appraisals import AppraisalReader, AppraisalRecord, AppraisalVersionRow


class AppraisalEditor(Protocol):
    """The dialog a helper works for: the version it shows, its form, and the worker its writes run on."""

    context: AppContext
    actor: Actor
    reader: AppraisalReader
    form: Any  # the loaded Qt Designer form (`gui/forms.py`): its widgets by object name
    fields: FormFields
    stones: StonesEditor
    record: AppraisalRecord | None
    versions: list[AppraisalVersionRow]
    owner_id: str | None
    item_id: str | None
    pending_photos: list[bytes]
    from_item: dict[str, Any]
    saved_path: Path | None
    can_write: bool
    can_finalize: bool

    @property
    def editable(self) -> bool:
        """A draft this person may change (or a new appraisal)."""

    def as_widget(self) -> QWidget:
        """The dialog itself, as the parent of the dialogs a helper opens."""

    def run(self, work: Callable[..., Any], on_done: Callable[[Any], object], *, lane: str = "db") -> None:
        """Run `work` on the worker, then `on_done` with its result on the GUI thread."""

    def load(self, appraisal_id: str, message: str = "", problem: UserFacingError | None = None,
             then: Callable[[AppraisalRecord], None] | None = None) -> None:
        """Read the version and show it, then say `message` or `problem` and continue with `then`."""

    def show_problem(self, exc: UserFacingError) -> None:
        """Say what is wrong; a field's problem marks and focuses the field."""

    def show_tab(self, n: int) -> None:
        """Show tab `n` (0 details, 1 stones, 2 photos, 3 notes) with its first field focused."""
