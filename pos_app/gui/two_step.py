"""Setting up two-step sign-in on screen: a QR code for the authenticator app, the key as
text, a code to confirm, then the recovery codes, shown once.

`EnrolPanel` is used in two places: on the sign-in screen (the owner and the
privacy officer must set it up before they reach the workspace) and in a
dialog from the workspace header (anyone may). The QR code is drawn with
ReportLab's QR encoder, already a dependency for documents.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Actor
from pos_app.gui.base import mark_info, mark_problem, open_dialog
from pos_app.gui.context import AppContext
from pos_app.gui.forms import Form
from pos_app.services import two_step
from pos_app.services.ports.store import Store

CODES_INTRO = ("Write these recovery codes down and keep them away from the counter. Each one signs you in "
               "once, instead of the 6-digit code, if your phone is lost. They are not shown again.")


def qr_image(text: str, *, module_px: int = 5, quiet_modules: int = 4) -> QImage:
    """`text` as a black-on-white QR code (error correction M), with the quiet zone scanners need."""
    from reportlab.graphics.barcode import qrencoder

    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    count = code.getModuleCount()
    side = (count + 2 * quiet_modules) * module_px
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    black = QColor("black")
    for row in range(count):
        for col in range(count):
            if code.isDark(row, col):
                painter.fillRect((col + quiet_modules) * module_px, (row + quiet_modules) * module_px,
                                 module_px, module_px, black)
    painter.end()
    return image


def codes_text(codes: Sequence[str]) -> str:
    """Two columns of codes, numbered, for reading off the screen."""
    half = (len(codes) + 1) // 2
    lines = []
    for n in range(half):
        left = f"{n + 1:>2}. {codes[n]}"
        right = f"{n + half + 1:>2}. {codes[n + half]}" if n + half < len(codes) else ""
        lines.append(f"{left}    {right}".rstrip())
    return "\n".join(lines)


class EnrolPanel(QWidget):
    setup_finished = Signal()
    """The person saw their recovery codes and went on."""
    cancel_requested = Signal()
    """The person left without setting up (Esc)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.form = Form("two_step_enrol.ui", self, margin=0)
        f = self.form
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSize(12)
        f.key_label.setFont(mono)
        f.codes_label.setFont(mono)
        f.confirm_button.setProperty("primary", True)
        f.confirm_button.clicked.connect(self._primary)
        f.cancel_button.clicked.connect(self._cancel)
        for keys in ("Return", "Enter"):
            QShortcut(QKeySequence(keys), self, self._primary, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Esc"), self, self._cancel, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.offer: two_step.Enrolment | None = None
        self._actor: Actor | None = None
        self._busy = False

    def begin(self, actor: Actor, *, required: bool) -> None:
        """Offer a new key to `actor`: QR code, key text, and a field for the code."""
        f = self.form
        self._actor = actor
        self.offer = two_step.start_enrolment(actor, store_name=self.context.profile.name)
        f.title_label.setText("Set up two-step sign-in")
        why = (f"{actor.role.label}s sign in with a one-time code as well as the password. "
               if required else "")
        f.intro_label.setText(f"{why}Scan this with an authenticator app on your phone (Google or Microsoft "
                              "Authenticator, 1Password, …), then type the 6-digit code it shows.")
        # 4 px a module: a phone reads it across the counter, and the card fits a 1280x800 screen
        qr = QPixmap.fromImage(qr_image(self.offer.uri, module_px=4))
        f.qr_label.setPixmap(qr)
        # The whole code with its quiet zone, always: a phone cannot scan a code cut at the top and bottom.
        # The card is as tall as its parts' size hints, and a wrapped label's hint counts the lines of a
        # wider label than the card gives it, so the intro's real height is asked for here; without it the
        # QR code of a long name ("Rosalind Hart (Rosalind Fine Jewelry)") was cut to fit.
        f.qr_label.setMinimumSize(qr.size())
        margins = f.card.layout().contentsMargins()
        f.intro_label.setMinimumHeight(f.intro_label.heightForWidth(
            f.card.minimumWidth() - margins.left() - margins.right()))
        f.key_label.setText(self.offer.key_text)
        f.code_edit.clear()
        f.cancel_button.setText("Sign out  (Esc)" if required else "Cancel  (Esc)")
        f.cancel_button.setVisible(True)
        f.confirm_button.setText("Confirm  (Enter)")
        mark_info(f.message_label, "")
        f.steps.setCurrentWidget(f.scan_page)
        self._fit_card()
        f.code_edit.setFocus()

    def show_codes(self, codes: Sequence[str], *, title: str, intro: str = CODES_INTRO) -> None:
        """The recovery codes, once; Enter goes on."""
        f = self.form
        self.offer = None
        f.title_label.setText(title)
        f.codes_intro_label.setText(intro)
        f.codes_label.setText(codes_text(codes))
        f.cancel_button.setVisible(False)
        f.confirm_button.setText("I have written them down  (Enter)")
        mark_info(f.message_label, "")
        f.steps.setCurrentWidget(f.codes_page)
        self._fit_card()
        f.confirm_button.setFocus()

    def _fit_card(self) -> None:
        """The card at least as tall as all its wrapped text needs at its narrowest (the intro's height alone
        is not enough: "No camera? Type this key…" wraps too). A wizard page or the main window lays the card
        out by its minimum size, not its height for width, and that text was drawn over the QR code."""
        card = self.form.card
        card.setMinimumHeight(card.heightForWidth(card.minimumWidth()))

    @property
    def showing_codes(self) -> bool:
        return bool(self.form.steps.currentWidget() is self.form.codes_page)

    def _primary(self) -> None:
        if self.showing_codes:
            self.form.codes_label.clear()  # not left on screen behind the workspace
            self.setup_finished.emit()
        else:
            self.confirm()

    def _cancel(self) -> None:
        if not self.showing_codes and not self._busy:
            self.offer = None
            self.cancel_requested.emit()

    def confirm(self) -> None:
        offer, actor = self.offer, self._actor
        if offer is None or actor is None or self._busy:
            return
        code = self.form.code_edit.text()
        hasher = self.context.devices.hasher()  # read on the GUI thread (the store's current costs)
        self._busy = True
        mark_info(self.form.message_label, "Checking…")

        def work(store: Store) -> list[str]:
            return two_step.confirm_enrolment(offer, code, uow=store.uow(), actor=actor, hasher=hasher)

        self.context.runner.run(work, on_done=self._enrolled, on_error=self._failed, parent=self)

    def _enrolled(self, codes: list[str]) -> None:
        self._busy = False
        self.show_codes(codes, title="Two-step sign-in is on")

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        if isinstance(exc, UserFacingError):
            self.show_problem(exc)
            return
        mark_info(self.form.message_label, "")
        from pos_app.gui.ops import show_error

        show_error(self, exc)

    def show_problem(self, exc: UserFacingError) -> None:
        mark_problem(self.form.message_label, str(exc))
        self.form.code_edit.selectAll()
        self.form.code_edit.setFocus()


class EnrolDialog(QDialog):
    """The panel in a window of its own: enrolling from the workspace, or showing new recovery codes."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Two-step sign-in")
        self.panel = EnrolPanel(context, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        self.panel.setup_finished.connect(self.accept)
        self.panel.cancel_requested.connect(self.reject)

    @classmethod
    def enrol(cls, context: AppContext, parent: QWidget) -> EnrolDialog:
        dialog = cls(context, parent)
        dialog.panel.begin(context.require_actor(), required=False)
        open_dialog(dialog, parent)
        return dialog

    @classmethod
    def codes(cls, context: AppContext, parent: QWidget, codes: Sequence[str], *, name: str,
              own: bool) -> EnrolDialog:
        """Show new recovery codes once: your `own`, or someone's to hand over in person."""
        dialog = cls(context, parent)
        handover = "" if own else f"Give these to {name} in person. "
        dialog.panel.show_codes(codes, title=f"New recovery codes for {name}",
                                intro=f"{handover}The old ones no longer work. " + CODES_INTRO)
        open_dialog(dialog, parent)
        return dialog
