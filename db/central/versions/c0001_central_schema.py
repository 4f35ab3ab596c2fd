"""The central schema of a sync group: the shared record, the change log, and the only doors counters have.

Everything lives in the schema ``facet``, owned by a group role that cannot
log in (``<db>_owner``). Counters log in with a role of their own (one per
counter, made by ``pos-app central add-counter``), members of
``<db>_counter``, which may only EXECUTE the sync functions below: no table
privilege at all, no DDL, no reading another store's staff secrets (``pull``
and ``snapshot`` strip them), no writing another store's staff or store-only
rows (``push`` refuses such a change into the attention queue). The
functions are SECURITY DEFINER, run as the owner role, and find the calling
counter from ``session_user``.

Tables (every one carries ``store_id``, the store a row came from: the
column a distributed PostgreSQL such as Citus would shard by):

- ``stores``, ``counters``: the group: a store's code (S1) and name; a
  counter's login role, its store, its code (C2), its device id once enrolled,
  the enrolment's expiry, when it left.
- ``records``: the current state of every synced row, as JSON of the store
  file's columns, with each field's last writer (device and server sequence)
  for last-writer-wins by central order; ``deleted`` marks a tombstone (no
  values kept), ``erased`` a customer erased (a tombstone that beats any later
  update of that row).
- ``changes``: the change log. ``server_seq`` is assigned while ``push``
  holds one transaction-level advisory lock, so sequence order is commit
  order and a pull cursor never skips a change that committed late.
  ``(device_id, device_seq)`` is unique: the same change applied twice is
  impossible.
- ``received``: every ``(device_id, device_seq)`` a push brought, with its
  outcome: a batch sent again after a lost acknowledgement is skipped whole.
- ``attention``: a counter's transaction central refused (a constraint), with
  the reason; the changes after it keep flowing.
- ``conflicts``: what a manager must see: a value typed at one counter
  overwritten by another's (``overwrite``), a unique piece sold twice
  (``sold_twice``), counted stock below zero (``below_zero``).
- ``stock``: each item's on hand as the union of every counter's ledger.
- ``audit_events``: every counter's own hash chain, as it wrote it.

Revision ID: c0001
Revises:
Create Date: 2026-12-07 13:00:00
"""

import re

from alembic import op

revision = 'c0001'
down_revision = None
branch_labels = None
depends_on = None

# Tables a counter pulls from every store of the group; the others only from its own store.
SHARED = ("items", "item_stones", "item_photos", "certificates", "stock_movements", "sales", "sale_lines",
          "payments", "card_refunds", "customers", "policy_versions", "consent_events", "privacy_requests",
          "erasure_log", "appraisals", "appraisal_stones", "appraisal_photos", "staff")
STORE_ONLY = ("stores", "terminals", "staff_recovery_codes", "shifts", "cash_movements", "large_cash_reports",
              "stock_counts", "stock_count_scans")
# Values a person types or chooses on these tables; an overwrite of one from another counter is a conflict.
EDITABLE = ("items", "item_stones", "customers", "staff", "stores", "terminals", "certificates", "appraisals",
            "appraisal_stones")
# Staff columns no other store ever receives.
STAFF_SECRETS = ("pin_hash", "password_hash", "totp_secret", "totp_last_step", "failed_attempts", "locked_until",
                 "credentials", "must_change_secret")
# Columns that change by themselves (times, counters): never a conflict.
NOT_TYPED = ("updated_at", "created_at", "failed_attempts", "locked_until", "last_sign_in_at", "totp_last_step",
             "on_hand", "status")


def _array(names):
    return "ARRAY[" + ", ".join(f"'{n}'" for n in names) + "]::text[]"


def role_prefix(database: str) -> str:
    """Group role names are per database (roles are cluster-wide): `<db>_owner`, `<db>_counter`."""
    return re.sub(r"[^a-z0-9_]", "_", database.lower())[:40]


def upgrade() -> None:
    conn = op.get_bind()
    prefix = role_prefix(conn.exec_driver_sql("SELECT current_database()").scalar())
    owner, counter = f"{prefix}_owner", f"{prefix}_counter"
    op.execute(f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{owner}') THEN
    CREATE ROLE {owner} NOLOGIN CREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{counter}') THEN
    CREATE ROLE {counter} NOLOGIN;
  END IF;
END $$;
GRANT {owner} TO CURRENT_USER;
REVOKE ALL ON SCHEMA facet FROM PUBLIC;
ALTER SCHEMA facet OWNER TO {owner};
GRANT USAGE ON SCHEMA facet TO {counter};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA facet REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
SET LOCAL ROLE {owner};

CREATE TABLE facet.info (
    key text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO facet.info (key, value) VALUES ('owner_role', '{owner}'), ('counter_role', '{counter}');

CREATE TABLE facet.stores (
    store_id text PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE facet.counters (
    role_name text PRIMARY KEY,
    store_id text NOT NULL REFERENCES facet.stores,
    counter_code text NOT NULL,
    name text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    enrolled_at timestamptz,
    device_id text UNIQUE,
    left_at timestamptz,
    last_push_at timestamptz,
    last_pull_at timestamptz,
    UNIQUE (store_id, counter_code)
);

CREATE SEQUENCE facet.server_seq;

CREATE TABLE facet.records (
    table_name text NOT NULL,
    row_id text NOT NULL,
    store_id text NOT NULL,
    data jsonb NOT NULL DEFAULT '{{}}',
    writers jsonb NOT NULL DEFAULT '{{}}',
    deleted boolean NOT NULL DEFAULT false,
    erased boolean NOT NULL DEFAULT false,
    server_seq bigint NOT NULL,
    PRIMARY KEY (table_name, row_id)
);
CREATE INDEX records_store ON facet.records (store_id, table_name);
-- The store file's own unique keys, chain-wide: a second piece with one SKU or barcode, a sale number twice.
CREATE UNIQUE INDEX records_item_sku ON facet.records ((data->>'sku'))
    WHERE table_name = 'items' AND NOT deleted;
CREATE UNIQUE INDEX records_item_barcode ON facet.records ((data->>'barcode'))
    WHERE table_name = 'items' AND NOT deleted AND data->>'barcode' IS NOT NULL;
CREATE UNIQUE INDEX records_sale_number ON facet.records (store_id, (data->>'terminal'), (data->>'number'))
    WHERE table_name = 'sales';

CREATE TABLE facet.changes (
    server_seq bigint PRIMARY KEY,
    store_id text NOT NULL,
    device_id text NOT NULL,
    device_seq bigint NOT NULL,
    tx_id text NOT NULL,
    table_name text NOT NULL,
    row_id text NOT NULL,
    op text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    changes jsonb,
    applied_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (device_id, device_seq)
);
CREATE INDEX changes_row ON facet.changes (table_name, row_id);

CREATE TABLE facet.received (
    device_id text NOT NULL,
    device_seq bigint NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('applied', 'quarantined')),
    PRIMARY KEY (device_id, device_seq)
);

CREATE TABLE facet.attention (
    id bigserial PRIMARY KEY,
    store_id text NOT NULL,
    device_id text NOT NULL,
    device_seq bigint NOT NULL,
    tx_id text NOT NULL,
    reason text NOT NULL,
    tables text[] NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by text,
    UNIQUE (device_id, device_seq)
);

CREATE TABLE facet.conflicts (
    id bigserial PRIMARY KEY,
    store_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('overwrite', 'sold_twice', 'below_zero')),
    table_name text NOT NULL,
    row_id text NOT NULL,
    field text,
    details jsonb NOT NULL DEFAULT '{{}}',
    server_seq bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by text,
    resolution text
);
CREATE INDEX conflicts_open ON facet.conflicts (store_id) WHERE resolved_at IS NULL;
CREATE UNIQUE INDEX conflicts_one_open_per_piece ON facet.conflicts (row_id, kind)
    WHERE resolved_at IS NULL AND kind IN ('sold_twice', 'below_zero');

CREATE TABLE facet.stock (
    item_id text PRIMARY KEY,
    store_id text NOT NULL,
    on_hand bigint NOT NULL DEFAULT 0
);

CREATE TABLE facet.audit_events (
    device_id text NOT NULL,
    seq bigint NOT NULL,
    store_id text NOT NULL,
    data jsonb NOT NULL,
    PRIMARY KEY (device_id, seq)
);

-- ------------------------------------------------------------------ who is calling

CREATE FUNCTION facet.me() RETURNS facet.counters
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    c facet.counters;
BEGIN
    SELECT * INTO c FROM facet.counters WHERE role_name = session_user;
    IF NOT FOUND OR c.enrolled_at IS NULL THEN
        RAISE EXCEPTION 'this login is not an enrolled Facet counter' USING ERRCODE = 'FC001';
    END IF;
    IF c.left_at IS NOT NULL THEN
        RAISE EXCEPTION 'this counter left the sync group on %', c.left_at::date USING ERRCODE = 'FC002';
    END IF;
    RETURN c;
END $f$;

CREATE FUNCTION facet.check_version(p_expected text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    have text;
BEGIN
    SELECT version_num INTO have FROM facet.alembic_version;
    IF have IS DISTINCT FROM p_expected THEN
        IF substr(have, 2)::int > substr(p_expected, 2)::int THEN
            RAISE EXCEPTION 'central''s schema is % and this counter speaks %: upgrade Facet on this counter',
                have, p_expected USING ERRCODE = 'FC003';
        ELSE
            RAISE EXCEPTION 'central''s schema is % and this counter speaks %: upgrade central first '
                '(pos-app central upgrade)', have, p_expected USING ERRCODE = 'FC003';
        END IF;
    END IF;
END $f$;

-- The counter calling, once central checked it speaks central's schema revision: every door starts here.
CREATE FUNCTION facet.caller(p_expected text) RETURNS facet.counters
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
BEGIN
    PERFORM facet.check_version(p_expected);
    RETURN facet.me();
END $f$;

-- ------------------------------------------------------------------ joining

CREATE FUNCTION facet.enrol(p_expected text, p_device_id text, p_name text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    c facet.counters;
    s facet.stores;
BEGIN
    PERFORM facet.check_version(p_expected);
    SELECT * INTO c FROM facet.counters WHERE role_name = session_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'this login is not a Facet counter' USING ERRCODE = 'FC001';
    END IF;
    IF c.enrolled_at IS NOT NULL THEN
        RAISE EXCEPTION 'this enrolment token was already used: ask the owner for a new one '
            '(pos-app central add-counter)' USING ERRCODE = 'FC004';
    END IF;
    IF c.expires_at < now() THEN
        RAISE EXCEPTION 'this enrolment token expired on %: ask the owner for a new one '
            '(pos-app central add-counter)', to_char(c.expires_at, 'YYYY-MM-DD HH24:MI TZ') USING ERRCODE = 'FC004';
    END IF;
    UPDATE facet.counters SET enrolled_at = now(), device_id = p_device_id, name = p_name
        WHERE role_name = c.role_name;
    SELECT * INTO s FROM facet.stores WHERE store_id = c.store_id;
    RETURN jsonb_build_object('store_id', s.store_id, 'store_code', s.code, 'store_name', s.name,
                              'counter_code', c.counter_code);
END $f$;

CREATE FUNCTION facet.hello(p_expected text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    me facet.counters;
BEGIN
    me := facet.caller(p_expected);
    RETURN jsonb_build_object(
        'store_id', me.store_id, 'counter_code', me.counter_code,
        'stores', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', store_id, 'code', code, 'name', name)
                                             ORDER BY code), '[]') FROM facet.stores),
        'conflicts', (SELECT count(*) FROM facet.conflicts WHERE store_id = me.store_id AND resolved_at IS NULL),
        'attention', (SELECT count(*) FROM facet.attention WHERE device_id = me.device_id AND resolved_at IS NULL),
        'cursor', (SELECT coalesce(max(server_seq), 0) FROM facet.changes),
        'last_seq', (SELECT coalesce(max(device_seq), 0) FROM facet.received WHERE device_id = me.device_id));
END $f$;

-- ------------------------------------------------------------------ pushing

CREATE FUNCTION facet.writers(p_data jsonb, p_device text, p_seq bigint) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = facet, pg_temp AS $f$
    SELECT coalesce(jsonb_object_agg(key, jsonb_build_array(p_device, p_seq)), '{{}}')
    FROM jsonb_object_keys(p_data) AS key
$f$;

CREATE FUNCTION facet.count_stock(me facet.counters, p_row text, d jsonb, p_seq bigint) RETURNS void
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

CREATE FUNCTION facet.apply_change(me facet.counters, p_tx text, ch jsonb, p_seen bigint, p_erasure boolean)
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
    IF NOT (t = ANY({_array(SHARED + STORE_ONLY)})) THEN
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
    IF found_row AND rec.store_id <> me.store_id AND t = ANY({_array(STORE_ONLY + ("staff",))}) THEN
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
            IF t = ANY({_array(EDITABLE)}) AND NOT p_erasure THEN
                FOR k IN SELECT jsonb_object_keys(d) LOOP
                    prior := rec.writers->k;
                    IF prior IS NOT NULL AND NOT (k = ANY({_array(NOT_TYPED)}))
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
            VALUES (t, r, origin, '{{}}', '{{}}', true, seq)
            ON CONFLICT (table_name, row_id) DO UPDATE
            SET data = '{{}}', writers = '{{}}', deleted = true, server_seq = excluded.server_seq;
        effective := NULL;
    END IF;
    IF p_erasure THEN
        -- No earlier change of an erased row keeps what it held: each is rewritten from the row as it is now.
        UPDATE facet.changes c
            SET changes = CASE WHEN x.deleted THEN NULL
                               ELSE (SELECT coalesce(jsonb_object_agg(key, x.data->key), '{{}}')
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

CREATE FUNCTION facet.push(p_expected text, p_seen bigint, p_batch jsonb) RETURNS jsonb
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

CREATE FUNCTION facet.push_audit(p_expected text, p_events jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    me facet.counters;
BEGIN
    me := facet.caller(p_expected);
    INSERT INTO facet.audit_events (device_id, seq, store_id, data)
        SELECT me.device_id, (e->>'seq')::bigint, me.store_id, e FROM jsonb_array_elements(p_events) e
        ON CONFLICT (device_id, seq) DO NOTHING;
    RETURN (SELECT coalesce(max(seq), 0) FROM facet.audit_events WHERE device_id = me.device_id);
END $f$;

-- ------------------------------------------------------------------ pulling

CREATE FUNCTION facet.visible(me facet.counters, p_store text, p_table text) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = facet, pg_temp AS $f$
    SELECT p_store = me.store_id OR p_table = ANY({_array(SHARED)})
$f$;

CREATE FUNCTION facet.shown(me facet.counters, p_store text, p_table text, p_data jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = facet, pg_temp AS $f$
    SELECT CASE WHEN p_table = 'staff' AND p_store <> me.store_id AND p_data IS NOT NULL
                THEN (p_data - {_array(STAFF_SECRETS)}) || '{{"active": false}}'::jsonb
                ELSE p_data END
$f$;

CREATE FUNCTION facet.pull(p_expected text, p_cursor bigint, p_limit int) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    me facet.counters;
    result jsonb;
BEGIN
    me := facet.caller(p_expected);
    UPDATE facet.counters SET last_pull_at = now() WHERE role_name = me.role_name;
    WITH scanned AS (
        SELECT * FROM facet.changes WHERE server_seq > p_cursor ORDER BY server_seq LIMIT p_limit
    )
    SELECT jsonb_build_object(
        'through', coalesce(max(server_seq), p_cursor),
        'changes', coalesce(jsonb_agg(jsonb_build_array(server_seq, device_id, table_name, row_id, op,
                                                        facet.shown(me, store_id, table_name, changes))
                                      ORDER BY server_seq) FILTER (WHERE facet.visible(me, store_id, table_name)),
                            '[]'))
        INTO result FROM scanned;
    RETURN result;
END $f$;

CREATE FUNCTION facet.snapshot(p_expected text, p_after_table text, p_after_row text, p_limit int) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    me facet.counters;
    result jsonb;
BEGIN
    me := facet.caller(p_expected);
    WITH page AS (
        SELECT * FROM facet.records
        WHERE (table_name, row_id) > (p_after_table, p_after_row) AND NOT deleted
        ORDER BY table_name, row_id LIMIT p_limit
    )
    SELECT jsonb_build_object(
        'last', (SELECT jsonb_build_array(table_name, row_id) FROM page ORDER BY table_name DESC, row_id DESC LIMIT 1),
        'rows', coalesce(jsonb_agg(jsonb_build_array(table_name, row_id, facet.shown(me, store_id, table_name, data)))
                         FILTER (WHERE facet.visible(me, store_id, table_name)), '[]'))
        INTO result FROM page;
    RETURN result;
END $f$;

CREATE FUNCTION facet.snapshot_size(p_expected text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
BEGIN
    PERFORM facet.caller(p_expected);
    RETURN (SELECT count(*) FROM facet.records WHERE NOT deleted);
END $f$;

-- ------------------------------------------------------------------ a manager's queue

CREATE FUNCTION facet.open_cases(p_expected text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    me facet.counters;
BEGIN
    me := facet.caller(p_expected);
    RETURN jsonb_build_object(
        'conflicts', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'id', c.id, 'kind', c.kind, 'table', c.table_name, 'row', c.row_id, 'field', c.field,
                          'details', c.details, 'at', c.at,
                          'sku', (SELECT data->>'sku' FROM facet.records
                                  WHERE table_name = 'items' AND row_id = c.row_id))
                          ORDER BY c.id), '[]')
                      FROM facet.conflicts c WHERE c.store_id = me.store_id AND c.resolved_at IS NULL),
        'attention', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'id', a.id, 'device_id', a.device_id, 'device_seq', a.device_seq, 'reason', a.reason,
                          'tables', a.tables, 'at', a.at)
                          ORDER BY a.id), '[]')
                      FROM facet.attention a WHERE a.store_id = me.store_id AND a.resolved_at IS NULL));
END $f$;

CREATE FUNCTION facet.resolve(p_expected text, p_kind text, p_id bigint, p_resolution text, p_by text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    me facet.counters;
    n int;
BEGIN
    me := facet.caller(p_expected);
    IF p_kind = 'conflict' THEN
        UPDATE facet.conflicts SET resolved_at = now(), resolved_by = p_by, resolution = p_resolution
            WHERE id = p_id AND store_id = me.store_id AND resolved_at IS NULL;
    ELSE
        UPDATE facet.attention SET resolved_at = now(), resolved_by = p_by
            WHERE id = p_id AND store_id = me.store_id AND resolved_at IS NULL;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n = 1;
END $f$;

CREATE FUNCTION facet.leave(p_expected text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = facet, pg_temp AS $f$
DECLARE
    me facet.counters;
BEGIN
    me := facet.caller(p_expected);
    UPDATE facet.counters SET left_at = now() WHERE role_name = me.role_name;
END $f$;

RESET ROLE;
""")
    for name in ("hello(text)", "enrol(text, text, text)", "push(text, bigint, jsonb)", "push_audit(text, jsonb)",
                 "pull(text, bigint, integer)", "snapshot(text, text, text, integer)", "snapshot_size(text)",
                 "open_cases(text)", "resolve(text, text, bigint, text, text)", "leave(text)"):
        op.execute(f"REVOKE EXECUTE ON FUNCTION facet.{name} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION facet.{name} TO {counter}")
    for name in ("me()", "check_version(text)", "caller(text)", "writers(jsonb, text, bigint)",
                 "count_stock(facet.counters, text, jsonb, bigint)",
                 "apply_change(facet.counters, text, jsonb, bigint, boolean)",
                 "visible(facet.counters, text, text)", "shown(facet.counters, text, text, jsonb)"):
        op.execute(f"REVOKE EXECUTE ON FUNCTION facet.{name} FROM PUBLIC")
    op.execute(f"GRANT SELECT ON facet.alembic_version TO {owner}")


def downgrade() -> None:
    op.execute("DROP SCHEMA facet CASCADE")
