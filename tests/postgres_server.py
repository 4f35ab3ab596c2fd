"""A real PostgreSQL server for the tests, started by the test suite itself (issue 16's central store).

`PostgresServer` runs Debian's own server binaries (package `postgresql`, 15 or newer; they live in
`/usr/lib/postgresql/<version>/bin`, not on PATH) on a throwaway cluster:

- `initdb --no-sync -A scram-sha-256` into a temporary folder, locale C, UTF8, superuser `postgres`
  with a random password. pg_hba.conf is written here, not left to initdb: scram-sha-256 on the Unix
  socket and on `host` lines for 127.0.0.1 and ::1, nothing else, so a wrong password is refused for
  real (there is no `trust` line anywhere).
- TLS with a throwaway CA made with `cryptography`: the server certificate names `localhost`,
  127.0.0.1 and ::1 and is signed by `ca_file`; clients connect with
  `sslmode=verify-full sslrootcert=<ca_file>` as a counter must outside the tests. `wrong_ca_file`
  is another CA with the same name that did not sign it: a client trusting it must be refused.
- Listens on 127.0.0.1 on a free port and on a Unix socket in its own folder, with fsync and
  full_page_writes off (a test cluster need not survive a power cut of the machine) and
  max_connections 120 (the benchmark's 50 devices and the tests' admin connections).
  synchronous_commit stays on, on purpose: with fsync off it costs nothing measurable here (2,000
  one-row commits: 0.29 s either way), and with it off a commit central has acknowledged could be
  lost by `kill()` (the WAL writer had not yet written it), which would make "central crashed in the
  middle of a batch, nothing lost" fail for a reason that is the test server's, not Facet's. Every
  acknowledged commit survives `kill()` and `restart()`.

The settings go into the cluster's postgresql.conf, so `restart()` and `start()` after `kill()` come
back with the same port, certificates and data.

Why root is handled: CI and the development machine run as root, and initdb/postgres refuse to run
as root. As root, every server command runs through `runuser -u postgres --` on a folder chowned to
`postgres` (Debian's package creates that user); as anyone else they run directly.

Never left running: `stop()` (the fixtures' teardown), an `atexit` hook, and a watchdog process that
stops the server and removes its folder if this Python process dies without either (SIGKILL, a crash):
it waits for end-of-file on a pipe only this process holds.

The temporary folder is in the system's temp directory (`facet-pg-*`), outside the session sandbox
and pytest's basetemp: the server's own log (`postgresql.log` there) is PostgreSQL's, which may quote
a refused row's key values in an error's DETAIL, and is not one of Facet's logs the session's log scan
reads. A start that fails raises with the tail of that log.

Fixtures: `postgres_server` (session) and `central_database` (a fresh empty database per test,
dropped after it with every role the test created).
"""

from __future__ import annotations

import atexit
import datetime as dt
import ipaddress
import itertools
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import pytest

if TYPE_CHECKING:  # psycopg is imported when first used: ~0.2 s a session that never starts the server spares
    import psycopg

MIN_VERSION = 15
DEBIAN_ROOT = Path("/usr/lib/postgresql")
INSTALL_HINT = ("PostgreSQL 15 or newer is needed by the sync tests: install Debian's `postgresql` package "
                "(apt-get install postgresql; .ci/run does)")
SUPERUSER = "postgres"
MAX_CONNECTIONS = 120
START_TIMEOUT = 30  # seconds pg_ctl waits for the server to accept connections
OS_USER = "postgres"  # who runs the server when this process is root


class PostgresMissing(RuntimeError):
    """No PostgreSQL 15+ server binaries on this machine; the message says what to install."""


def find_bindir() -> Path:
    """The `bin` folder of the newest installed PostgreSQL server, 15 or newer.

    Looks in Debian's /usr/lib/postgresql/<version>/bin first, then next to an `initdb` or `pg_config`
    on PATH (other systems). Raises PostgresMissing naming the package to install.
    """
    candidates: list[Path] = [path.parent for path in DEBIAN_ROOT.glob("*/bin/initdb")]
    if (on_path := shutil.which("initdb")) is not None:
        candidates.append(Path(on_path).resolve().parent)
    if (pg_config := shutil.which("pg_config")) is not None:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()))
    found: list[tuple[int, Path]] = []
    for bindir in dict.fromkeys(candidates):
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            version = _major_version(bindir)
            if version is not None and version >= MIN_VERSION:
                found.append((version, bindir))
    if not found:
        seen = ", ".join(f"{b}" for b in dict.fromkeys(candidates)) or "none"
        raise PostgresMissing(f"{INSTALL_HINT}. Server binaries found: {seen}.")
    return max(found)[1]


def _major_version(bindir: Path) -> int | None:
    done = subprocess.run([str(bindir / "initdb"), "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", done.stdout)
    return int(match.group(1)) if match else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# ---------------------------------------------------------------- TLS


def _write_tls_files(folder: Path) -> tuple[Path, Path, Path, Path]:
    """A CA, a server certificate and key signed by it, and a second CA that signed nothing here.

    Returns (ca_file, wrong_ca_file, server_cert, server_key), all PEM. EC P-256 keys: generated in
    about a millisecond each. Valid from an hour ago (a clock a little behind) for 30 days.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Facet tests"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "Facet test central CA")])

    def usage(*, cert_sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
                             crl_sign=cert_sign, encipher_only=False, decipher_only=False)

    def make_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(usage(cert_sign=True), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        return key, cert

    ca_key, ca_cert = make_ca()
    _wrong_key, wrong_cert = make_ca()  # same name, other key: only a signature check can tell them apart
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name).public_key(server_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256()))

    pem = serialization.Encoding.PEM
    files = folder / "ca.pem", folder / "wrong-ca.pem", folder / "server.crt", folder / "server.key"
    files[0].write_bytes(ca_cert.public_bytes(pem))
    files[1].write_bytes(wrong_cert.public_bytes(pem))
    files[2].write_bytes(server_cert.public_bytes(pem))
    files[3].write_bytes(server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    files[3].chmod(0o600)  # PostgreSQL refuses a key file others can read
    return files


# ---------------------------------------------------------------- the server

_RUNNING: set[PostgresServer] = set()


@atexit.register
def _stop_every_server() -> None:
    """The backstop: a server a test forgot to stop does not outlive the test session."""
    for server in list(_RUNNING):
        server.stop()


class PostgresServer:
    """One throwaway PostgreSQL cluster on 127.0.0.1, TLS on (see the module's docstring).

    Nothing happens until `start()` (or `with PostgresServer() as server:`): the first start runs
    initdb and writes the certificates (~1 s together), later ones only start the server. `stop()` shuts
    it down (fast mode) and removes its folder for good; `restart()` and `kill()` keep the folder.
    """

    def __init__(self, *, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            if shutil.which("runuser") is None:
                raise PostgresMissing("running as root needs `runuser` (Debian's util-linux) to start PostgreSQL "
                                      f"as the `{OS_USER}` user")
            try:
                pwd.getpwnam(OS_USER)
            except KeyError:
                raise PostgresMissing(f"{INSTALL_HINT}: as root the server runs as the `{OS_USER}` user, "
                                      "which that package creates, and there is none") from None
        self.host = "127.0.0.1"
        self.port = 0
        self.password = secrets.token_urlsafe(24)
        self.folder: Path | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._owner_pid = os.getpid()  # a forked child that exits must not stop its parent's server
        self._running = False
        # Roles that outlive a test: those of the session's frozen groups (tests/sync_groups.py), which a
        # test's teardown must not drop even when the group was first built during that test.
        self.kept_roles: set[str] = set()

    # ------------------------------------------------------------ where things are

    def _path(self, name: str) -> Path:
        if self.folder is None:
            raise RuntimeError("the PostgreSQL server was not started (or was stopped for good)")
        return self.folder / name

    @property
    def data_dir(self) -> Path:
        return self._path("data")

    @property
    def socket_dir(self) -> Path:
        return self._path("socket")

    @property
    def log_file(self) -> Path:
        """PostgreSQL's own log (startup, shutdown, errors)."""
        return self._path("postgresql.log")

    @property
    def ca_file(self) -> Path:
        """The CA that signed the server's certificate: `sslrootcert` for `sslmode=verify-full`."""
        return self._path("ca.pem")

    @property
    def wrong_ca_file(self) -> Path:
        """A CA with the same name that did not sign the server's certificate: trusting it must fail."""
        return self._path("wrong-ca.pem")

    @property
    def running(self) -> bool:
        return self._running

    # ------------------------------------------------------------ addresses

    def url(self, database: str = "postgres", *, user: str = SUPERUSER, password: str | None = None,
            sslrootcert: Path | None = None, **params: str) -> str:
        """A `postgresql://` URL for `database` on this server, as a counter would be given one.

        `user` defaults to the superuser, whose password is filled in; another user's `password` must be
        given (None leaves it out of the URL). TLS is `sslmode=verify-full` against `ca_file` unless
        `sslrootcert` (e.g. `wrong_ca_file`) or `sslmode` in `params` says otherwise; other `params`
        (`connect_timeout`, `application_name`, ...) are added to the query string.
        """
        if password is None and user == SUPERUSER:
            password = self.password
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password is not None else "")
        query = {"sslmode": "verify-full", "sslrootcert": str(sslrootcert or self.ca_file), **params}
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(database, safe='')}?{urlencode(query)}"

    @property
    def admin_url(self) -> str:
        """The superuser's URL for the `postgres` database (password included, verify-full TLS)."""
        return self.url()

    def connect(self, database: str = "postgres", *, autocommit: bool = False, user: str = SUPERUSER,
                password: str | None = None, **params: Any) -> psycopg.Connection[Any]:
        """A psycopg connection to `database` (the superuser's unless `user`/`password` are given)."""
        import psycopg

        return psycopg.connect(self.url(database, user=user, password=password), autocommit=autocommit,
                               **params)

    # ------------------------------------------------------------ databases and roles

    def create_database(self, name: str, template: str | None = None) -> None:
        """CREATE DATABASE `name` from `template` (default template0: empty, UTF8, locale C)."""
        from psycopg import sql

        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template or "template0")))

    def drop_database(self, name: str) -> None:
        """DROP DATABASE `name` if it exists, ending every other session connected to it first
        (`WITH (FORCE)` terminates those backends, as pg_terminate_backend would, before dropping)."""
        from psycopg import sql

        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def databases(self) -> list[str]:
        """The names of the databases, templates left out."""
        with self.connect(autocommit=True) as conn:
            return [row[0] for row in conn.execute(
                "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname")]

    def roles(self) -> set[str]:
        """Every role but PostgreSQL's own (`pg_*`): roles are cluster-wide, not per database."""
        with self.connect(autocommit=True) as conn:
            return {row[0] for row in conn.execute("SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_'")}

    def drop_roles(self, names: Sequence[str]) -> None:
        """DROP ROLE each of `names` (their databases dropped first: a role that still owns something,
        or holds a privilege, anywhere in the cluster cannot be dropped, and PostgreSQL says where)."""
        from psycopg import sql

        with self.connect(autocommit=True) as conn:
            for name in names:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))

    # ------------------------------------------------------------ life cycle

    def start(self) -> PostgresServer:
        """Start the server (the first time: initdb, certificates, configuration, a free port) and
        wait until it accepts connections. After `kill()` this is crash recovery from the WAL."""
        if self._running:
            return self
        first = self.folder is None
        if first:
            self._create_cluster()
        for attempt in itertools.count(1):
            try:
                self._pg_ctl("start", "-w", "-t", str(START_TIMEOUT), "-l", str(self.log_file))
                break
            except RuntimeError as failed:
                # Another process (another test run's server) took the free port between the probe and the
                # bind: the first start may move to another one; a restart must keep its port, so it fails.
                if not (first and attempt < 3 and "Address already in use" in str(failed)):
                    raise
                self.port = free_port()
                with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
                    conf.write(f"port = {self.port}  # the first was taken\n")
        self._running = True
        _RUNNING.add(self)
        if self._watchdog is None:
            self._watchdog = self._start_watchdog()
        return self

    def restart(self, *, mode: str = "fast") -> None:
        """Stop (`mode` "fast": sessions are ended and transactions rolled back; "immediate": as if the
        power went) and start again on the same port with the same data. Clients must reconnect."""
        self._shutdown(mode)
        self.start()

    def kill(self) -> None:
        """Stop at once (`pg_ctl stop -m immediate`: no checkpoint; the next `start()` recovers from
        the WAL). The folder stays."""
        self._shutdown("immediate")

    def stop(self) -> None:
        """Fast shutdown (immediate if that fails) and remove the folder: this server is gone for good.
        Safe to call twice; does nothing in a forked child of the process that started the server."""
        if self.folder is None or os.getpid() != self._owner_pid:
            return
        try:
            try:
                self._shutdown("fast")
            except RuntimeError:
                self._shutdown("immediate")
        finally:
            if self._watchdog is not None:
                self._watchdog.kill()  # it would stop an already stopped server and remove the folder: no need
                self._watchdog.wait()
                self._watchdog = None
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
            self._running = False
            _RUNNING.discard(self)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def _shutdown(self, mode: str) -> None:
        if not self._running:
            return
        self._pg_ctl("stop", "-w", "-m", mode)
        self._running = False
        _RUNNING.discard(self)

    # ------------------------------------------------------------ running the binaries

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bindir / program), *args]
        return ["runuser", "-u", OS_USER, "--", *command] if self.as_root else command

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(self._command(program, *args), capture_output=True, text=True, check=False,
                              stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            log = ""
            if self.folder is not None and self.log_file.exists():
                log = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"{program} {' '.join(args[:2])} failed ({done.returncode}):\n"
                               f"{done.stdout}{done.stderr}\n{log}".rstrip())

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), *args)

    def _create_cluster(self) -> None:
        parent = Path(tempfile.gettempdir())
        if self.as_root and not all(p.stat().st_mode & 0o001 for p in [parent, *parent.parents]):
            parent = Path("/tmp")  # TMPDIR is a folder the postgres user cannot reach
        folder = Path(tempfile.mkdtemp(prefix="facet-pg-", dir=parent))
        try:
            self.folder = folder
            _write_tls_files(folder)
            self.socket_dir.mkdir()
            password_file = folder / "superuser-password"
            password_file.write_text(self.password)
            password_file.chmod(0o600)
            if self.as_root:
                for path in [folder, *folder.rglob("*")]:
                    shutil.chown(path, OS_USER, OS_USER)
            self._run("initdb", "-D", str(self.data_dir), "--no-sync", "--no-instructions", "-A", "scram-sha-256",
                      "-U", SUPERUSER, f"--pwfile={password_file}", "--locale=C", "-E", "UTF8")
            password_file.unlink()
            self.port = free_port()
            self._configure()
        except BaseException:
            self.folder = None
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def _configure(self) -> None:
        def literal(value: object) -> str:
            return "'" + str(value).replace("'", "''") + "'"

        settings = {
            "listen_addresses": literal(self.host), "port": self.port,
            "unix_socket_directories": literal(self.socket_dir), "max_connections": MAX_CONNECTIONS,
            "fsync": "off", "full_page_writes": "off",  # synchronous_commit stays on: see the docstring
            "ssl": "on", "ssl_cert_file": literal(self._path("server.crt")),
            "ssl_key_file": literal(self._path("server.key")), "password_encryption": "'scram-sha-256'",
            "log_line_prefix": literal("%m [%p] %q%u@%d "), "timezone": "'UTC'",
        }
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# Facet's test server (tests/postgres_server.py)\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        # Every way in asks for the password: no trust, no peer.
        (self.data_dir / "pg_hba.conf").write_text(
            "# TYPE  DATABASE  USER  ADDRESS       METHOD\n"
            "local   all       all                 scram-sha-256\n"
            "host    all       all   127.0.0.1/32  scram-sha-256\n"
            "host    all       all   ::1/128       scram-sha-256\n", encoding="utf-8")

    def _start_watchdog(self) -> subprocess.Popen[bytes]:
        """A shell that waits for end-of-file on a pipe from this process, then stops the server
        immediately and removes its folder: it happens when this process dies without stopping it."""
        stop = shlex.join(self._command("pg_ctl", "-D", str(self.data_dir), "stop", "-w", "-m", "immediate"))
        script = f"cat >/dev/null; {stop} >/dev/null 2>&1; rm -rf {shlex.quote(str(self.folder))}"
        # Its own session: a Ctrl-C to the test run's process group must not end it before it has done its job.
        return subprocess.Popen(["sh", "-c", script], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)


# ---------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class PostgresDatabase:
    """One test's own database on the session's server."""

    server: PostgresServer
    name: str

    @property
    def url(self) -> str:
        """The superuser's URL for this database (verify-full TLS)."""
        return self.server.url(self.name)

    def url_as(self, user: str, password: str | None, *, sslrootcert: Path | None = None, **params: str) -> str:
        """This database's URL for another role (`central init` makes counters' roles)."""
        return self.server.url(self.name, user=user, password=password, sslrootcert=sslrootcert, **params)

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection[Any]:
        """A superuser connection to this database."""
        return self.server.connect(self.name, autocommit=autocommit)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL, started once (~1 s). No PostgreSQL installed fails the test naming
    the package to install: sync tests never skip."""
    try:
        server = PostgresServer()
    except PostgresMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    with server:
        yield server


_DATABASE_NUMBERS = itertools.count(1)


@pytest.fixture
def central_database(postgres_server: PostgresServer) -> Iterator[PostgresDatabase]:
    """A fresh, empty database for one test (`central_<n>`, from template0), dropped after it with
    every role the test created: roles are cluster-wide and would otherwise collide with the next
    test's. If the test left the server stopped (`kill()`), it is started again first."""
    name = f"central_{next(_DATABASE_NUMBERS)}"
    postgres_server.start()
    roles_before = postgres_server.roles()
    postgres_server.create_database(name)
    yield PostgresDatabase(postgres_server, name)
    postgres_server.start()
    postgres_server.drop_database(name)
    postgres_server.drop_roles(sorted(postgres_server.roles() - roles_before - postgres_server.kept_roles))
