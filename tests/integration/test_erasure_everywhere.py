"""Erasure finds the person everywhere: any text column (an item's description, the full-text index, a held
cart, a stock movement's reason), their privacy exports on disk, and no page, WAL frame or free page keeps
what was cut."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from pos_app import app
from pos_app.domain.audit import AuditFilter
from pos_app.domain.items import item_fields
from pos_app.domain.permissions import Role
from pos_app.persistence.models import new_id
from pos_app.services import audit, certificates, customers, inventory, item_files, privacy, privacy_export
from tests.conftest import actor_for
from tests.integration.test_erasure import TODAY, _customer, _erase, _key, _q, _request
from tests.integration.test_privacy_export import CERT
from tests.sqlcipher_pages import decrypted, free_pages, wal_frames

FIRST, LAST = "Quillon", "Vexmoor"
FULL = f"{FIRST} {LAST}"
EMAIL, PHONE = "quillon@vexmoor.example", "+13125550177"
PERSONAL = (FULL, EMAIL, PHONE, "(312) 555-0177", LAST)


def _new_customer(facet: app.Facet) -> str:
    return _customer(facet, FIRST, LAST, EMAIL, PHONE, "4412 Larkspur Lane", notes="prefers white gold")


def _describe_item(facet: app.Facet, sku: str, description: str) -> str:
    """Edit an item's description through the inventory service, as a manager would; returns its id."""
    row = facet.store.inventory.lookup_code(sku)
    assert row is not None
    manager = actor_for(facet, Role.MANAGER)
    detail = inventory.item_detail(row.id, uow=facet.uow(), actor=manager)
    inventory.update_item(row.id, {**item_fields(detail.record.spec), "description": description},
                          uow=facet.uow(), actor=manager)
    return row.id


def _search(facet: app.Facet, text: str) -> list[str]:
    rows = inventory.search(text, reader=facet.store.inventory, actor=actor_for(facet, Role.CLERK),
                            uow=facet.uow())
    return [r.sku for r in rows]


def _index_terms(facet: app.Facet) -> set[str]:
    """Every term the full-text index holds, read through FTS5's own vocabulary table."""
    conn = facet.connection()
    try:
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.items_vocab USING fts5vocab(main, items_fts, row)")
        return {r[0] for r in conn.execute("SELECT term FROM temp.items_vocab")}
    finally:
        conn.close()


def _export(facet: app.Facet, customer_id: str, out: Path) -> tuple[str, Path]:
    request_id = _request(facet, customer_id, "access")
    with facet.open_store() as store:
        result = privacy_export.export_customer(request_id, out, uow=facet.uow(), files=facet.devices.files,
                                                reader=store.customer_data,
                                                actor=actor_for(facet, Role.PRIVACY_OFFICER))
    return request_id, result.path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------- every text column, the search index


def test_an_item_description_naming_the_customer_loses_them_in_the_table_and_the_search_index(
        demo_facet: app.Facet) -> None:
    facet = demo_facet
    customer_id = _new_customer(facet)
    sku = _q(facet, "SELECT sku FROM items WHERE status = 'available' ORDER BY sku LIMIT 1")[0][0]
    item_id = _describe_item(facet, sku, f"Reserved for {FULL} ({EMAIL}, {PHONE}); engraving to match her ring.")
    assert _search(facet, FULL) == [sku] and _search(facet, LAST) == [sku]
    assert LAST.lower() in _index_terms(facet)

    result = _erase(facet, customer_id, _request(facet, customer_id))

    [(description,)] = _q(facet, "SELECT description FROM items WHERE id = ?", item_id)
    assert description == "Reserved for [erased] ([erased], [erased]); engraving to match her ring."
    assert result.counts["texts_scrubbed"] >= 1
    assert _search(facet, LAST) == [] and _search(facet, FULL) == [] and _search(facet, "quillon") == []
    assert not {LAST.lower(), FIRST.lower(), "vexmoor", "3125550177"} & _index_terms(facet)
    assert _search(facet, "engraving") == [sku], "the rest of the description is still found"
    dump = decrypted(facet.db.path, _key(facet))
    for value in (FULL, EMAIL, PHONE, LAST):
        assert value.lower().encode() not in dump.lower(), value


def test_a_held_cart_and_a_stock_reason_naming_the_customer_are_cut(demo_facet: app.Facet) -> None:
    """Text in tables the erasure never listed by hand: found because every text column is searched."""
    facet = demo_facet
    customer_id = _new_customer(facet)
    item = _q(facet, "SELECT id FROM items WHERE tracking = 'counted' AND on_hand > 0 ORDER BY sku LIMIT 1")[0][0]
    inventory.adjust_stock(item, -1, f"memo out to {FULL}, call {PHONE}", uow=facet.uow(),
                           actor=actor_for(facet, Role.MANAGER))
    other = _q(facet, "SELECT id FROM customers WHERE id != ? AND erased_at IS NULL ORDER BY id LIMIT 1",
               customer_id)[0][0]
    staff = actor_for(facet, Role.CLERK).staff_id
    cart = {"lines": [{"description": f"Gift box for {FULL}", "quantity": 1}], "customer_id": other}
    conn = facet.connection()
    try:
        with conn:
            conn.execute("INSERT INTO parked_carts (id, terminal, staff_id, customer_id, label, cart, parked_at) "
                         "VALUES (?, 'C1', ?, ?, ?, ?, '2026-11-30 10:00:00.000000')",
                         (new_id(), staff, other, f"for {EMAIL}", json.dumps(cart)))
    finally:
        conn.close()

    _erase(facet, customer_id, _request(facet, customer_id))

    [(reason,)] = _q(facet, "SELECT reason FROM stock_movements WHERE item_id = ? AND kind = 'adjustment' "
                            "ORDER BY created_at DESC LIMIT 1", item)
    assert reason == "memo out to [erased], call [erased]"
    [(label, cart_text)] = _q(facet, "SELECT label, cart FROM parked_carts WHERE customer_id = ?", other)
    assert label == "for [erased]"
    assert json.loads(cart_text) == {**cart, "lines": [{"description": "Gift box for [erased]", "quantity": 1}]}
    # The ledger stays append-only for everything but a typed reason.
    conn = facet.connection()
    try:
        with pytest.raises(Exception, match="append-only"):
            with conn:
                conn.execute("UPDATE stock_movements SET quantity = 5 WHERE item_id = ?", (item,))
    finally:
        conn.close()


def test_a_namesakes_own_record_keeps_its_name(demo_facet: app.Facet) -> None:
    facet = demo_facet
    customer_id = _new_customer(facet)
    namesake = _customer(facet, FIRST, LAST, "another.quillon@example.org", "+13125550100", "9 Elm Court", "")
    _erase(facet, customer_id, _request(facet, customer_id))
    assert _q(facet, "SELECT first_name, last_name, email FROM customers WHERE id = ?", namesake) == [
        (FIRST, LAST, "another.quillon@example.org")]


# ---------------------------------------------------------------- exports on disk


def test_the_customers_earlier_export_is_deleted_by_the_erasure(demo_facet: app.Facet) -> None:
    facet = demo_facet
    customer_id = _new_customer(facet)
    exports = facet.data_dir / "exports"
    exports.mkdir()
    request_id, zip_path = _export(facet, customer_id, exports / "privacy-export-quillon.zip")
    privacy.close_request(request_id, "completed", "sent", uow=facet.uow(),
                          actor=actor_for(facet, Role.PRIVACY_OFFICER))
    # A copy someone made in the exports folder, which no request records; and another customer's export.
    copy = exports / "copy-for-the-file.zip"
    copy.write_bytes(zip_path.read_bytes())
    other_id = _customer(facet, "Ottoline", "Brackwater", "o.brack@example.org", "+13125550133", "3 Mill Road", "")
    _, other_zip = _export(facet, other_id, exports / "privacy-export-ottoline.zip")
    assert _mode(zip_path) == 0o600 and _mode(other_zip) == 0o600
    assert _q(facet, "SELECT export_file FROM privacy_requests WHERE id = ?", request_id) == [(str(zip_path),)]

    result = _erase(facet, customer_id, _request(facet, customer_id))

    assert not zip_path.exists() and not copy.exists()
    assert other_zip.exists(), "another customer's export stays"
    assert result.counts["exports_deleted"] == 2
    assert _q(facet, "SELECT export_file, export_sha256 IS NOT NULL FROM privacy_requests WHERE id = ?",
              request_id) == [(None, 1)]


def test_an_export_is_deleted_once_the_request_is_closed_as_delivered(demo_facet: app.Facet, tmp_path: Path) -> None:
    facet = demo_facet
    customer_id = _new_customer(facet)
    request_id, zip_path = _export(facet, customer_id, tmp_path / "export.zip")
    officer = actor_for(facet, Role.PRIVACY_OFFICER)
    privacy.close_request(request_id, "completed", "Sent by secure link.", uow=facet.uow(), actor=officer,
                          exports=facet.export_files())
    assert not zip_path.exists()
    assert _q(facet, "SELECT export_file FROM privacy_requests WHERE id = ?", request_id) == [(None,)]
    [event] = audit.search(AuditFilter(action="privacy.request_completed"), trail=facet.store.audit,
                           uow=facet.uow(), actor=actor_for(facet, Role.OWNER), limit=1)
    assert json.loads(event.summary)["export_deleted"] is True


def test_exports_are_readable_by_their_owner_only(demo_facet: app.Facet, tmp_path: Path) -> None:
    facet = demo_facet
    old = os.umask(0o022)
    try:
        owner = actor_for(facet, Role.OWNER)
        marketing = tmp_path / "marketing.csv"
        marketing.write_text("old, world-readable\n")
        marketing.chmod(0o644)
        customers.export_marketing_list(marketing, reader=facet.store.customers, uow=facet.uow(), files=facet.devices.files, actor=owner)
        items = tmp_path / "items.csv"
        item_files.export_items(items, reader=facet.store.inventory, actor=owner, uow=facet.uow(), files=facet.devices.files)
        trail = tmp_path / "audit.csv"
        audit.export_csv(trail, AuditFilter(), trail=facet.store.audit, uow=facet.uow(), files=facet.devices.files, actor=owner)
        _, zip_path = _export(facet, _new_customer(facet), tmp_path / "export.zip")
    finally:
        os.umask(old)
    for path in (marketing, items, trail, zip_path):
        assert _mode(path) == 0o600, path.name
    with zipfile.ZipFile(zip_path) as zf:
        assert "data.json" in zf.namelist()


# ---------------------------------------------------------------- the WAL and free pages


def test_no_wal_frame_and_no_free_page_keeps_what_was_erased(demo_facet: app.Facet) -> None:
    facet = demo_facet
    customer_id = _new_customer(facet)
    sku = _q(facet, "SELECT sku FROM items ORDER BY sku LIMIT 1")[0][0]
    _describe_item(facet, sku, f"On hold for {FULL}, {EMAIL}")
    # A certificate scan of theirs spanning several pages: the erasure deletes it, and frees its pages.
    scan = b"%PDF-1.4\n% scan of " + FULL.encode() + b"'s certificate\n" + b"0" * 24_000 + b"\n%%EOF\n"
    certificates.add_certificate({**CERT, "report_number": "2141239999"}, uow=facet.uow(),
                                 actor=actor_for(facet, Role.APPRAISER), today=TODAY, customer_id=customer_id,
                                 scan=scan)
    key = _key(facet)
    assert EMAIL.encode() in wal_frames(facet.db.path, key), "the test plants the values in the WAL first"

    result = _erase(facet, customer_id, _request(facet, customer_id))

    assert result.scrubbed is True
    wal = wal_frames(facet.db.path, key)
    free = free_pages(facet.db.path, key)
    assert free, "the erasure freed pages (the scan's)"
    for value in (FULL, EMAIL, PHONE, LAST):
        assert value.lower().encode() not in wal.lower(), value
        for number, body in free.items():
            assert value.lower().encode() not in body.lower(), (value, number)
    # Free pages are zeroed, not merely unlinked (secure_delete). `free_pages` lists each trunk page, then its
    # leaves: a trunk holds only page numbers (the next trunk, its leaves, and numbers of leaves since reused,
    # which SQLite leaves behind), a leaf nothing.
    pages, at = list(free.values()), 0
    while at < len(pages):
        trunk, count = pages[at], int.from_bytes(pages[at][4:8], "big")
        assert all(int.from_bytes(trunk[i:i + 4], "big") < 1 << 20 for i in range(8, len(trunk) - 3, 4))
        assert all(not any(leaf[8:]) for leaf in pages[at + 1:at + 1 + count])
        at += 1 + count


def test_compaction_gives_free_pages_back_in_small_steps(demo_facet: app.Facet) -> None:
    facet = demo_facet
    conn = facet.connection()
    try:
        assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2, "new stores compact incrementally"
        item = conn.execute("SELECT id FROM items ORDER BY sku LIMIT 1").fetchone()[0]
        conn.executemany("INSERT INTO item_photos (id, item_id, position, mime_type, data, created_at, updated_at) "
                         "VALUES (?, ?, ?, 'image/jpeg', ?, '2026-12-01', '2026-12-01')",
                         [(new_id(), item, n, os.urandom(200_000)) for n in range(5)])
        conn.execute("DELETE FROM item_photos WHERE item_id = ?", (item,))
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    finally:
        conn.close()
    assert free > 0
    size = facet.db.path.stat().st_size
    released = facet.db.compact(step_pages=8)
    assert released == free
    facet.db.scrub()
    assert facet.db.path.stat().st_size < size
