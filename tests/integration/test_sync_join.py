"""Joining a sync group from central's snapshot, and a join that stops half-way, against a real PostgreSQL.

What a store relies on when a new counter joins: the store it gets is the store central holds, with every
index, trigger and full-text entry a store made by Facet has (the join loads in bulk and makes those once at
the end), the stock ledger's sums right; the progress bar moves from 0 to its total, known up front; a join
that stops half-way (central killed mid-snapshot, the joining process killed with SIGKILL) leaves a folder
that holds no store and a file that no one can open as one; and the same command on the same folder then
finishes the join without a new token, while a token whose counter finished joining stays refused.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from pos_app.adapters.secrets import KeyringSecrets, database_key_name, sync_login_name
from pos_app.domain.errors import CentralProblem, UserFacingError, ValidationError
from pos_app.persistence.database import create_database, open_database
from pos_app.persistence.sqlcipher import StoreProblem, new_key
from pos_app.sync_group import FINISH_SHARE, JOIN_MARK, JOINING_DIR, add_counter, join_group, preview_join
from tests.integration.sync_helpers import available, counter_url, off_ledger, one, rows, sell, sync_now

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def first_counter(demo_dir: Path, central_database: Any) -> Iterator[app.Facet]:
    """The demo store, made central's first store (S1) and counter (S1-C1), central seeded from it."""
    facet = app.open_facet(demo_dir)
    try:
        facet.sync().central_init(central_database.url)
        yield facet
    finally:
        facet.close()


def central(central_database: Any, query: str, *args: Any) -> Any:
    with central_database.connect() as pg:
        row = pg.execute(query, args).fetchone()
    return None if row is None else row[0]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def schema(conn: Any) -> set[tuple[str, str, str]]:
    return {(str(t), str(n), str(s)) for t, n, s in conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL")}


def assert_half_made_join_left_no_store(folder: Path) -> None:
    """The folder holds no store, and what the join left of its file (if anything) opens as no store."""
    assert not app.store_exists(folder)
    keyring = KeyringSecrets()
    half = folder / JOINING_DIR
    if (half / "facet.db").exists():
        key = keyring.get(database_key_name(folder))
        assert key is not None  # the process was killed: nothing cleaned up, yet the file is no store
        with pytest.raises(StoreProblem, match="not a Facet store"):
            open_database(half, key)


def test_a_joined_store_has_every_index_trigger_and_search_entry_and_the_ledger_s_sums(
        demo_dir: Path, central_database: Any, tmp_path: Path) -> None:
    with first_counter(demo_dir, central_database) as counter:
        store_id = one(counter, "SELECT id FROM stores")
        on_hand = dict(rows(counter, "SELECT id, on_hand FROM items"))
        sku = one(counter, "SELECT sku FROM items WHERE status = 'available' ORDER BY sku LIMIT 1")
    _, _, token = add_counter(central_database.url, store_id, None)
    calls: list[tuple[int, int]] = []
    folder = tmp_path / "new-counter"

    joined = join_group(folder, counter_url(central_database.url), token,
                        progress=lambda done, total: calls.append((done, total)))

    size = central(central_database, "SELECT count(*) FROM facet.records WHERE NOT deleted")
    total = size + size // FINISH_SHARE
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert all(t == total for _, t in calls) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len({d for d, _ in calls if d > size}) >= 10  # the finishing steps move the bar too
    assert sorted(os.listdir(folder)) == ["facet.db"] or JOINING_DIR not in os.listdir(folder)
    assert not (folder / JOIN_MARK).exists() and not (folder / JOINING_DIR).exists()
    fresh = create_database(tmp_path / "fresh", new_key())
    facet = app.open_facet(folder)
    try:
        conn = facet.connection()
        fresh_conn = fresh.connect()
        try:
            joined_schema, fresh_schema = schema(conn), schema(fresh_conn)
            assert joined_schema - fresh_schema == fresh_schema - joined_schema == set(), \
                (sorted(joined_schema - fresh_schema), sorted(fresh_schema - joined_schema))
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("SELECT applying FROM sync_state").fetchone()[0] == 0
            assert conn.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')") is not None
        finally:
            conn.close()
            fresh_conn.close()
            fresh.dispose()
        assert dict(rows(facet, "SELECT id, on_hand FROM items")) == on_hand
        assert off_ledger(facet) == []
        assert [r.sku for r in facet.store.inventory.search(sku[:4])][:1] == [sku]
        assert joined.rows == one(facet, "SELECT count(*) FROM items") + one(
            facet, "SELECT count(*) FROM stock_movements") + sum(
            one(facet, f"SELECT count(*) FROM {t}") for t in (
                "sales", "sale_lines", "sale_credits", "payments", "customers", "staff", "stores", "terminals", "shifts",
                "item_stones", "item_photos", "certificates", "card_refunds", "policy_versions", "consent_events",
                "privacy_requests", "erasure_log", "appraisals", "appraisal_stones", "appraisal_photos",
                "staff_recovery_codes", "cash_movements", "large_cash_reports", "stock_counts", "store_settings",
                "stock_count_scans"))
        # The counter sells from its new store, and central takes the sale.
        sale = sell(facet, available(facet)[0])
        sync_now(facet)
        assert central(central_database, "SELECT data->>'number' FROM facet.records WHERE table_name = 'sales' "
                       "AND row_id = %s", sale.sale_id) == sale.number
    finally:
        facet.close()


def test_a_join_central_dies_during_leaves_no_store_and_the_same_command_finishes_it_without_a_new_token(
        demo_dir: Path, central_database: Any, postgres_server: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pos_app.sync_group.SNAPSHOT_PAGE", 200)  # the demo's rows in many pages: killed between
    with first_counter(demo_dir, central_database) as counter:
        store_id = one(counter, "SELECT id FROM stores")
        sales = one(counter, "SELECT count(*) FROM sales")
    _, counter_code, token = add_counter(central_database.url, store_id, None)
    url = counter_url(central_database.url)
    folder = tmp_path / "laptop"
    keyring = KeyringSecrets()

    def kill_central(done: int, total: int) -> None:
        if done > 0:
            postgres_server.kill()  # as if central's power went, its snapshot half read

    try:
        with pytest.raises(CentralProblem) as failed:
            join_group(folder, url, token, progress=kill_central)
    finally:
        postgres_server.start()

    message = str(failed.value)
    assert "not reachable" in message and "run the same pos-app sync join" in message
    assert not app.store_exists(folder) and not (folder / JOINING_DIR).exists()
    assert keyring.get(database_key_name(folder)) is None
    assert keyring.get(sync_login_name(folder)) is not None and (folder / JOIN_MARK).exists()
    mark = json.loads((folder / JOIN_MARK).read_text())
    assert set(mark) == {"role", "device_id", "central"} and "password" not in mark["central"]

    # Asked again (the join page's Next): elsewhere the token is used up; on this folder central answers
    # who the half-joined counter already is, and the join is taken up rather than refused.
    with pytest.raises(UserFacingError, match="used"):
        preview_join(url, token)
    preview = preview_join(url, token, folder)
    assert preview.resumed and not preview.new_store
    assert (preview.store_code, preview.counter_code) == ("S1", counter_code)
    assert not app.store_exists(folder)  # asking wrote nothing

    code, out, err = run_cli("sync", "join", url, "--token", token, "--data-dir", str(folder), "--json")

    assert code == 0, err
    assert json.loads(out)["terminal"] == f"S1-{counter_code}"
    assert sorted(p.name for p in folder.iterdir() if p.name != "logs") == ["facet.db"]
    facet = app.open_facet(folder)
    try:
        assert one(facet, "SELECT device_id FROM sync_state") == mark["device_id"] == central(
            central_database, "SELECT device_id FROM facet.counters WHERE role_name = %s", mark["role"])
        assert one(facet, "SELECT count(*) FROM sales") == sales
        sale = sell(facet, available(facet)[0])
        assert sync_now(facet).pushed >= 1
        assert central(central_database, "SELECT data->>'terminal' FROM facet.records WHERE table_name = 'sales' "
                       "AND row_id = %s", sale.sale_id) == f"S1-{counter_code}"
    finally:
        facet.close()
    # The counter finished joining: its token is refused on this folder and on any other.
    code, _, err = run_cli("sync", "join", url, "--token", token, "--data-dir", str(folder))
    assert code == 2 and "already holds a store" in err
    elsewhere = tmp_path / "elsewhere"
    code, _, err = run_cli("sync", "join", url, "--token", token, "--data-dir", str(elsewhere))
    assert code == 2 and "already used" in err and not app.store_exists(elsewhere)
    assert keyring.get(sync_login_name(elsewhere)) is None and not (elsewhere / JOIN_MARK).exists()


JOINER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pos_app.sync_group import join_group

    def progress(done, total):
        if done > 0:
            print("loading", flush=True)
            time.sleep(120)  # killed here, half-way through the snapshot

    join_group(Path(sys.argv[1]), sys.argv[2], sys.argv[3], progress=progress)
    print("joined", flush=True)
""")


def test_a_join_killed_half_way_leaves_a_file_no_one_opens_as_a_store_and_runs_again_to_the_end(
        demo_dir: Path, central_database: Any, tmp_path: Path) -> None:
    with first_counter(demo_dir, central_database) as counter:
        store_id = one(counter, "SELECT id FROM stores")
        items = one(counter, "SELECT count(*) FROM items")
    _, _, token = add_counter(central_database.url, store_id, None)
    url = counter_url(central_database.url)
    folder = tmp_path / "killed"
    child = subprocess.Popen([sys.executable, "-c", JOINER, str(folder), url, token], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "loading", child.stderr.read() if child.stderr else ""
    finally:
        child.kill()
        child.wait(30)

    assert_half_made_join_left_no_store(folder)
    assert (folder / JOINING_DIR / "facet.db").exists()  # killed: nothing was cleaned up, and it is no store
    with pytest.raises(StoreProblem, match="No Facet store"):
        app.open_facet(folder)

    join_group(folder, url, token)

    assert not (folder / JOINING_DIR).exists() and not (folder / JOIN_MARK).exists()
    facet = app.open_facet(folder)
    try:
        assert one(facet, "SELECT count(*) FROM items") == items
        assert off_ledger(facet) == []
    finally:
        facet.close()


def test_a_join_refused_before_enrolling_keeps_nothing_and_one_enrolled_without_its_store_s_owner_takes_it_later(
        demo_dir: Path, central_database: Any, tmp_path: Path) -> None:
    from tests.conftest import FAST_HASHER

    with first_counter(demo_dir, central_database):
        pass
    _, _, token = add_counter(central_database.url, None, "Uptown")
    url = counter_url(central_database.url)
    folder = tmp_path / "uptown"
    keyring = KeyringSecrets()

    with pytest.raises(ValidationError, match="has no data at central yet"):
        join_group(folder, url, token)  # a new store's first counter, without its profile and owner

    assert not app.store_exists(folder) and keyring.get(sync_login_name(folder)) is not None

    def set_up(facet: app.Facet, answer: dict[str, Any]) -> None:
        from pos_app.services.ports.settings import StoreProfile
        from pos_app.services.setup import OwnerAccount, set_up_store

        profile = StoreProfile(name=answer["store_name"], address="", phone="", email="", timezone="America/Chicago",
                               currency="USD", locale="en_US", tax_rate="0", receipt_footer="", privacy_contact="")
        set_up_store(profile, OwnerAccount("Noor Haddad", "noor-owner-pass-1", "5151"), uow=facet.uow(),
                     hasher=FAST_HASHER)

    joined = join_group(folder, url, token, set_up=set_up)

    assert joined.terminal == "S2-C1"
    facet = app.open_facet(folder)
    try:
        assert facet.profile is not None and facet.profile.name == "Uptown"
        assert facet.db.audit_anchor.path.exists()
    finally:
        facet.close()
