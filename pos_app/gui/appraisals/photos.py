"""The appraisal dialog's photos tab: thumbnails, adding photos (Ctrl+Shift+A) and removing one (Delete).

A saved appraisal's photos are written at once; photos added before the first save wait in
`editor.pending_photos` and are saved with the draft (`saving.save`).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QListWidgetItem

from pos_app.domain.errors import ValidationError
from pos_app.gui import dialogs
from pos_app.gui.appraisals.editor import AppraisalEditor
from pos_app.gui.base import mark_info
from pos_app.services import appraisals, inventory
from pos_app.services.ports.store import Store


def show_photos(editor: AppraisalEditor, photos: list[tuple[str | None, bytes]]) -> None:
    """Thumbnails: saved photos carry their id; photos waiting for the first save carry None."""
    lst = editor.form.photo_list
    lst.clear()
    shown = photos + [(None, data) for data in editor.pending_photos]
    for n, (photo_id, data) in enumerate(shown):
        pixmap = QPixmap()
        pixmap.loadFromData(data)
        item = QListWidgetItem(QIcon(pixmap.scaled(QSize(360, 360), Qt.AspectRatioMode.KeepAspectRatio,
                                                   Qt.TransformationMode.SmoothTransformation)),
                               f"Photo {n + 1}" + ("  (not saved yet)" if photo_id is None else ""))
        item.setData(Qt.ItemDataRole.UserRole, photo_id)
        lst.addItem(item)
    if lst.count():
        lst.setCurrentRow(0)
    editor.form.tabs.setTabText(2, f"Photos ({len(shown)})  (Alt+3)")


def add_photos(editor: AppraisalEditor) -> None:
    """Ask for image files, check them (size, JPEG or PNG) on the worker, and add them."""
    if not editor.editable:
        return
    paths = dialogs.ask_open_paths(editor.as_widget(), "Add photos", "Images (*.jpg *.jpeg *.png)")
    if not paths:
        return
    record, actor = editor.record, editor.actor
    waiting = len(editor.pending_photos)

    def work(store: Store) -> list[bytes]:
        photos = []
        for path in paths:
            try:
                if path.stat().st_size > inventory.MAX_PHOTO_BYTES:
                    raise ValidationError("photos", f"{path.name} is larger than 10 MB; resize it first")
                data = path.read_bytes()
            except OSError as exc:
                raise ValidationError("photos", f"{path.name} cannot be read: {exc.strerror}") from None
            try:
                inventory.photo_type(data)
            except ValidationError:
                raise ValidationError("photos", f"{path.name} is not a JPEG or PNG image") from None
            photos.append(data)
        if record is not None:
            appraisals.add_photos(record.id, photos, uow=store.uow(), actor=actor)
            return []
        if waiting + len(photos) > appraisals.MAX_PHOTOS:
            raise ValidationError("photos", f"an appraisal has at most {appraisals.MAX_PHOTOS} photos")
        return photos

    def done(waiting_photos: list[bytes]) -> None:
        editor.show_tab(2)
        if record is not None:
            editor.context.changed.emit("appraisals")
            editor.load(record.id, f"Added {len(paths)} photo(s).")
            return
        editor.pending_photos.extend(waiting_photos)
        show_photos(editor, [])
        mark_info(editor.form.message_label, f"{len(waiting_photos)} photo(s) will be saved with the draft.")

    editor.run(work, done)


def remove_photo(editor: AppraisalEditor) -> None:
    """Remove the current photo: a waiting one here, a saved one on the worker."""
    lst = editor.form.photo_list
    item = lst.currentItem()
    if not editor.editable or item is None:
        return
    photo_id = item.data(Qt.ItemDataRole.UserRole)
    if photo_id is None:
        saved = lst.count() - len(editor.pending_photos)
        del editor.pending_photos[lst.currentRow() - saved]
        show_photos(editor, [])  # photos wait only before the first save: there are no saved ones
        return
    record, actor = editor.record, editor.actor
    assert record is not None

    def done(_none: None) -> None:
        editor.context.changed.emit("appraisals")
        editor.load(record.id, "Removed the photo.")

    editor.run(lambda store: appraisals.remove_photo(photo_id, uow=store.uow(), actor=actor), done)
