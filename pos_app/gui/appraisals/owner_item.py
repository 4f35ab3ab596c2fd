"""The appraised piece's owner and inventory item in the appraisal dialog.

The owner is a customer (F2) or the store; the item is typed by SKU or barcode. Typing an item's SKU in a new
appraisal fills the form from the item's record (style, metal, weight, length, clasp, description, stones),
leaving what the appraiser already typed: `editor.from_item` remembers what the last item filled, so the
next item replaces only what still reads so.
"""

from __future__ import annotations

from pos_app.domain.appraisals import Purpose
from pos_app.domain.errors import UserFacingError, ValidationError
from pos_app.domain.jewelry import centigrams_text
from pos_app.domain.permissions import Permission
from pos_app.domain.store import store_today
from pos_app.gui.appraisals.editor import AppraisalEditor
from pos_app.gui.appraisals.fields import CAPTIONS, ITEM_FIELDS, stone_rows
from pos_app.gui.base import mark_info
from pos_app.services import appraisals, inventory


def show_owner(editor: AppraisalEditor, customer_id: str | None, name: str) -> None:
    editor.owner_id = customer_id
    editor.form.owner_value_label.setText(name if customer_id else "Store inventory")


def show_item(editor: AppraisalEditor, item_id: str | None) -> None:
    f, context = editor.form, editor.context
    editor.item_id = item_id
    if item_id is None:
        f.sku_edit.clear()
        say_item(editor, "" if editor.record is None else "No inventory item")
        return
    rows = inventory.rows_by_ids([item_id], reader=context.reader, actor=editor.actor, uow=context.uow()) \
        if context.can(Permission.VIEW_INVENTORY) else []
    f.sku_edit.setText(rows[0].sku if rows else "")
    say_item(editor, rows[0].title if rows else "An inventory item")


def say_item(editor: AppraisalEditor, text: str) -> None:
    editor.form.item_value_label.setText(text)
    editor.form.item_value_label.setVisible(bool(text))


def item_typed(editor: AppraisalEditor) -> None:
    """The SKU field was left: name the item, and start a new appraisal from its record."""
    if editor.record is not None:
        return
    try:
        found = find_item(editor)
    except UserFacingError as exc:
        say_item(editor, str(exc).split(": ", 1)[-1])
        return
    say_item(editor, found[1] if found else "")
    if found is not None and found[0] != editor.from_item.get("item_id") and editor.editable:
        start_from_item(editor, found[0])


def find_item(editor: AppraisalEditor) -> tuple[str, str] | None:
    """(id, title) of the item typed in the SKU field (None if it is empty)."""
    code = editor.form.sku_edit.text().strip()
    if not code:
        return None
    context = editor.context
    row = inventory.lookup(code, reader=context.reader, actor=editor.actor, uow=context.uow())
    if row is None:
        raise ValidationError("item", f"no item has the SKU or barcode {code}")
    return row.id, row.title


def start_from_item(editor: AppraisalEditor, item_id: str) -> None:
    """Fill the new appraisal from the item's record: every field still empty (or still as the previous
    item filled it), and the stones when the table is empty. Said in the message line."""
    f, context, fields, stones, from_item = editor.form, editor.context, editor.fields, editor.stones, editor.from_item
    purpose = Purpose.of(str(f.purpose_combo.currentData()))
    try:
        spec = appraisals.item_start(item_id, uow=context.uow(), actor=editor.actor,
                                     today=store_today(context.profile.timezone),
                                     conditions=f.limiting_conditions_edit.toPlainText(), purpose=purpose)
    except UserFacingError as exc:
        editor.show_problem(exc)
        return
    values = {"style": spec.style.value if spec.style else "", "metal": spec.metal.value if spec.metal else "",
              "gram_weight": centigrams_text(spec.gram_weight_cg) if spec.gram_weight_cg else "",
              "chain_length_in": f"{spec.chain_length_tenths / 10:g}" if spec.chain_length_tenths else "",
              "clasp": spec.clasp, "description": spec.description, "notes": spec.notes}
    filled = []
    for name in ITEM_FIELDS:
        current, text = fields.text(name), values[name]
        if current.strip() and current != from_item.get(name):
            continue  # the appraiser's own
        fields.set(name, text)
        from_item[name] = text
        if text:
            filled.append(CAPTIONS[name].lower())
    stones.prune_blank()
    numbers = appraisals.certificate_numbers([s.certificate_id for s in spec.stones if s.certificate_id],
                                             reader=editor.reader, actor=editor.actor, uow=context.uow())
    rows = stone_rows(spec, numbers)
    if not stones.rows() or stones.rows() == from_item.get("stones"):
        stones.set_rows(rows)
        from_item["stones"] = stones.rows()
        if rows:
            filled.append(f"{len(rows)} stone row{'s' if len(rows) != 1 else ''}")
        f.tabs.setTabText(1, f"Stones ({len(rows)})  (Alt+2)")
    from_item["item_id"] = item_id
    if filled:
        mark_info(f.message_label, f"From the item's record: {', '.join(filled)}.")
