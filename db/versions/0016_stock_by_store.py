"""Stock kept per store: each movement names the store whose shelf it changes, and counted units move between stores.

Before this revision the stock ledger of a sync group had one sum per SKU:
a box of 40 chains was "40" at every store, so units sent to another store
could not be told from those left behind, and a store could sell units that
sat in another store's case. From here on:

- ``stock_movements.store_id``: the store whose stock the movement changes
  (null only in a store file that has no store yet: this store). Facet
  writes it on every new movement, so every counter and central read the
  same row. Existing movements are given theirs once: a movement written in
  a group names its counter (``S2-C1``), so its store is that code's store;
  one written before a group existed (``C1``) comes from the store that
  seeded the group, S1 (every other store joins from an empty folder), and
  in a store that never joined, from this store.
- ``items.on_hand`` is now *this store's* units: the running sum of the
  movements whose store is this one (trigger ``stock_movements_on_hand``).
  Every report, the sale guard and the stock count read it as before; a
  store that never joins a group sees exactly what it saw.
- ``item_store_stock``: per item and store, the units on hand and the units
  *in transit to* that store (a transfer sent and not yet checked in),
  kept by trigger ``stock_movements_by_store`` from the same ledger. It is
  derived, never synced: every counter sums the ledger it holds.
- A transfer of counted units is four facts, two at each end: the sender
  writes ``transfer_out`` (-N, its own store) and ``in_transit`` (+N, the
  receiving store); the receiver writes ``in_transit`` (-N) and
  ``transfer_in`` (+N), both its own. ``in_transit`` counts toward
  ``item_store_stock.in_transit`` only, never toward on hand.
- ``stock_movements_transit_not_below_zero``: a counter cannot check in more
  units than are in transit to its store (except while the sync applier
  writes: a fact already made at another counter, which central flags).
- ``items_sold_at_home`` now concerns unique pieces only: counted units are
  sold wherever they are on hand, and ``stock_movements_not_below_zero``
  (on this store's on hand) is what guards them.
- ``sync_state.store_id`` is set whenever the store has a profile, so every
  writer and trigger can name this store without a fallback.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 22:00:00
"""

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OWN = "(SELECT store_id FROM sync_state WHERE id = 1)"
NOT_APPLYING = "coalesce((SELECT applying FROM sync_state WHERE id = 1), 0) = 0"
NOT_HOME = "a piece is sold only at its home store: transfer it here first"
BELOW_ZERO = "stock would go below zero: the movement takes more than is on hand"
IN_TRANSIT = "more units checked in than are in transit to this store"
_FROZEN_BEFORE = "id, item_id, kind, quantity, reference, staff_id, terminal, created_at"
_FROZEN = _FROZEN_BEFORE + ", store_id"

# The movement's store, for triggers: its own, or this store's when a store file without a profile wrote it.
_STORE = f"coalesce(new.store_id, {OWN}, '')"
_HERE = f"coalesce(new.store_id, {OWN}) IS {OWN}"
# What a movement adds to on hand and to in transit.
_ON_HAND_PART = "CASE WHEN new.kind = 'in_transit' THEN 0 ELSE new.quantity END"
_TRANSIT_PART = "CASE WHEN new.kind = 'in_transit' THEN new.quantity ELSE 0 END"


def upgrade() -> None:
    op.execute("UPDATE sync_state SET store_id = (SELECT id FROM stores ORDER BY created_at LIMIT 1) "
               "WHERE id = 1 AND store_id IS NULL")
    # A plain ADD COLUMN: SQLite keeps the table (and its append-only triggers) as it is.
    op.execute("ALTER TABLE stock_movements ADD COLUMN store_id VARCHAR(36)")
    op.execute("DROP TRIGGER IF EXISTS stock_movements_no_update")
    op.execute(
        "UPDATE stock_movements SET store_id = coalesce("
        "(SELECT s.id FROM sync_stores s WHERE instr(stock_movements.terminal, '-') > 0 "
        " AND s.code = substr(stock_movements.terminal, 1, instr(stock_movements.terminal, '-') - 1)), "
        "(SELECT s.id FROM sync_stores s WHERE s.code = 'S1'), "
        f"{OWN})"
    )
    op.execute(
        f"CREATE TRIGGER stock_movements_no_update BEFORE UPDATE OF {_FROZEN} ON stock_movements BEGIN "
        "SELECT RAISE(ABORT, 'the stock ledger is append-only: record a new movement instead'); END"
    )
    # On hand is now a sum per item and store, in transit apart: the covering index grows by those two columns.
    op.create_index('ix_stock_movements_item_store_kind_quantity', 'stock_movements',
                    ['item_id', 'store_id', 'kind', 'quantity'], unique=False)
    op.drop_index('ix_stock_movements_item_quantity', table_name='stock_movements')
    op.execute(
        "CREATE TABLE item_store_stock ("
        "item_id VARCHAR(36) NOT NULL REFERENCES items (id), "
        "store_id VARCHAR(36) NOT NULL, "
        "on_hand INTEGER NOT NULL DEFAULT 0, "
        "in_transit INTEGER NOT NULL DEFAULT 0, "
        "CONSTRAINT pk_item_store_stock PRIMARY KEY (item_id, store_id)) WITHOUT ROWID"
    )
    # Units in transit to a store, found without reading every item's row.
    op.execute("CREATE INDEX ix_item_store_stock_in_transit ON item_store_stock (store_id, item_id) "
               "WHERE in_transit <> 0")
    op.execute(
        "INSERT INTO item_store_stock (item_id, store_id, on_hand, in_transit) "
        "SELECT item_id, coalesce(store_id, ''), "
        "sum(CASE WHEN kind = 'in_transit' THEN 0 ELSE quantity END), "
        "sum(CASE WHEN kind = 'in_transit' THEN quantity ELSE 0 END) "
        "FROM stock_movements GROUP BY item_id, store_id"
    )
    op.execute(
        "UPDATE items SET on_hand = coalesce((SELECT s.on_hand FROM item_store_stock s "
        f"WHERE s.item_id = items.id AND s.store_id = coalesce({OWN}, '')), 0)"
    )
    op.execute("DROP TRIGGER stock_movements_on_hand")
    op.execute(
        "CREATE TRIGGER stock_movements_on_hand AFTER INSERT ON stock_movements "
        f"WHEN new.kind <> 'in_transit' AND {_HERE} BEGIN "
        "UPDATE items SET on_hand = on_hand + new.quantity WHERE id = new.item_id; END"
    )
    op.execute(
        "CREATE TRIGGER stock_movements_by_store AFTER INSERT ON stock_movements BEGIN "
        "INSERT INTO item_store_stock (item_id, store_id, on_hand, in_transit) "
        f"VALUES (new.item_id, {_STORE}, {_ON_HAND_PART}, {_TRANSIT_PART}) "
        "ON CONFLICT (item_id, store_id) DO UPDATE SET on_hand = on_hand + excluded.on_hand, "
        "in_transit = in_transit + excluded.in_transit; END"
    )
    op.execute(
        "CREATE TRIGGER stock_movements_transit_not_below_zero BEFORE INSERT ON stock_movements "
        f"WHEN new.kind = 'in_transit' AND new.quantity < 0 AND {NOT_APPLYING} "
        "AND coalesce((SELECT in_transit FROM item_store_stock "
        f"WHERE item_id = new.item_id AND store_id = {_STORE}), 0) + new.quantity < 0 BEGIN "
        f"SELECT RAISE(ABORT, '{IN_TRANSIT}'); END"
    )
    # This store's on hand guards only this store's movements, and not units in transit; a piece of another
    # store is refused only when it is unique (counted units sell wherever they are on hand).
    _stock_guards(f"new.kind <> 'in_transit' AND {_HERE} AND ",
                  "AND (SELECT tracking FROM items WHERE id = new.item_id) = 'unique' ")


def _stock_guards(below_zero_when: str, home_when: str) -> None:
    """Make the on-hand guard and then the home-store guard again, with their extra conditions: SQLite fires a
    table's triggers newest first, so a piece of another store is named as such before its on hand."""
    op.execute("DROP TRIGGER stock_movements_not_below_zero")
    op.execute(
        "CREATE TRIGGER stock_movements_not_below_zero BEFORE INSERT ON stock_movements "
        f"WHEN new.quantity < 0 AND {below_zero_when}{NOT_APPLYING} "
        "AND (SELECT on_hand FROM items WHERE id = new.item_id) + new.quantity < 0 BEGIN "
        f"SELECT RAISE(ABORT, '{BELOW_ZERO}'); END"
    )
    op.execute("DROP TRIGGER items_sold_at_home")
    op.execute(
        "CREATE TRIGGER items_sold_at_home BEFORE INSERT ON stock_movements "
        f"WHEN new.kind = 'sale' AND {NOT_APPLYING} {home_when}"
        "AND (SELECT store_id FROM items WHERE id = new.item_id) IS NOT NULL "
        f"AND (SELECT store_id FROM items WHERE id = new.item_id) IS NOT {OWN} "
        f"BEGIN SELECT RAISE(ABORT, '{NOT_HOME}'); END"
    )


def downgrade() -> None:
    _stock_guards("", "")
    op.execute("DROP TRIGGER stock_movements_transit_not_below_zero")
    op.execute("DROP TRIGGER stock_movements_by_store")
    op.execute("DROP TRIGGER stock_movements_on_hand")
    op.execute(
        "CREATE TRIGGER stock_movements_on_hand AFTER INSERT ON stock_movements BEGIN "
        "UPDATE items SET on_hand = on_hand + new.quantity WHERE id = new.item_id; END"
    )
    # The group's sum again, as before this revision (transit movements included: units on their way).
    op.execute("UPDATE items SET on_hand = coalesce((SELECT sum(quantity) FROM stock_movements m "
               "WHERE m.item_id = items.id), 0)")
    op.execute("DROP TABLE item_store_stock")
    op.create_index('ix_stock_movements_item_quantity', 'stock_movements', ['item_id', 'quantity'], unique=False)
    op.drop_index('ix_stock_movements_item_store_kind_quantity', table_name='stock_movements')
    op.execute("DROP TRIGGER IF EXISTS stock_movements_no_update")
    op.execute(
        f"CREATE TRIGGER stock_movements_no_update BEFORE UPDATE OF {_FROZEN_BEFORE} ON stock_movements BEGIN "
        "SELECT RAISE(ABORT, 'the stock ledger is append-only: record a new movement instead'); END"
    )
    op.execute("ALTER TABLE stock_movements DROP COLUMN store_id")
