"""Central applies a push set-based: a day of offline sales lands in a few statements a batch.

``facet.push`` of c0001 applied every change through ``facet.apply_change``,
one PL/pgSQL call, row lock, ``nextval`` and three inserts a change, each
local transaction in its own subtransaction: 26 of the 44.6 seconds a day
offline (80,000 changes) took to push. This revision keeps every rule of
that path and adds a fast one for the common case:

- **New rows.** A transaction of the batch whose changes are all inserts of
  rows central does not have yet (not in ``records``, not earlier in the
  batch), of tables central keeps, none an erasure, not received before, is
  *new*: sales, their lines, payments, stock movements, a new piece.
  Consecutive new transactions form a run, applied by ``facet.apply_new_rows``
  in one subtransaction: their ``records``, ``changes`` and ``received`` rows
  in one statement, then the stock ledger summed per item in another, with
  the same ``sold_twice``/``below_zero`` conflicts the per-change path gives
  (a running sum per item, in server order).
- **Everything else** (an update, a delete, an erasure, a row central has,
  a table central does not keep) goes through ``facet.apply_tx``, c0001's
  per-transaction path, in batch order between the runs.
- **The counter's echo.** ``push`` answers, beside its counts, ``own``: the
  blocks of server numbers its runs filled, which hold the batch's changes
  exactly as the counter has them (a new piece gains its ``store_id``). The
  round then skips those changes when it pulls them back (``sync_once``),
  instead of reading each row of its own file again to see it is there.
- **A run that fails** (a constraint: a SKU or sale number central holds
  for another row) is rolled back whole and applied again transaction by
  transaction, so only the transaction at fault goes to ``attention`` while
  the rest land.

What holds as before: one transaction-level advisory lock around the whole
push, and server sequence numbers drawn under it in the batch's (device)
order, so server order is commit order and a pull cursor never skips; a
transaction whose first ``(device_id, device_seq)`` is in ``received`` is
skipped (a replay changes nothing); ``changes`` keeps ``(device_id,
device_seq)`` unique; every row carries ``store_id``. A run draws its block
of numbers with ``setval`` while it holds the lock; a run rolled back leaves
a gap in the sequence, as a refused change always did (pulls read ``>``
a cursor, never count).

Revision ID: c0002
Revises: c0001
Create Date: 2026-12-07 16:00:00
"""

from alembic import op

revision = 'c0002'
down_revision = 'c0001'
branch_labels = None
depends_on = None

# Tables central keeps (c0001's SHARED + STORE_ONLY): a change of any other goes the per-change way and is refused.
KNOWN = ("items", "item_stones", "item_photos", "certificates", "stock_movements", "sales", "sale_lines",
         "payments", "card_refunds", "customers", "policy_versions", "consent_events", "privacy_requests",
         "erasure_log", "appraisals", "appraisal_stones", "appraisal_photos", "staff",
         "stores", "terminals", "staff_recovery_codes", "shifts", "cash_movements", "large_cash_reports",
         "stock_counts", "stock_count_scans")

_KNOWN_SQL = "ARRAY[" + ", ".join(f"'{n}'" for n in KNOWN) + "]::text[]"

UPGRADE = r"""
-- One transaction of a batch the per-change way (c0001's loop body): applied whole, or refused into attention.
CREATE FUNCTION facet.apply_tx(me facet.counters, tx jsonb, p_seen bigint) RETURNS boolean
LANGUAGE plpgsql SET search_path = facet, pg_temp AS $f$
DECLARE
    ch jsonb;
    erasure boolean;
BEGIN
    erasure := EXISTS (SELECT 1 FROM jsonb_array_elements(tx->'changes') c
                       WHERE c->>'table' = 'customers' AND c->'data'->>'erased_at' IS NOT NULL);
    BEGIN
        FOR ch IN SELECT value FROM jsonb_array_elements(tx->'changes') LOOP
            PERFORM facet.apply_change(me, tx->>'tx', ch, p_seen, erasure);
        END LOOP;
        INSERT INTO facet.received (device_id, device_seq, outcome)
            SELECT me.device_id, (c->>'seq')::bigint, 'applied' FROM jsonb_array_elements(tx->'changes') c;
        RETURN true;
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO facet.attention (store_id, device_id, device_seq, tx_id, reason, tables)
            VALUES (me.store_id, me.device_id, (tx->'changes'->0->>'seq')::bigint, tx->>'tx', SQLERRM,
                    ARRAY(SELECT DISTINCT c->>'table' FROM jsonb_array_elements(tx->'changes') c));
        INSERT INTO facet.received (device_id, device_seq, outcome)
            SELECT me.device_id, (c->>'seq')::bigint, 'quarantined' FROM jsonb_array_elements(tx->'changes') c;
        RETURN false;
    END;
END $f$;

-- A run of transactions that only insert rows central does not have: a few statements for the whole run.
-- The caller holds the log's advisory lock and catches an error (it then applies the run per transaction).
-- Returns the run's server numbers [first, last] (null for a run without changes).
CREATE FUNCTION facet.apply_new_rows(me facet.counters, txs jsonb[]) RETURNS jsonb
LANGUAGE plpgsql SET search_path = facet, pg_temp AS $f$
DECLARE
    n bigint;
    first_seq bigint;
BEGIN
    SELECT count(*) INTO n FROM unnest(txs) t, jsonb_array_elements(t->'changes');
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    -- The run's block of server numbers, in batch order: nobody else draws while the lock is held.
    first_seq := nextval('facet.server_seq');
    IF n > 1 THEN
        PERFORM setval('facet.server_seq', first_seq + n - 1);
    END IF;
    WITH staged AS MATERIALIZED (
        SELECT first_seq + row_number() OVER (ORDER BY t.n, c.n) - 1 AS seq,
               t.tx->>'tx' AS tx_id, (c.ch->>'seq')::bigint AS device_seq,
               c.ch->>'table' AS table_name, c.ch->>'row' AS row_id,
               CASE WHEN c.ch->>'table' = 'items' AND c.ch->'data'->>'store_id' IS NULL
                    THEN c.ch->'data' || jsonb_build_object('store_id', me.store_id)
                    ELSE c.ch->'data' END AS data
        FROM unnest(txs) WITH ORDINALITY t(tx, n),
             jsonb_array_elements(t.tx->'changes') WITH ORDINALITY c(ch, n)
    ), into_records AS (
        INSERT INTO facet.records (table_name, row_id, store_id, data, writers, server_seq)
        SELECT s.table_name, s.row_id, me.store_id, s.data,
               (SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(me.device_id, s.seq)), '{}'::jsonb)
                FROM jsonb_object_keys(s.data) AS k),
               s.seq
        FROM staged s
    ), into_received AS (
        INSERT INTO facet.received (device_id, device_seq, outcome)
        SELECT me.device_id, s.device_seq, 'applied' FROM staged s
    )
    INSERT INTO facet.changes (server_seq, store_id, device_id, device_seq, tx_id, table_name, row_id, op, changes)
    SELECT s.seq, me.store_id, me.device_id, s.device_seq, s.tx_id, s.table_name, s.row_id, 'insert', s.data
    FROM staged s;

    -- The ledger: each item's movements of the run summed into facet.stock at once; a negative movement that
    -- leaves the running sum below zero is the conflict count_stock would have logged (the last one per item).
    -- The movements are read from the run itself, numbered as above (an index of facet.changes by table would
    -- walk every movement the group ever had).
    WITH moves AS MATERIALIZED (
        SELECT m.server_seq, m.ch->'data'->>'item_id' AS item, (m.ch->'data'->>'quantity')::bigint AS qty
        FROM (SELECT first_seq + row_number() OVER (ORDER BY t.n, c.n) - 1 AS server_seq, c.ch
              FROM unnest(txs) WITH ORDINALITY t(tx, n),
                   jsonb_array_elements(t.tx->'changes') WITH ORDINALITY c(ch, n)) m
        WHERE m.ch->>'table' = 'stock_movements'
    ), per_item AS (
        -- A movement without a quantity fails the NOT NULL of on_hand, as it does one change at a time.
        SELECT item, CASE WHEN bool_or(qty IS NULL) THEN NULL ELSE sum(qty) END AS total
        FROM moves GROUP BY item
    ), counted AS (
        INSERT INTO facet.stock AS s (item_id, store_id, on_hand)
        SELECT p.item, coalesce(r.data->>'store_id', r.store_id, me.store_id), p.total
        FROM per_item p LEFT JOIN facet.records r ON r.table_name = 'items' AND r.row_id = p.item
        ORDER BY p.item
        ON CONFLICT (item_id) DO UPDATE SET on_hand = s.on_hand + excluded.on_hand
        RETURNING s.item_id, s.on_hand
    ), running AS (
        SELECT m.item, m.server_seq, m.qty,
               c.on_hand - p.total + sum(m.qty) OVER (PARTITION BY m.item ORDER BY m.server_seq) AS on_hand
        FROM moves m JOIN per_item p USING (item) JOIN counted c ON c.item_id = m.item
    ), short AS (
        SELECT DISTINCT ON (item) item, server_seq, on_hand
        FROM running WHERE on_hand < 0 AND qty < 0
        ORDER BY item, server_seq DESC
    )
    INSERT INTO facet.conflicts (store_id, kind, table_name, row_id, details, server_seq)
    SELECT coalesce(r.data->>'store_id', r.store_id, me.store_id),
           CASE WHEN r.data->>'tracking' = 'unique' THEN 'sold_twice' ELSE 'below_zero' END,
           'items', s.item,
           jsonb_build_object('on_hand', s.on_hand, 'sales', (
               SELECT coalesce(jsonb_agg(jsonb_build_object('movement', m.row_id, 'reference', m.data->>'reference',
                                                            'terminal', m.data->>'terminal',
                                                            'quantity', m.data->'quantity')
                                         ORDER BY m.server_seq), '[]'::jsonb)
               FROM facet.records m
               WHERE m.table_name = 'stock_movements' AND m.data->>'item_id' = s.item
                 AND m.data->>'kind' = 'sale' AND m.server_seq <= s.server_seq)),
           s.server_seq
    FROM short s LEFT JOIN facet.records r ON r.table_name = 'items' AND r.row_id = s.item
    ON CONFLICT (row_id, kind) WHERE resolved_at IS NULL AND kind IN ('sold_twice', 'below_zero')
    DO UPDATE SET details = excluded.details, server_seq = excluded.server_seq;

    RETURN jsonb_build_array(first_seq, first_seq + n - 1);
END $f$;

CREATE OR REPLACE FUNCTION facet.push(p_expected text, p_seen bigint, p_batch jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    me facet.counters;
    txs jsonb[];
    fresh boolean[];
    seen_before boolean[];
    total int;
    i int;
    j int;
    run_from int := 0;
    through bigint := 0;
    applied int := 0;
    skipped int := 0;
    quarantined int := 0;
    block jsonb;
    own jsonb := '[]';
BEGIN
    me := facet.caller(p_expected);
    -- One writer of the change log at a time, until commit: server_seq order is commit order.
    PERFORM pg_advisory_xact_lock(hashtext('facet.changes'));
    -- Each transaction of the batch, in order: whether central received it before (skipped: a replay), and
    -- whether it only inserts rows central does not have (the same row twice in the batch goes the slow way:
    -- the second must see the first).
    WITH tx AS (
        SELECT t.value AS tx, t.ordinality AS tx_no FROM jsonb_array_elements(p_batch) WITH ORDINALITY t
    ), ch AS (
        SELECT tx.tx_no, c.ordinality AS ch_no, c.value AS ch
        FROM tx, jsonb_array_elements(tx.tx->'changes') WITH ORDINALITY c
    ), per_change AS (
        SELECT ch.tx_no,
               coalesce(ch.ch->>'op' = 'insert'
                        AND ch.ch->>'table' = ANY(@KNOWN@)
                        AND NOT (ch.ch->>'table' = 'customers' AND ch.ch->'data'->>'erased_at' IS NOT NULL)
                        AND row_number() OVER (PARTITION BY ch.ch->>'table', ch.ch->>'row'
                                               ORDER BY ch.tx_no, ch.ch_no) = 1
                        -- A scalar subquery, not EXISTS: one primary-key probe a change, never a hashed
                        -- scan of every record central holds.
                        AND (SELECT true FROM facet.records r
                             WHERE r.table_name = ch.ch->>'table' AND r.row_id = ch.ch->>'row') IS NULL,
                        false) AS new_row
        FROM ch
    ), per_tx AS (
        SELECT tx_no, bool_and(new_row) AS fresh FROM per_change GROUP BY tx_no
    )
    SELECT array_agg(tx.tx ORDER BY tx.tx_no),
           array_agg(coalesce(p.fresh, false) ORDER BY tx.tx_no),
           array_agg(EXISTS (SELECT 1 FROM facet.received
                             WHERE device_id = me.device_id
                               AND device_seq = (tx.tx->'changes'->0->>'seq')::bigint) ORDER BY tx.tx_no)
        INTO txs, fresh, seen_before
        FROM tx LEFT JOIN per_tx p USING (tx_no);
    total := coalesce(array_length(txs, 1), 0);
    FOR i IN 1..total + 1 LOOP
        IF i <= total THEN
            through := greatest(through, (txs[i]->'changes'->-1->>'seq')::bigint);
            IF fresh[i] AND NOT seen_before[i] THEN
                IF run_from = 0 THEN
                    run_from := i;
                END IF;
                CONTINUE;
            END IF;
        END IF;
        IF run_from > 0 THEN
            BEGIN
                block := facet.apply_new_rows(me, txs[run_from:i - 1]);
                applied := applied + (i - run_from);
                IF block IS NOT NULL THEN
                    own := own || jsonb_build_array(block);
                END IF;
            EXCEPTION WHEN OTHERS THEN
                -- A constraint refused something in the run: each transaction alone, the one at fault to attention.
                FOR j IN run_from..i - 1 LOOP
                    IF facet.apply_tx(me, txs[j], p_seen) THEN
                        applied := applied + 1;
                    ELSE
                        quarantined := quarantined + 1;
                    END IF;
                END LOOP;
            END;
            run_from := 0;
        END IF;
        EXIT WHEN i > total;
        IF seen_before[i] THEN
            skipped := skipped + 1;
        ELSIF facet.apply_tx(me, txs[i], p_seen) THEN
            applied := applied + 1;
        ELSE
            quarantined := quarantined + 1;
        END IF;
    END LOOP;
    UPDATE facet.counters SET last_push_at = now() WHERE role_name = me.role_name;
    IF applied > 0 THEN
        PERFORM pg_notify('facet_changes', me.store_id);
    END IF;
    -- `own`: the blocks of server numbers that hold this batch's changes exactly as sent (a new piece gains its
    -- store_id): the counter need not apply them again when it pulls them back.
    RETURN jsonb_build_object('through', through, 'applied', applied, 'skipped', skipped,
                              'quarantined', quarantined, 'own', own);
END $f$;
""".replace("@KNOWN@", _KNOWN_SQL)

# c0001's push, put back by a downgrade.
DOWNGRADE = r"""
CREATE OR REPLACE FUNCTION facet.push(p_expected text, p_seen bigint, p_batch jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    me facet.counters;
    tx jsonb;
    ch jsonb;
    first_seq bigint;
    through bigint := 0;
    applied int := 0;
    skipped int := 0;
    quarantined int := 0;
    erasure boolean;
BEGIN
    me := facet.caller(p_expected);
    -- One writer of the change log at a time, until commit: server_seq order is commit order.
    PERFORM pg_advisory_xact_lock(hashtext('facet.changes'));
    FOR tx IN SELECT value FROM jsonb_array_elements(p_batch) LOOP
        first_seq := (tx->'changes'->0->>'seq')::bigint;
        through := greatest(through, (tx->'changes'->-1->>'seq')::bigint);
        IF EXISTS (SELECT 1 FROM facet.received WHERE device_id = me.device_id AND device_seq = first_seq) THEN
            skipped := skipped + 1;
            CONTINUE;
        END IF;
        erasure := EXISTS (SELECT 1 FROM jsonb_array_elements(tx->'changes') c
                           WHERE c->>'table' = 'customers' AND c->'data'->>'erased_at' IS NOT NULL);
        BEGIN
            FOR ch IN SELECT value FROM jsonb_array_elements(tx->'changes') LOOP
                PERFORM facet.apply_change(me, tx->>'tx', ch, p_seen, erasure);
            END LOOP;
            INSERT INTO facet.received (device_id, device_seq, outcome)
                SELECT me.device_id, (c->>'seq')::bigint, 'applied' FROM jsonb_array_elements(tx->'changes') c;
            applied := applied + 1;
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO facet.attention (store_id, device_id, device_seq, tx_id, reason, tables)
                VALUES (me.store_id, me.device_id, first_seq, tx->>'tx', SQLERRM,
                        ARRAY(SELECT DISTINCT c->>'table' FROM jsonb_array_elements(tx->'changes') c));
            INSERT INTO facet.received (device_id, device_seq, outcome)
                SELECT me.device_id, (c->>'seq')::bigint, 'quarantined' FROM jsonb_array_elements(tx->'changes') c;
            quarantined := quarantined + 1;
        END;
    END LOOP;
    UPDATE facet.counters SET last_push_at = now() WHERE role_name = me.role_name;
    IF applied > 0 THEN
        PERFORM pg_notify('facet_changes', me.store_id);
    END IF;
    RETURN jsonb_build_object('through', through, 'applied', applied, 'skipped', skipped,
                              'quarantined', quarantined);
END $f$;
DROP FUNCTION facet.apply_new_rows(facet.counters, jsonb[]);
DROP FUNCTION facet.apply_tx(facet.counters, jsonb, bigint);
"""


def _as_owner(body: str) -> None:
    """Run `body` as the group's owner role (c0001 made it; it owns every facet object)."""
    owner = op.get_bind().exec_driver_sql("SELECT value FROM facet.info WHERE key = 'owner_role'").scalar()
    op.execute(f"SET LOCAL ROLE {owner};\n{body}\nRESET ROLE;")


def upgrade() -> None:
    _as_owner(UPGRADE)
    # Inner functions: only push (SECURITY DEFINER, granted to counters since c0001) calls them.
    for name in ("apply_tx(facet.counters, jsonb, bigint)", "apply_new_rows(facet.counters, jsonb[])"):
        op.execute(f"REVOKE EXECUTE ON FUNCTION facet.{name} FROM PUBLIC")


def downgrade() -> None:
    _as_owner(DOWNGRADE)
