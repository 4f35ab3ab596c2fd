"""Logs hold no personal data and no secrets: the whole test session's log output, read at its end.

The suite signs in, sells, erases, exports, backs up, rekeys and fails in every way it knows; every
record any logger passed on (Facet's at DEBUG) went to the session log, and every store the session
made wrote its own `logs/facet.log`. None of it may hold a demo customer's email or phone number, a
database key (current, staged or retired), a Stripe key, or a staff password, two-step key or
recovery code.
"""

from __future__ import annotations

import configparser
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from pos_app.adapters.secrets import SERVICE, KeyringSecrets
from pos_app.persistence.sqlcipher import connect
from pos_app.services.demo import DEMO_OWNER, DEMO_STAFF, DEMO_TWO_STEP
from tests.conftest import OWNER, SESSION_LOG, TEST_TWO_STEP_KEY, sandbox
from tests.stripe_server import FakeStripe

pytestmark = pytest.mark.end_of_session


def phone_forms(e164: str) -> set[str]:
    """A North American number as it could be written: +12125550101, 2125550101, 212-555-0101, (212) 555-0101."""
    digits = re.sub(r"\D", "", e164)[-10:]
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return {e164, digits, f"{area}-{exchange}-{line}", f"({area}) {exchange}-{line}", f"{area}.{exchange}.{line}"}


def demo_contacts(template: tuple[Path, str]) -> set[str]:
    folder, key = template
    conn = connect(folder / "facet.db", key, inspect_only=True)
    try:
        rows = conn.execute("SELECT email, phone FROM customers").fetchall()
    finally:
        conn.close()
    found: set[str] = set()
    for email, phone in rows:
        if email:
            found.add(email.lower())
        if phone:
            found |= phone_forms(phone)
    return found


def keyring_secrets() -> set[str]:
    """Every value the session's file keyring holds for Facet: database keys, staged and retired keys,
    payment keys, command-line session and job tokens."""
    backend = KeyringSecrets()._backend
    config = configparser.RawConfigParser()
    config.read(backend.file_path, encoding="utf-8")
    from keyrings.alt.escape import unescape

    found: set[str] = set()
    section = next((s for s in config.sections() if unescape(s) == SERVICE), None)
    for option in config.options(section) if section else []:
        value = backend.get_password(SERVICE, unescape(option))
        if not value:
            continue
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        found |= {str(v) for v in parsed} if isinstance(parsed, list) else {value}
    return found


def staff_secrets() -> set[str]:
    """The demo's and the tests' passwords, two-step keys and recovery codes."""
    passwords = {p for p in (DEMO_OWNER.password, OWNER.password, *(s.password for s in DEMO_STAFF)) if p}
    two_step = {secret for secret, _codes in DEMO_TWO_STEP.values()} | {TEST_TWO_STEP_KEY}
    codes = {code for _secret, codes in DEMO_TWO_STEP.values() for code in codes}
    return passwords | two_step | codes


def log_files(roots: Iterable[Path]) -> Iterator[Path]:
    yield SESSION_LOG
    for root in roots:
        for path in root.rglob("*.log*"):
            if path.is_file() and path != SESSION_LOG and re.search(r"\.log(\.\d+)?$", path.name):
                yield path


def leaks(text: str, needles: Iterable[str]) -> list[str]:
    """The needles found in `text` (case-insensitive), each shown masked: the report must not leak either."""
    lowered = text.lower()
    return [f"{n[:3]}…{n[-2:]}" for n in needles if n.lower() in lowered]


def test_the_scan_sees_a_leak_when_there_is_one() -> None:
    needles = {"ann.lee@example.com", *phone_forms("+12125550101"), "0f" * 32}
    assert leaks("INFO pos_app.sell: receipt for ANN.LEE@example.com", needles)
    assert leaks("DEBUG pos_app.customers: calling (212) 555-0101", needles)
    assert leaks("DEBUG x: PRAGMA key = \"x'" + "0F" * 32 + "'\"", needles)
    assert not leaks("INFO pos_app.sell: sale S-000123 completed, 2 lines", needles)


def test_the_whole_sessions_logs_hold_no_personal_data_or_secrets(
        demo_template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    contacts = demo_contacts(demo_template)
    secrets = keyring_secrets() | staff_secrets() | {FakeStripe.secret_key}
    assert len(contacts) > 100, "the demo store's customers were read"
    assert demo_template[1] in secrets, "the keyring's database keys were read"

    logging_seen = SESSION_LOG.read_text(encoding="utf-8")
    assert " pos_app" in logging_seen, "Facet's own records reached the session log"

    problems = []
    scanned = 0
    for path in log_files([tmp_path_factory.getbasetemp(), sandbox()]):
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            found = leaks(line, contacts) + leaks(line, secrets)
            if found:
                problems.append(f"{path.name}:{number}: {', '.join(found)} in a record of "
                                f"{line.split(':', 1)[0][:80]!r}")
        scanned += 1
    assert scanned >= 1
    assert not problems, "\n".join(problems[:40])
