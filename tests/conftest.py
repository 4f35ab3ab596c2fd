"""Shared fixtures: an isolated keyring, a demo store template, real encrypted stores.

Environment first, before Qt or keyring is imported anywhere: Qt renders
offscreen, and keyring uses a plaintext file keyring inside a temporary
XDG_DATA_HOME, so no test touches a developer's real keyring.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_SANDBOX = Path(tempfile.mkdtemp(prefix="facet-tests-"))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = str(_SANDBOX / "xdg-data")
os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(_SANDBOX / "escpos")
os.environ.pop("FACET_DATA_DIR", None)

import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from pos_app import app  # noqa: E402
from pos_app.adapters.hashing import Argon2Hasher  # noqa: E402
from pos_app.adapters.secrets import KeyringSecrets, database_key_name  # noqa: E402
from pos_app.domain.audit import AuditFilter, AuditRow  # noqa: E402
from pos_app.domain.permissions import Actor, Role  # noqa: E402
from pos_app.persistence.database import copy_store  # noqa: E402
from pos_app.services import demo  # noqa: E402
from pos_app.services.ports.inventory import ItemRow  # noqa: E402
from pos_app.services.ports.settings import StoreCounts  # noqa: E402
from pos_app.services.setup import OwnerAccount, parse_store_profile  # noqa: E402

# Everything logged during the session, Facet's own DEBUG records included, lands in one file too:
# tests/test_session_logs.py, run last, reads it (and every log file the session's stores wrote) for
# customers' personal data and for secrets.
SESSION_LOG = _SANDBOX / "session.log"


def _record_the_whole_session_log() -> None:
    handler = logging.FileHandler(SESSION_LOG, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger("pos_app").setLevel(logging.DEBUG)


_record_the_whole_session_log()

# Property tests judge what Facet does with an input, never how fast the machine makes one: on a busy
# 2-core machine, input generation's speed and an example's run time vary tenfold, so neither may fail a test
# (timing is benchmarks/' job).
settings.register_profile("facet", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("facet")


@contextlib.contextmanager
def _log_handlers_kept() -> Iterator[None]:
    """`cli.main` logs into the data folder it was given; drop the handlers (and the level) it set on the way out."""
    logger = logging.getLogger("pos_app")
    handlers, level = list(logger.handlers), logger.level
    yield
    for handler in logger.handlers[:]:
        if handler not in handlers:
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(level)


@pytest.fixture(autouse=True)
def _forget_log_handlers_a_test_added() -> Iterator[None]:
    with _log_handlers_kept():
        yield


@pytest.fixture(autouse=True, scope="module")
def _forget_log_handlers_a_module_added() -> Iterator[None]:
    """The same for a module's own fixtures (a store signed in once for the module): without it, the handler
    such a fixture's `cli.main` set stays, and every later command logs into that module's folder."""
    with _log_handlers_kept():
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The session's log scan runs after every other test, whatever order they were collected in."""
    last = [item for item in items if item.get_closest_marker("end_of_session")]
    items[:] = [item for item in items if item not in last] + last


def sandbox() -> Path:
    """The session's own folder: keyring file, demo template, session log."""
    return _SANDBOX


# Cheap argon2 parameters: real argon2id hashes, a millisecond each.
FAST_HASHER = Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1)

STORE_FORM = {
    "name": "Test Jewelers", "address": "1 Main Street\nSpringfield, IL 62701", "phone": "+12175550123",
    "email": "shop@test-jewelers.example", "timezone": "America/Chicago", "currency": "USD",
    "locale": "en_US", "tax_rate": "6.25", "receipt_footer": "Thank you", "privacy_contact": "privacy@example.com",
}
OWNER = OwnerAccount(name="Olive Owner", password="owner-pass-1", pin="9999")


@pytest.fixture(scope="session")
def fast_hasher() -> Argon2Hasher:
    return FAST_HASHER


@pytest.fixture(scope="session")
def demo_template() -> Iterator[tuple[Path, str]]:
    """The demo store, built once per test session; tests get copies of it."""
    folder = _SANDBOX / "demo-template"
    facet = app.create_demo_facet(folder, hasher=FAST_HASHER)
    key = facet.keyring.get(database_key_name(folder))
    facet.close()
    assert key is not None
    yield folder, key
    shutil.rmtree(folder, ignore_errors=True)


def clone_store(template: tuple[Path, str], dest: Path) -> Path:
    """Copy a closed store into `dest` and give its folder the same key in the keyring."""
    folder, key = template
    copy_store(folder, dest)
    KeyringSecrets().set(database_key_name(dest), key)
    return dest


@pytest.fixture
def demo_dir(demo_template: tuple[Path, str], tmp_path: Path) -> Path:
    """A data folder holding a fresh copy of the demo store (its key in the test keyring)."""
    return clone_store(demo_template, tmp_path / "demo-store")


@pytest.fixture
def demo_facet(demo_dir: Path) -> Iterator[app.Facet]:
    facet = app.open_facet(demo_dir)
    yield facet
    facet.close()


@pytest.fixture
def empty_facet(tmp_path: Path) -> Iterator[app.Facet]:
    """A new store with no items: Test Jewelers, owner Olive Owner."""
    facet = app.create_facet(tmp_path / "store", parse_store_profile(STORE_FORM), OWNER, hasher=FAST_HASHER)
    yield facet
    facet.close()


def audit_summaries(facet: app.Facet, action: str) -> list[dict[str, Any]]:
    """The summaries of the store's audit events of one action, oldest first."""
    return [json.loads(row.summary) for row in audit_events(facet, action)]


# ---------------------------------------------------------------- reading the store through its readers
# What tests most often read back, through the same readers the screens and the command line use
# (no SQL of the schema in a test): each opens its own connection, so it sees every commit so far.


def audit_events(facet: app.Facet, action: str | None = None) -> list[AuditRow]:
    """The audit trail's events, oldest first; with `action`, only that action's (exactly)."""
    with facet.open_store() as store:
        rows = list(store.audit.rows(AuditFilter(action=action)))
    return [row for row in rows if action is None or row.action == action]


def audit_actions(facet: app.Facet) -> list[str]:
    """Every audit event's action, oldest first."""
    return [row.action for row in audit_events(facet)]


def last_audit_event(facet: app.Facet) -> AuditRow:
    """The newest audit event (its `summary` is JSON text: `json.loads` it)."""
    with facet.open_store() as store:
        (row,) = store.audit.page(AuditFilter(), 0, 1)
    return row


def item_on_hand(facet: app.Facet, item_id: str) -> int:
    """An item's quantity on hand as the inventory list shows it."""
    with facet.open_store() as store:
        (row,) = store.inventory.rows_by_ids([item_id])
    return row.on_hand


def available_unique_piece(facet: app.Facet, skip: int = 0) -> ItemRow:
    """A unique piece in stock and available (the first by SKU, or the `skip`-th after it)."""
    from pos_app.services.ports.inventory import InventoryFilter

    with facet.open_store() as store:
        reader = store.inventory
        seqs = reader.item_seqs(InventoryFilter(statuses=("available",), in_stock_only=True))
        pieces = [r for r in reader.rows(seqs) if r.tracking == "unique"]
    return pieces[skip]


def store_counts(facet: app.Facet) -> StoreCounts:
    """How many items (and in stock), customers, sales and active staff the store holds."""
    with facet.open_store() as store:
        return store.directory.counts()


def actor_for(facet: app.Facet, role: Role) -> Actor:
    """A signed-in actor: the store's first active staff member with `role`."""
    staff = next(s for s in facet.store.directory.staff_list() if s.role is role)
    return Actor(staff_id=staff.id, name=staff.name, role=staff.role, terminal=facet.terminal)


@pytest.fixture
def owner(empty_facet: app.Facet) -> Actor:
    return actor_for(empty_facet, Role.OWNER)


# ---------------------------------------------------------------- the command line's sign-in

# What each person of the demo (README "Demo logins") and of `empty_facet` signs in with.
SIGN_IN_SECRETS = {demo.DEMO_OWNER.name: demo.DEMO_OWNER.password, OWNER.name: OWNER.password,
                   **{p.name: p.password or p.pin for p in demo.DEMO_STAFF}}
# The two-step key given to someone who must have one and has none yet (Olive Owner of `empty_facet`).
TEST_TWO_STEP_KEY = "FACETTESTSTOREOWNERTOTPSECRETKEY"


def two_step_key(name: str) -> str:
    return demo.DEMO_TWO_STEP[name][0] if name in demo.DEMO_TWO_STEP else TEST_TWO_STEP_KEY


def fresh_code(facet: app.Facet, staff_id: str, key: str) -> str:
    """A TOTP code for `key` that the store has not seen used yet (now, or the next 30 seconds' code,
    which a sign-in accepts for a phone's clock drift)."""
    import pyotp

    from pos_app.services.two_step import STEP_SECONDS, time_step

    with facet.uow() as uow:
        _, last = uow.staff.totp(staff_id)
    now = time_step(dt.datetime.now(dt.UTC))
    step = now if last is None or last < now else last + 1
    if step > now + 1:
        time.sleep(STEP_SECONDS - time.time() % STEP_SECONDS + 0.05)  # both codes used: wait for the next one
        return fresh_code(facet, staff_id, key)
    return str(pyotp.TOTP(key).at(step * STEP_SECONDS))


def cli_login(data_dir: Path, name: str = demo.DEMO_OWNER.name, *, secret: str | None = None) -> None:
    """Open a real command-line session for `name`, as `pos-app login` does: a real sign-in (PIN
    or password, and a two-step code for those who have one) whose token goes to the test keyring.
    Someone whose role requires two-step sign-in and who has none yet is enrolled first."""
    import pyotp

    from pos_app import cli
    from pos_app.domain.permissions import TWO_STEP_SETTING, two_step_required, two_step_roles
    from pos_app.services import two_step

    facet = app.open_facet(data_dir)
    try:
        person = next(s for s in facet.store.directory.staff_list() if s.name == name)
        code = ""
        required = two_step_required(person.role, two_step_roles(facet.store.directory.setting(TWO_STEP_SETTING, None)))
        if person.two_step_enrolled or required:
            key = two_step_key(name)
            if not person.two_step_enrolled:
                himself = Actor(staff_id=person.id, name=person.name, role=person.role, terminal=facet.terminal)
                two_step.confirm_enrolment(two_step.Enrolment(key, ""), pyotp.TOTP(key).now(), uow=facet.uow(),
                                           actor=himself, hasher=FAST_HASHER)
            code = fresh_code(facet, person.id, key)
    finally:
        facet.close()
    os.environ["FACET_TEST_SECRET"] = secret or SIGN_IN_SECRETS[name]
    os.environ["FACET_TEST_CODE"] = code
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            done = cli.main(["login", "--as", name, "--secret-env", "FACET_TEST_SECRET", "--code-env",
                             "FACET_TEST_CODE", "--data-dir", str(data_dir)])
    finally:
        del os.environ["FACET_TEST_SECRET"], os.environ["FACET_TEST_CODE"]
    assert done == 0, f"pos-app login as {name} failed: {err.getvalue()}"


def store_digest(data_dir: Path) -> str:
    """A digest of every row of every table but the command-line sessions (whose last use each
    command moves on): what a refused command must leave as it was."""
    import hashlib

    facet = app.open_facet(data_dir)
    conn = facet.connection()
    try:
        digest = hashlib.sha256()
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            if table != "cli_sessions":
                rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{table}"'))  # noqa: S608
                digest.update(repr((table, rows)).encode())
        return digest.hexdigest()
    finally:
        conn.close()
        facet.close()


@pytest.fixture
def cli_owner(demo_dir: Path) -> Path:
    """The demo store with its owner, Jane Ellen, signed in on the command line (`pos-app login`)."""
    cli_login(demo_dir)
    return demo_dir


from tests.postgres_server import central_database, postgres_server  # noqa: E402,F401
from tests.printer_listener import printer_listener  # noqa: E402,F401
from tests.stripe_server import stripe_server, stripe_server_session  # noqa: E402,F401
from tests.sync_groups import (  # noqa: E402,F401
    first_store_copy,
    group_copy,
    group_templates,
    two_counters_copy,
)
