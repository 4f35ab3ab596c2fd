"""Central keeps a store's shared settings (``store_settings``), and its table lists become functions.

The counters' schema 0014 moved the settings every counter of a store shares
(its cases, idle lock, return policy, retention periods) into
``store_settings``, a synced table of store-only rows: a counter pulls only
its own store's, a counter may not write another store's, and an overwrite of
a value another counter set is a conflict (a person chose it), like the
store's profile.

c0001 compiled its table lists into ``facet.apply_change`` as array
literals. They are now small immutable functions (``facet.shared_tables()``,
``facet.store_only_tables()``, ``facet.editable_tables()``,
``facet.not_typed_columns()``), so the next table central learns is one
function replaced, not the whole apply. ``apply_change`` is otherwise c0001's
word for word. Pulls and snapshots need no change: a table that is not
shared is already served to its own store only.

Revision ID: c0003
Revises: c0002
Create Date: 2026-12-07 16:40:00
"""

from alembic import op

revision = 'c0003'
down_revision = 'c0002'
branch_labels = None
depends_on = None

# As c0001's lists, with store_settings among the store-only and editable tables.
SHARED = ("items", "item_stones", "item_photos", "certificates", "stock_movements", "sales", "sale_lines",
          "payments", "card_refunds", "customers", "policy_versions", "consent_events", "privacy_requests",
          "erasure_log", "appraisals", "appraisal_stones", "appraisal_photos", "staff")
STORE_ONLY = ("stores", "terminals", "staff_recovery_codes", "shifts", "cash_movements", "large_cash_reports",
              "stock_counts", "stock_count_scans", "store_settings")
EDITABLE = ("items", "item_stones", "customers", "staff", "stores", "terminals", "certificates", "appraisals",
            "appraisal_stones", "store_settings")
NOT_TYPED = ("updated_at", "created_at", "failed_attempts", "locked_until", "last_sign_in_at", "totp_last_step",
             "on_hand", "status")
LISTS = {"shared_tables": SHARED, "store_only_tables": STORE_ONLY, "editable_tables": EDITABLE,
         "not_typed_columns": NOT_TYPED}


def _list_function(name: str, values: tuple[str, ...]) -> str:
    return (f"CREATE OR REPLACE FUNCTION facet.{name}() RETURNS text[]\n"
            f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$ SELECT {_array(values)} $f$;\n")


APPLY_CHANGE = r"""
CREATE OR REPLACE FUNCTION facet.apply_change(me facet.counters, p_tx text, ch jsonb, p_seen bigint, p_erasure boolean)
RETURNS void
LANGUAGE plpgsql SET search_path = facet, pg_temp AS $f$
DECLARE
    t text := ch->>'table';
    r text := ch->>'row';
    o text := ch->>'op';
    d jsonb := ch->'data';
    rec facet.records;
    found_row boolean;
    seq bigint;
    k text;
    prior jsonb;
    effective jsonb;
    origin text;
BEGIN
    IF NOT (t = ANY(@KEPT@)) THEN
        RAISE EXCEPTION 'central keeps no table "%"', t USING ERRCODE = 'FC010';
    END IF;
    IF o NOT IN ('insert', 'update', 'delete') THEN
        RAISE EXCEPTION 'unknown change "%" of % %', o, t, r USING ERRCODE = 'FC010';
    END IF;
    SELECT * INTO rec FROM facet.records WHERE table_name = t AND row_id = r FOR UPDATE;
    found_row := FOUND;
    seq := nextval('facet.server_seq');
    origin := CASE WHEN found_row THEN rec.store_id ELSE me.store_id END;
    -- A store's staff (their PINs and passwords) and its store-only rows are written by its own counters only.
    IF found_row AND rec.store_id <> me.store_id AND t = ANY(@NOT_OTHERS@) THEN
        RAISE EXCEPTION 'a counter may not change a % row of another store (%)', t, r USING ERRCODE = 'FC011';
    END IF;
    IF o = 'insert' AND found_row AND NOT rec.deleted THEN
        o := 'update';  -- the row is there already (a restored counter sends it again): its values as an update
    END IF;
    IF o = 'insert' THEN
        IF t = 'items' AND d->>'store_id' IS NULL THEN
            d := d || jsonb_build_object('store_id', me.store_id);
        END IF;
        INSERT INTO facet.records AS x (table_name, row_id, store_id, data, writers, server_seq)
            VALUES (t, r, origin, d, facet.writers(d, me.device_id, seq), seq)
            ON CONFLICT (table_name, row_id) DO UPDATE
            SET data = excluded.data, writers = excluded.writers, deleted = false, server_seq = excluded.server_seq;
        effective := d;
        IF t = 'stock_movements' THEN
            PERFORM facet.count_stock(me, r, d, seq);
        END IF;
    ELSIF o = 'update' THEN
        IF found_row AND (rec.deleted OR (rec.erased AND NOT p_erasure)) THEN
            RETURN;  -- a tombstone wins: a deleted row stays deleted, an erased customer stays erased
        END IF;
        IF NOT found_row THEN
            INSERT INTO facet.records (table_name, row_id, store_id, data, writers, server_seq)
                VALUES (t, r, origin, d, facet.writers(d, me.device_id, seq), seq);
        ELSE
            IF t = ANY(@EDITABLE@) AND NOT p_erasure THEN
                FOR k IN SELECT jsonb_object_keys(d) LOOP
                    prior := rec.writers->k;
                    IF prior IS NOT NULL AND NOT (k = ANY(@NOT_TYPED@))
                       AND prior->>0 <> me.device_id AND (prior->>1)::bigint > p_seen
                       AND rec.data->k IS DISTINCT FROM d->k THEN
                        INSERT INTO facet.conflicts (store_id, kind, table_name, row_id, field, details, server_seq)
                        VALUES (origin, 'overwrite', t, r, k,
                                jsonb_build_object('kept', d->k, 'kept_from', me.device_id,
                                                   'overwritten', rec.data->k, 'overwritten_from', prior->>0), seq);
                    END IF;
                END LOOP;
            END IF;
            UPDATE facet.records
                SET data = rec.data || d, writers = rec.writers || facet.writers(d, me.device_id, seq),
                    server_seq = seq,
                    erased = rec.erased OR (t = 'customers' AND p_erasure AND d->>'erased_at' IS NOT NULL)
                WHERE table_name = t AND row_id = r;
        END IF;
        IF t = 'customers' AND p_erasure AND d->>'erased_at' IS NOT NULL AND NOT found_row THEN
            UPDATE facet.records SET erased = true WHERE table_name = t AND row_id = r;
        END IF;
        effective := d;
    ELSE
        INSERT INTO facet.records AS x (table_name, row_id, store_id, data, writers, deleted, server_seq)
            VALUES (t, r, origin, '{}', '{}', true, seq)
            ON CONFLICT (table_name, row_id) DO UPDATE
            SET data = '{}', writers = '{}', deleted = true, server_seq = excluded.server_seq;
        effective := NULL;
    END IF;
    IF p_erasure THEN
        -- No earlier change of an erased row keeps what it held: each is rewritten from the row as it is now.
        UPDATE facet.changes c
            SET changes = CASE WHEN x.deleted THEN NULL
                               ELSE (SELECT coalesce(jsonb_object_agg(key, x.data->key), '{}')
                                     FROM jsonb_object_keys(c.changes) AS key) END
            FROM facet.records x
            WHERE c.table_name = t AND c.row_id = r AND c.changes IS NOT NULL
              AND x.table_name = t AND x.row_id = r;
    END IF;
    -- A whole row sent again (an insert central turned into an update) travels as an insert: a counter that
    -- never had the row (its first insert was refused) takes it whole; one that has it updates its values.
    INSERT INTO facet.changes (server_seq, store_id, device_id, device_seq, tx_id, table_name, row_id, op, changes)
        VALUES (seq, origin, me.device_id, (ch->>'seq')::bigint, p_tx, t, r,
                CASE WHEN ch->>'op' = 'insert' AND o = 'update' THEN 'insert' ELSE o END, effective);
END $f$;

"""


def _array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]::text[]"


def _apply_change(lists: dict[str, str]) -> str:
    """`APPLY_CHANGE` with its table lists as the given SQL expressions."""
    body = APPLY_CHANGE
    for mark, expression in lists.items():
        body = body.replace(mark, expression)
    return body


def _as_owner(body: str) -> None:
    """Run `body` as the group's owner role (c0001 made it; it owns every facet object)."""
    owner = op.get_bind().exec_driver_sql("SELECT value FROM facet.info WHERE key = 'owner_role'").scalar()
    op.execute(f"SET LOCAL ROLE {owner};\n{body}\nRESET ROLE;")


def upgrade() -> None:
    functions = "".join(_list_function(name, values) for name, values in LISTS.items())
    _as_owner(functions + _apply_change({
        "@KEPT@": "facet.shared_tables() || facet.store_only_tables()",
        "@NOT_OTHERS@": "facet.store_only_tables() || ARRAY['staff']",
        "@EDITABLE@": "facet.editable_tables()", "@NOT_TYPED@": "facet.not_typed_columns()"}))
    for name in LISTS:
        op.execute(f"REVOKE EXECUTE ON FUNCTION facet.{name}() FROM PUBLIC")


def downgrade() -> None:
    # c0001's apply_change, its lists literal again (without store_settings), then the list functions go.
    def before(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v for v in values if v != "store_settings")

    _as_owner(_apply_change({
        "@KEPT@": _array(SHARED + before(STORE_ONLY)), "@NOT_OTHERS@": _array(before(STORE_ONLY) + ("staff",)),
        "@EDITABLE@": _array(before(EDITABLE)), "@NOT_TYPED@": _array(NOT_TYPED)})
        + "".join(f"DROP FUNCTION facet.{name}();\n" for name in LISTS))
