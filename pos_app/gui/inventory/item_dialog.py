"""One item: its details (editable by managers), photos and stock history."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QListWidgetItem, QWidget

from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.permissions import Permission
from pos_app.domain.store import DEFAULT_LOCATIONS
from pos_app.gui import dialogs
from pos_app.gui.base import FacetDialog, mark_info
from pos_app.gui.context import AppContext
from pos_app.gui.inventory.item_form import ItemForm
from pos_app.gui.tables import fill
from pos_app.services import inventory
from pos_app.services.inventory import ItemDetail
from pos_app.services.ports.inventory import ItemRecord, Movement
from pos_app.services.ports.store import Store

_KIND = {"receive": "Received", "sale": "Sold", "return": "Returned", "adjustment": "Adjusted",
         "transfer_in": "Transferred in", "transfer_out": "Transferred out", "memo_out": "Out on memo",
         "memo_in": "Back from memo", "count": "Stock count", "in_transit": "In transit"}


class ItemDialog(FacetDialog):
    def __init__(self, context: AppContext, item_id: str, parent: QWidget | None = None) -> None:
        super().__init__(context, "item_dialog.ui", "Item", parent)
        self.item_id = item_id
        self.detail: ItemDetail | None = None
        locations = context.store.directory.setting("inventory.locations", list(DEFAULT_LOCATIONS))
        self.item_form = ItemForm(locations, self.form.details_tab)
        self.form.details_tab.layout().addWidget(self.item_form)
        self.item_form.form.message_label.hide()
        self.can_edit = context.can(Permission.EDIT_ITEM)
        f = self.form
        f.save_button.setVisible(self.can_edit)
        f.add_photo_button.setVisible(self.can_edit)
        f.remove_photo_button.setVisible(self.can_edit)
        f.adjust_button.setVisible(context.can(Permission.COUNT_STOCK))  # a clerk's needs a manager's PIN
        f.tags_button.setVisible(context.can(Permission.PRINT_TAGS))
        f.save_button.clicked.connect(self.save)
        f.close_button.clicked.connect(self.reject)
        f.adjust_button.clicked.connect(self.adjust)
        f.tags_button.clicked.connect(self.print_tag)
        f.add_photo_button.clicked.connect(self.add_photos)
        f.remove_photo_button.clicked.connect(self.remove_photo)
        if self.can_edit:
            self.shortcut("Ctrl+S", self.save)
            self.shortcut("Ctrl+Shift+A", self.add_photos)
            self.shortcut("Del", self.remove_photo)
        if context.can(Permission.COUNT_STOCK):
            self.shortcut("Ctrl+J", self.adjust)
        if context.can(Permission.PRINT_TAGS):
            self.shortcut("Ctrl+P", self.print_tag)
        for n in range(3):
            self.shortcut(f"Alt+{n + 1}", partial(f.tabs.setCurrentIndex, n))
        self.resize(1180, 680)
        self.load()

    def load(self) -> None:
        actor = self.context.require_actor()
        item_id, store = self.item_id, self.context.store

        def work(job: Store) -> ItemDetail:
            return inventory.item_detail(item_id, uow=job.uow(), actor=actor)

        self.run(work, self._show)
        self._show_history(inventory.history(item_id, reader=store.inventory, actor=actor, uow=store.uow()))

    def _show(self, detail: ItemDetail) -> None:
        self.detail = detail
        spec = detail.record.spec
        self.setWindowTitle(f"{spec.sku} — {spec.title}")
        self.form.heading_label.setText(
            f"{spec.sku} · {spec.title} · {self.context.money(spec.price.cents, spec.price.currency)} · "
            f"{detail.record.on_hand} on hand")
        self.item_form.set_values(detail.fields)
        self.item_form.set_read_only(not self.can_edit)
        if self.can_edit:
            for name in ("quantity", "tracking"):
                widget = self.item_form.widget(name)
                if widget is not None:
                    widget.setEnabled(False)
        if not detail.can_see_cost:
            self.item_form.hide_fields(["cost"])
        self._show_photos(detail)

    def _show_photos(self, detail: ItemDetail) -> None:
        lst = self.form.photo_list
        lst.clear()
        for photo in detail.photos:
            pixmap = QPixmap()
            pixmap.loadFromData(photo.data)
            item = QListWidgetItem(QIcon(pixmap.scaled(QSize(440, 440), Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation)), "")
            item.setData(Qt.ItemDataRole.UserRole, photo.id)
            lst.addItem(item)
        self.form.tabs.setTabText(1, f"Photos ({len(detail.photos)})  (Alt+2)")

    def _show_history(self, moves: list[Movement]) -> None:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(self.context.profile.timezone)
        by_store = any(m.store_code for m in moves)  # a sync group: whose stock each line changed
        headers = ["When", "What", *(["Store"] if by_store else []), "Quantity", "Reason", "Reference", "By",
                   "Counter"]
        rows = [(m.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), _KIND.get(m.kind, m.kind),
                 *([m.store_code] if by_store else []), f"{m.quantity:+d}", m.reason, m.reference or "",
                 m.staff_name or "", m.terminal) for m in moves]
        fill(self.form.history_table, headers, rows, numeric=[headers.index("Quantity")])
        self.form.tabs.setTabText(2, f"Stock history ({len(moves)})  (Alt+3)")

    def save(self) -> None:
        if not self.can_edit or self.detail is None:
            return
        values = self.item_form.values()
        actor = self.context.require_actor()

        item_id = self.item_id

        def work(store: Store) -> ItemRecord:
            return inventory.update_item(item_id, values, uow=store.uow(), actor=actor)

        def done(record: ItemRecord) -> None:
            mark_info(self.form.message_label, f"Saved {record.spec.sku}.")
            self.context.changed.emit("items")
            self.load()

        self.item_form.clear_problem()
        self.run(work, done)

    def show_problem(self, exc: UserFacingError) -> None:
        super().show_problem(exc)
        self.form.tabs.setCurrentIndex(0)
        self.item_form.show_problem(exc)
        self.item_form.form.message_label.hide()

    def add_photos(self) -> None:
        paths = dialogs.ask_open_paths(self, "Add photos", "Images (*.jpg *.jpeg *.png)")
        if not paths:
            return
        actor, item_id = self.context.require_actor(), self.item_id

        def work(store: Store) -> int:
            photos = []
            for path in paths:
                try:
                    if path.stat().st_size > inventory.MAX_PHOTO_BYTES:
                        raise ValidationError("photo", f"{path.name} is larger than 10 MB; resize it first")
                    photos.append(path.read_bytes())
                except OSError as exc:
                    raise ValidationError("photo", f"{path.name} cannot be read: {exc.strerror}") from None
            return len(inventory.add_photos(item_id, photos, uow=store.uow(), actor=actor))

        def done(n: int) -> None:
            mark_info(self.form.message_label, f"Added {n} photo(s).")
            self.load()

        self.run(work, done)

    def remove_photo(self) -> None:
        item = self.form.photo_list.currentItem()
        if item is None or self.form.tabs.currentIndex() != 1:
            return
        photo_id = item.data(Qt.ItemDataRole.UserRole)
        actor = self.context.require_actor()
        self.run(lambda store: inventory.remove_photo(photo_id, uow=store.uow(), actor=actor),
                 lambda _none: self.load())

    def adjust(self) -> None:
        from pos_app.gui.inventory.adjust_dialog import AdjustDialog

        store = self.context.store
        rows = inventory.rows_by_ids([self.item_id], reader=store.inventory, actor=self.context.require_actor(),
                                     uow=store.uow())
        if not rows:
            return
        self.adjust_dialog = AdjustDialog(self.context, rows[0], self)
        self.adjust_dialog.accepted.connect(self.load)
        self.adjust_dialog.open()

    def print_tag(self) -> None:
        from pos_app.gui.inventory.tag_dialog import TagSheetDialog

        self.tag_dialog = TagSheetDialog(self.context, [self.item_id], self)
        self.tag_dialog.open()
