"""The sync tests' PostgreSQL (tests/postgres_server.py) is a real server a counter would meet: TLS
verified against its CA, passwords checked, a database of its own per test, restarts that keep the data,
LISTEN/NOTIFY, and room for a chain's worth of clients."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from tests import postgres_server as module
from tests.postgres_server import PostgresDatabase, PostgresMissing, PostgresServer, find_bindir


def test_a_client_trusting_the_servers_ca_gets_a_verified_tls_connection(postgres_server: PostgresServer) -> None:
    assert "sslmode=verify-full" in postgres_server.admin_url
    with psycopg.connect(postgres_server.admin_url) as conn:
        assert conn.execute("SHOW ssl").fetchone() == ("on",)
        assert conn.info.host == "127.0.0.1" and conn.info.port == postgres_server.port
        assert conn.pgconn.ssl_in_use
        in_use, version = conn.execute(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() or (None, None)
        assert in_use is True and version.startswith("TLS")
    by_name = postgres_server.url().replace("@127.0.0.1:", "@localhost:")  # the certificate names both
    with psycopg.connect(by_name) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_certificate_the_client_does_not_trust_is_refused(postgres_server: PostgresServer) -> None:
    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        psycopg.connect(postgres_server.url(sslrootcert=postgres_server.wrong_ca_file), connect_timeout=5)


def test_a_wrong_password_is_refused_even_on_the_loopback(central_database: PostgresDatabase) -> None:
    server = central_database.server
    with pytest.raises(psycopg.OperationalError, match='password authentication failed for user "postgres"'):
        psycopg.connect(server.url(password="not-the-password"), connect_timeout=5)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(server.url(password="guess", sslmode="disable"), connect_timeout=5)  # no TLS: still asked
    with central_database.connect(autocommit=True) as conn:
        conn.execute("CREATE ROLE counter_one LOGIN PASSWORD 'counter-secret'")
    with psycopg.connect(central_database.url_as("counter_one", "counter-secret")) as conn:
        assert conn.execute("SELECT current_user, current_database()").fetchone() == (
            "counter_one", central_database.name)
    with pytest.raises(psycopg.OperationalError, match='password authentication failed for user "counter_one"'):
        psycopg.connect(central_database.url_as("counter_one", "counter-secreT"), connect_timeout=5)


@pytest.mark.parametrize("run", ["first", "second"])
def test_each_test_gets_a_fresh_empty_database_and_no_roles_of_the_last(central_database: PostgresDatabase,
                                                                         run: str) -> None:
    assert central_database.name in central_database.server.databases()
    assert "facet_counter" not in central_database.server.roles()  # roles are cluster-wide: the fixture drops them
    with central_database.connect() as conn:
        tables = conn.execute("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')").fetchall()
        assert tables == []  # the other run's table is not here
        assert conn.execute("SHOW server_encoding").fetchone() == ("UTF8",)
        assert conn.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()"
                            ).fetchone() == ("C",)
        conn.execute("CREATE TABLE sales (sale_no text PRIMARY KEY)")
        conn.execute("INSERT INTO sales VALUES (%s)", (f"S1-C1-{run}",))
        conn.execute("CREATE ROLE facet_counter LOGIN PASSWORD 'x'")
        conn.execute("GRANT SELECT ON sales TO facet_counter")  # a privilege in the test's database only


def test_dropping_a_database_ends_the_sessions_still_on_it(postgres_server: PostgresServer) -> None:
    postgres_server.create_database("to_drop")
    still_open = postgres_server.connect("to_drop")
    postgres_server.drop_database("to_drop")
    assert "to_drop" not in postgres_server.databases()
    with pytest.raises(psycopg.OperationalError):
        still_open.execute("SELECT 1")
    still_open.close()


def test_a_restart_keeps_the_data_and_the_port(central_database: PostgresDatabase) -> None:
    server = central_database.server
    port, url = server.port, central_database.url
    with central_database.connect() as conn:
        conn.execute("CREATE TABLE applied (device_seq int PRIMARY KEY)")
        conn.execute("INSERT INTO applied SELECT generate_series(1, 100)")
    waiting = psycopg.connect(url)
    server.restart()
    assert server.port == port and server.running
    with pytest.raises(psycopg.OperationalError):  # a client from before the restart must reconnect
        waiting.execute("SELECT 1")
    waiting.close()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM applied").fetchone() == (100,)


def test_a_killed_server_loses_no_acknowledged_commit(central_database: PostgresDatabase) -> None:
    server = central_database.server
    with central_database.connect() as conn:
        conn.execute("CREATE TABLE applied (device_seq int PRIMARY KEY)")
    with central_database.connect() as conn:  # the commit's acknowledgement is the last thing before the kill
        conn.execute("INSERT INTO applied VALUES (1)")
    server.kill()
    assert not server.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(central_database.url, connect_timeout=2)
    server.start()  # crash recovery from the WAL
    with central_database.connect() as conn:
        assert conn.execute("SELECT device_seq FROM applied").fetchall() == [(1,)]


def test_a_notify_on_one_connection_wakes_a_listener_on_another(central_database: PostgresDatabase) -> None:
    with central_database.connect(autocommit=True) as listener, central_database.connect() as writer:
        listener.execute("LISTEN sync_changes")
        writer.execute("SELECT pg_notify('sync_changes', '42')")
        assert list(listener.notifies(timeout=0.3, stop_after=1)) == []  # sent only when the writer commits
        started = time.monotonic()
        writer.commit()
        (note,) = listener.notifies(timeout=5, stop_after=1)
        assert (note.channel, note.payload) == ("sync_changes", "42")
        assert note.pid == writer.info.backend_pid
        assert time.monotonic() - started < 2


def test_sixty_clients_can_be_connected_at_once(postgres_server: PostgresServer) -> None:
    clients = []
    try:
        for _ in range(60):
            clients.append(postgres_server.connect(autocommit=True))
        (count,) = clients[0].execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                                      ).fetchone() or (0,)
        assert count >= 60
    finally:
        for client in clients:
            client.close()


def test_no_postgresql_installed_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    monkeypatch.setattr(module, "DEBIAN_ROOT", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PostgresMissing, match=r"install Debian's `postgresql` package"):
        find_bindir()


def test_the_server_runs_postgresql_15_or_newer(postgres_server: PostgresServer) -> None:
    with postgres_server.connect() as conn:
        (version,) = conn.execute("SHOW server_version_num").fetchone() or ("0",)
    assert int(version) >= 150000


def test_a_stopped_server_is_gone_with_its_folder() -> None:
    with PostgresServer() as server:
        folder, url = server.folder, server.admin_url
        assert folder is not None and (folder / "data" / "PG_VERSION").exists()
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    assert not folder.exists() and not server.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
    server.stop()  # twice is harmless
