"""Sync groups built once a session and copied for each test: the same group, a fraction of the time.

Setting a group up is most of a sync test's time: `central_init` seeds central from the whole demo store and
pulls it back, and every `join_group` snapshots all of central into a new encrypted file. Tests that only need
the group to exist (not to watch it being made) get a copy instead:

- `group_templates` (session) builds each kind of group the first time a test asks for it, with the real
  `central_init`/`add_counter`/`join_group` on a database of its own, closes every counter, and freezes it:
  the database is marked a template that nobody may connect to, and each counter's folder, database key and
  central login are kept aside.
- `FrozenGroup.copy_into(database, folders)` is a test's copy: its own central database made from the
  template (`CREATE DATABASE ... TEMPLATE`, a file copy), and each counter's encrypted store copied into a
  folder of the test's with the same key and login in the test keyring, pointed at the test's database.

What a copy shares with the template and its other copies: the PostgreSQL roles. Roles are cluster-wide and
the central schema names them after the database that made it (`<db>_owner`, `<db>_counter`, one login per
counter), so every copy of a template is served by the template's roles; a copy's counters find themselves
in their own database's `facet.counters`, so they never see another copy's data. Roles a test creates (a
counter it adds) are its own and dropped after it, as `central_database` does; the templates' roles are
listed in `PostgresServer.kept_roles`, which no test's teardown drops, and go with the templates at the end
of the session.

Devices keep their device ids: two copies of one template hold the same devices, each in a database of its
own, which is what a restored central and its counters look like, and never meet.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.postgres_server import PostgresDatabase, PostgresServer

# Builds a group on an empty database and returns each counter's data folder by name, every counter closed.
Builder = Callable[[PostgresDatabase, Path], Mapping[str, Path]]


@dataclass(frozen=True)
class FrozenCounter:
    folder: Path
    key: str
    login: str | None


@dataclass(frozen=True)
class FrozenGroup:
    """A group's central database (a template nobody connects to) and its counters' closed store folders."""

    server: PostgresServer
    database: str
    counters: Mapping[str, FrozenCounter]

    def copy_into(self, database: str, folders: Mapping[str, Path]) -> PostgresDatabase:
        """A new central database `database` made from this one, and each counter named in `folders` copied
        into its folder (store file, audit anchor, key and login in the keyring, central's URL its own)."""
        self.server.create_database(database, template=self.database)
        copy = PostgresDatabase(self.server, database)
        for name, dest in folders.items():
            copy_counter(self.counters[name], dest, copy)
        return copy


def copy_counter(counter: FrozenCounter, dest: Path, central: PostgresDatabase) -> None:
    """The counter's closed store copied into `dest`, as a counter of `central`'s group."""
    from pos_app import app
    from pos_app.adapters.secrets import KeyringSecrets, database_key_name, sync_login_name
    from pos_app.persistence.database import copy_store
    from tests.integration.sync_helpers import counter_url

    copy_store(counter.folder, dest)
    keyring = KeyringSecrets()
    keyring.set(database_key_name(dest), counter.key)
    if counter.login is not None:
        keyring.set(sync_login_name(dest), counter.login)
    facet = app.open_facet(dest)
    try:
        facet.sync().local.record(central=counter_url(central.url))
    finally:
        facet.close()


class GroupTemplates:
    """The session's frozen groups, each built the first time it is asked for."""

    def __init__(self, server: PostgresServer, root: Path) -> None:
        self._server, self._root = server, root
        self._built: dict[str, FrozenGroup] = {}
        self._roles: dict[str, set[str]] = {}

    def get(self, kind: str, build: Builder, *, based_on: FrozenGroup | None = None) -> FrozenGroup:
        """The frozen group `kind` (letters, digits, underscores), built by `build` the first time.

        With `based_on`, the build starts from a copy of that group (its database, and its counters in
        `root / <counter>`) and `build` returns the counters it adds; the new group holds them all."""
        if kind in self._built:
            return self._built[kind]
        if not re.fullmatch(r"[a-z0-9_]{1,40}", kind):
            raise ValueError(f"a group template's kind is a short lower-case name, not {kind!r}")
        from pos_app import app
        from pos_app.adapters.secrets import database_key_name, sync_login_name

        server = self._server
        server.start()
        name = f"template_{kind}"
        before = server.roles()
        root = self._root / kind
        try:
            if based_on is None:
                server.create_database(name)
                folders = dict(build(PostgresDatabase(server, name), root))
            else:
                base = based_on.copy_into(name, {c: root / c for c in based_on.counters})
                folders = {**{c: root / c for c in based_on.counters}, **build(base, root)}
            self._freeze(name)
        finally:
            made = server.roles() - before
            server.kept_roles.update(made)
            self._roles[name] = made
        keyring = app.secrets()
        counters = {}
        for counter, folder in folders.items():
            key = keyring.get(database_key_name(folder))
            assert key is not None, f"{counter}: no database key in the keyring for {folder}"
            counters[counter] = FrozenCounter(folder, key, keyring.get(sync_login_name(folder)))
        self._built[kind] = FrozenGroup(server, name, counters)
        return self._built[kind]

    def _freeze(self, name: str) -> None:
        """Make the database a template: its sequences' WAL record refreshed, and no session allowed in.

        The sequences first. `nextval` WAL-logs a sequence 32 values ahead and hands out the next 31 from
        the page alone (its `log_cnt`) unless a checkpoint came since. A copy made with CREATE DATABASE's
        default WAL_LOG strategy carries that page, `log_cnt` and all, under a new, recent LSN: its next
        values would then be WAL-logged nowhere, and a copy's central killed (`kill()`) before a checkpoint
        would recover its sequence to where the template left it and hand out `changes.server_seq` values
        it already gave (a duplicate key). `setval` zeroes `log_cnt`, so a copy's first `nextval` logs."""
        from psycopg import sql

        with self._server.connect(name, autocommit=True) as conn:
            for sequence, last in conn.execute("SELECT format('%I.%I', schemaname, sequencename), last_value "
                                               "FROM pg_sequences WHERE last_value IS NOT NULL").fetchall():
                conn.execute("SELECT setval(%s::regclass, %s, true)", (sequence, last))
        with self._server.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true").format(
                sql.Identifier(name)))
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))

    def close(self) -> None:
        """Drop every template database, then the roles they made (a role that owns objects cannot go first)."""
        from psycopg import sql

        if not self._roles:
            return
        self._server.start()
        # Databases first: a group built on another's copy uses that group's roles too.
        for name in self._roles:
            with self._server.connect(autocommit=True) as conn:
                conn.execute(sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(sql.Identifier(name)))
            self._server.drop_database(name)
        for roles in self._roles.values():
            self._server.drop_roles(sorted(roles))
            self._server.kept_roles.difference_update(roles)
        self._roles.clear()
        self._built.clear()


@pytest.fixture(scope="session")
def group_templates(postgres_server: PostgresServer,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[GroupTemplates]:
    templates = GroupTemplates(postgres_server, tmp_path_factory.mktemp("group-templates"))
    try:
        yield templates
    finally:
        templates.close()


_COPY_NUMBERS = itertools.count(1)


@pytest.fixture
def group_copy(postgres_server: PostgresServer) -> Iterator[Callable[[FrozenGroup, Mapping[str, Path]],
                                                                       PostgresDatabase]]:
    """`group_copy(frozen, {counter: folder})`: the test's own copy of a frozen group (see `FrozenGroup`), its
    database dropped after the test with every role the test created, as `central_database` does."""
    made: list[str] = []
    postgres_server.start()
    roles_before = postgres_server.roles()

    def copy(frozen: FrozenGroup, folders: Mapping[str, Path]) -> PostgresDatabase:
        name = f"central_copy_{next(_COPY_NUMBERS)}"
        made.append(name)
        return frozen.copy_into(name, folders)

    yield copy
    postgres_server.start()
    for name in made:
        postgres_server.drop_database(name)
    postgres_server.drop_roles(sorted(postgres_server.roles() - roles_before - postgres_server.kept_roles))


# ---------------------------------------------------------------- the groups most sync tests start from


@dataclass(frozen=True)
class CopiedGroup:
    """A test's copy of a frozen group: its central database and its counters' data folders by name."""

    central: PostgresDatabase
    folders: Mapping[str, Path]


@pytest.fixture
def first_store_copy(group_templates: GroupTemplates, demo_template: tuple[Path, str],
                     group_copy: Callable[[FrozenGroup, Mapping[str, Path]], PostgresDatabase],
                     tmp_path: Path) -> CopiedGroup:
    """The demo store after `central init` made it the group's first store and counter (S1-C1) and seeded
    central from it: `folders["first"]` is `tmp_path / "demo-store"` (where `demo_dir` would be)."""
    from tests.integration.sync_helpers import first_store

    frozen = group_templates.get("first_store", first_store(demo_template))
    folders = {"first": tmp_path / "demo-store"}
    return CopiedGroup(group_copy(frozen, folders), folders)


@pytest.fixture
def two_counters_copy(group_templates: GroupTemplates, demo_template: tuple[Path, str],
                      group_copy: Callable[[FrozenGroup, Mapping[str, Path]], PostgresDatabase],
                      tmp_path: Path) -> CopiedGroup:
    """`first_store_copy`, and a second counter of the store joined from central (S1-C2) in
    `tmp_path / "second"` (`folders["second"]`)."""
    from tests.integration.sync_helpers import first_store, second_counter

    first = group_templates.get("first_store", first_store(demo_template))
    frozen = group_templates.get("two_counters", second_counter, based_on=first)
    folders = {"first": tmp_path / "demo-store", "second": tmp_path / "second"}
    return CopiedGroup(group_copy(frozen, folders), folders)
