"""Central keeps stock per store: a store's units, and the units in transit to it, each summed on their own.

The counters' schema 0016 gives every stock movement the store whose stock
it changes (``store_id``), and moves counted units between stores in four
facts: ``transfer_out`` at the sender, ``in_transit`` (+N) to the receiver,
and at the receiver ``in_transit`` (-N) and ``transfer_in``. Central follows:

- ``facet.stock`` is keyed by (item, store) and has ``in_transit`` beside
  ``on_hand``. A movement counts for ``coalesce(data->>'store_id', the
  pushing counter's store)``; ``in_transit`` movements count toward
  ``in_transit`` only.
- Movements central holds from before (no ``store_id`` in their data) are
  given the store of the counter that pushed them, in ``records`` and in the
  change log alike, and ``facet.stock`` is summed again from them, so a
  joining counter and every pull read the same rows.
- The conflicts are per store: a store's on hand below zero is
  ``below_zero`` (counted) or ``sold_twice`` (a unique piece), and units
  checked in twice (two counters of a store that both received one
  transfer while offline) leave that store's in transit below zero,
  ``below_zero`` with ``in_transit: true`` in its details. A conflict names
  the store and lists the sales of the piece at that store.

``count_stock`` (one change at a time) and the ledger statement of
``apply_new_rows`` (a run of new rows) change; the first statement of
``apply_new_rows`` is c0002's, read from that revision's text.

Revision ID: c0004
Revises: c0003
Create Date: 2026-12-07 22:20:00
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = 'c0004'
down_revision = 'c0003'
branch_labels = None
depends_on = None


def _c0002_apply_new_rows() -> str:
    """c0002's `apply_new_rows`, as that revision created it."""
    spec = importlib.util.spec_from_file_location("c0002", Path(__file__).with_name("c0002_set_based_push.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.UPGRADE
    start = text.index("CREATE FUNCTION facet.apply_new_rows")
    end = text.index("END $f$;", start) + len("END $f$;")
    return text[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


_LEDGER_MARK = "    -- The ledger:"

LEDGER = r"""    -- The ledger: the run's movements summed per item and store into facet.stock at once (on hand and in
    -- transit apart); a negative movement that leaves its running balance below zero is the conflict
    -- count_stock would have logged (the last one per item). The movements are read from the run itself,
    -- numbered as above.
    WITH moves AS MATERIALIZED (
        SELECT m.server_seq, m.ch->'data'->>'item_id' AS item,
               coalesce(m.ch->'data'->>'store_id', me.store_id) AS store,
               coalesce(m.ch->'data'->>'kind' = 'in_transit', false) AS transit,
               (m.ch->'data'->>'quantity')::bigint AS qty
        FROM (SELECT first_seq + row_number() OVER (ORDER BY t.n, c.n) - 1 AS server_seq, c.ch
              FROM unnest(txs) WITH ORDINALITY t(tx, n),
                   jsonb_array_elements(t.tx->'changes') WITH ORDINALITY c(ch, n)) m
        WHERE m.ch->>'table' = 'stock_movements'
    ), per_key AS (
        -- A movement without a quantity fails the NOT NULL of on_hand, as it does one change at a time.
        SELECT item, store,
               CASE WHEN bool_or(qty IS NULL) THEN NULL
                    ELSE coalesce(sum(qty) FILTER (WHERE NOT transit), 0) END AS on_hand,
               coalesce(sum(qty) FILTER (WHERE transit), 0) AS in_transit
        FROM moves GROUP BY item, store
    ), counted AS (
        INSERT INTO facet.stock AS s (item_id, store_id, on_hand, in_transit)
        SELECT p.item, p.store, p.on_hand, p.in_transit FROM per_key p
        ORDER BY p.item, p.store
        ON CONFLICT (item_id, store_id) DO UPDATE SET on_hand = s.on_hand + excluded.on_hand,
                                                      in_transit = s.in_transit + excluded.in_transit
        RETURNING s.item_id, s.store_id, s.on_hand, s.in_transit
    ), running AS (
        SELECT m.item, m.store, m.transit, m.server_seq, m.qty,
               (CASE WHEN m.transit THEN c.in_transit - p.in_transit ELSE c.on_hand - p.on_hand END
                + sum(m.qty) OVER (PARTITION BY m.item, m.store, m.transit ORDER BY m.server_seq))::bigint AS balance
        FROM moves m JOIN per_key p USING (item, store)
             JOIN counted c ON c.item_id = m.item AND c.store_id = m.store
    ), short AS (
        SELECT DISTINCT ON (item) item, store, transit, server_seq, balance
        FROM running WHERE balance < 0 AND qty < 0
        ORDER BY item, server_seq DESC
    )
    INSERT INTO facet.conflicts (store_id, kind, table_name, row_id, details, server_seq)
    SELECT s.store,
           CASE WHEN r.data->>'tracking' = 'unique' AND NOT s.transit THEN 'sold_twice' ELSE 'below_zero' END,
           'items', s.item,
           facet.stock_case(s.item, s.store, s.transit, s.balance, s.server_seq),
           s.server_seq
    FROM short s LEFT JOIN facet.records r ON r.table_name = 'items' AND r.row_id = s.item
    ON CONFLICT (row_id, kind) WHERE resolved_at IS NULL AND kind IN ('sold_twice', 'below_zero')
    DO UPDATE SET store_id = excluded.store_id, details = excluded.details, server_seq = excluded.server_seq;

    RETURN jsonb_build_array(first_seq, first_seq + n - 1);
END $f$;"""


UPGRADE = r"""
ALTER TABLE facet.stock ADD COLUMN in_transit bigint NOT NULL DEFAULT 0;
ALTER TABLE facet.stock DROP CONSTRAINT stock_pkey;
UPDATE facet.records SET data = data || jsonb_build_object('store_id', store_id)
    WHERE table_name = 'stock_movements' AND data IS NOT NULL AND data->>'store_id' IS NULL;
UPDATE facet.changes SET changes = changes || jsonb_build_object('store_id', store_id)
    WHERE table_name = 'stock_movements' AND op = 'insert' AND changes IS NOT NULL
      AND changes->>'store_id' IS NULL;
TRUNCATE facet.stock;
INSERT INTO facet.stock (item_id, store_id, on_hand, in_transit)
    SELECT data->>'item_id', data->>'store_id',
           coalesce(sum((data->>'quantity')::bigint) FILTER (WHERE data->>'kind' IS DISTINCT FROM 'in_transit'), 0),
           coalesce(sum((data->>'quantity')::bigint) FILTER (WHERE data->>'kind' = 'in_transit'), 0)
    FROM facet.records WHERE table_name = 'stock_movements' AND NOT deleted AND data IS NOT NULL
    GROUP BY 1, 2;
ALTER TABLE facet.stock ADD PRIMARY KEY (item_id, store_id);

-- What a stock conflict shows the manager: the store, its balance, and the piece's sales at that store.
CREATE FUNCTION facet.stock_case(p_item text, p_store text, p_transit boolean, p_balance bigint, p_seq bigint)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = facet, pg_temp AS $f$
    SELECT jsonb_build_object('on_hand', p_balance, 'store', p_store, 'in_transit', p_transit, 'sales', (
        SELECT coalesce(jsonb_agg(jsonb_build_object('movement', m.row_id, 'reference', m.data->>'reference',
                                                     'terminal', m.data->>'terminal',
                                                     'quantity', m.data->'quantity') ORDER BY m.server_seq),
                        '[]'::jsonb)
        FROM facet.records m
        WHERE m.table_name = 'stock_movements' AND m.data->>'item_id' = p_item
          AND m.data->>'kind' = CASE WHEN p_transit THEN 'in_transit' ELSE 'sale' END
          AND coalesce(m.data->>'store_id', m.store_id) = p_store AND m.server_seq <= p_seq))
$f$;

CREATE OR REPLACE FUNCTION facet.count_stock(me facet.counters, p_row text, d jsonb, p_seq bigint) RETURNS void
LANGUAGE plpgsql SET search_path = facet, pg_temp AS $f$
DECLARE
    item text := d->>'item_id';
    here text := coalesce(d->>'store_id', me.store_id);
    transit boolean := coalesce(d->>'kind' = 'in_transit', false);
    qty bigint := (d->>'quantity')::bigint;
    balance bigint;
    tracking text;
BEGIN
    SELECT data->>'tracking' INTO tracking FROM facet.records WHERE table_name = 'items' AND row_id = item;
    INSERT INTO facet.stock AS s (item_id, store_id, on_hand, in_transit)
        VALUES (item, here, CASE WHEN transit THEN 0 ELSE qty END, CASE WHEN transit THEN qty ELSE 0 END)
        ON CONFLICT (item_id, store_id) DO UPDATE SET on_hand = s.on_hand + excluded.on_hand,
                                                      in_transit = s.in_transit + excluded.in_transit
        RETURNING CASE WHEN transit THEN s.in_transit ELSE s.on_hand END INTO balance;
    IF balance < 0 AND qty < 0 THEN
        INSERT INTO facet.conflicts (store_id, kind, table_name, row_id, details, server_seq)
            VALUES (here, CASE WHEN tracking = 'unique' AND NOT transit THEN 'sold_twice' ELSE 'below_zero' END,
                    'items', item, facet.stock_case(item, here, transit, balance, p_seq), p_seq)
            ON CONFLICT (row_id, kind) WHERE resolved_at IS NULL AND kind IN ('sold_twice', 'below_zero')
            DO UPDATE SET store_id = excluded.store_id, details = excluded.details, server_seq = excluded.server_seq;
    END IF;
END $f$;
"""

# c0001's count_stock and one row per item, put back by a downgrade (in transit counted as stock, as before).
DOWNGRADE = r"""
DROP FUNCTION facet.stock_case(text, text, boolean, bigint, bigint);
CREATE OR REPLACE FUNCTION facet.count_stock(me facet.counters, p_row text, d jsonb, p_seq bigint) RETURNS void
LANGUAGE plpgsql SET search_path = facet, pg_temp AS $f$
DECLARE
    item text := d->>'item_id';
    home text;
    now_on_hand bigint;
    tracking text;
    sales jsonb;
BEGIN
    SELECT coalesce(data->>'store_id', store_id), data->>'tracking' INTO home, tracking
        FROM facet.records WHERE table_name = 'items' AND row_id = item;
    INSERT INTO facet.stock AS s (item_id, store_id, on_hand)
        VALUES (item, coalesce(home, me.store_id), (d->>'quantity')::bigint)
        ON CONFLICT (item_id) DO UPDATE SET on_hand = s.on_hand + excluded.on_hand
        RETURNING on_hand INTO now_on_hand;
    IF now_on_hand < 0 AND (d->>'quantity')::bigint < 0 THEN
        SELECT coalesce(jsonb_agg(jsonb_build_object('movement', row_id, 'reference', data->>'reference',
                                                     'terminal', data->>'terminal', 'quantity', data->'quantity')
                                  ORDER BY server_seq), '[]')
            INTO sales FROM facet.records
            WHERE table_name = 'stock_movements' AND data->>'item_id' = item AND data->>'kind' = 'sale';
        INSERT INTO facet.conflicts (store_id, kind, table_name, row_id, details, server_seq)
            VALUES (coalesce(home, me.store_id), CASE WHEN tracking = 'unique' THEN 'sold_twice' ELSE 'below_zero' END,
                    'items', item, jsonb_build_object('on_hand', now_on_hand, 'sales', sales), p_seq)
            ON CONFLICT (row_id, kind) WHERE resolved_at IS NULL AND kind IN ('sold_twice', 'below_zero')
            DO UPDATE SET details = excluded.details, server_seq = excluded.server_seq;
    END IF;
END $f$;
TRUNCATE facet.stock;
ALTER TABLE facet.stock DROP CONSTRAINT stock_pkey;
ALTER TABLE facet.stock DROP COLUMN in_transit;
INSERT INTO facet.stock (item_id, store_id, on_hand)
    SELECT m.data->>'item_id', min(coalesce(i.data->>'store_id', i.store_id, m.store_id)),
           sum((m.data->>'quantity')::bigint)
    FROM facet.records m LEFT JOIN facet.records i ON i.table_name = 'items' AND i.row_id = m.data->>'item_id'
    WHERE m.table_name = 'stock_movements' AND NOT m.deleted AND m.data IS NOT NULL
    GROUP BY 1;
ALTER TABLE facet.stock ADD PRIMARY KEY (item_id);
"""


def _apply_new_rows() -> str:
    old = _c0002_apply_new_rows()
    return old[:old.index(_LEDGER_MARK)] + LEDGER


def _as_owner(body: str) -> None:
    """Run `body` as the group's owner role (c0001 made it; it owns every facet object)."""
    owner = op.get_bind().exec_driver_sql("SELECT value FROM facet.info WHERE key = 'owner_role'").scalar()
    op.execute(f"SET LOCAL ROLE {owner};\n{body}\nRESET ROLE;")


def upgrade() -> None:
    _as_owner(UPGRADE + "\n" + _apply_new_rows() + "\n")
    op.execute("REVOKE EXECUTE ON FUNCTION facet.stock_case(text, text, boolean, bigint, bigint) FROM PUBLIC")


def downgrade() -> None:
    _as_owner(DOWNGRADE + "\n" + _c0002_apply_new_rows() + "\n")
