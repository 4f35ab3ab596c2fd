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


_PHONE_CHARS = re.compile(r"[0-9()+. \-]+")


class LeakScan:
    """`leaks` over a whole file at once, for thousands of needles and a session's worth of lines: the same
    case-insensitive substring test, found faster.

    A needle made only of phone characters (digits, spaces, + ( ) . -) can occur only inside a run of them:
    each run's windows of the needles' lengths are looked up in a set. A needle with an @ occurs only on a
    line with one. Any other needle is looked for in the whole text first. Only lines where something was
    found go through `leaks`, for the report."""

    def __init__(self, needles: Iterable[str]) -> None:
        self.needles = {n for n in needles if n}
        lowered = {n.lower() for n in self.needles}
        self.phones = {n for n in lowered if _PHONE_CHARS.fullmatch(n)}
        self.phone_lengths = sorted({len(n) for n in self.phones})
        # Runs shorter than the shortest such needle cannot hold one: the regex skips them.
        shortest = self.phone_lengths[0] if self.phone_lengths else 1
        self.phone_runs = re.compile(f"{_PHONE_CHARS.pattern[:-1]}{{{shortest},}}")
        self.emails = {n for n in lowered - self.phones if "@" in n}
        self.others = lowered - self.phones - self.emails

    def lines_with_leaks(self, text: str) -> list[tuple[int, str]]:
        """(line number from 1, line) of every line holding a needle."""
        lowered = text.lower()
        hits: set[int] = set()
        for run in self.phone_runs.finditer(lowered):
            chunk, start = run.group(), run.start()
            for length in self.phone_lengths:
                for at in range(len(chunk) - length + 1):
                    if chunk[at:at + length] in self.phones:
                        hits.add(start + at)
        at = lowered.find("@")
        while at != -1:
            begin, end = lowered.rfind("\n", 0, at) + 1, lowered.find("\n", at)
            line = lowered[begin:end if end != -1 else len(lowered)]
            if any(n in line for n in self.emails):
                hits.add(begin)
            at = lowered.find("@", end) if end != -1 else -1
        for needle in self.others:
            at = lowered.find(needle)
            while at != -1:
                hits.add(at)
                at = lowered.find(needle, at + 1)
        if not hits:
            return []
        lines = text.split("\n")  # as many as `lowered` has: lower() keeps every newline
        numbers = sorted({lowered.count("\n", 0, at) + 1 for at in hits})
        return [(number, lines[number - 1]) for number in numbers if number <= len(lines)]


def test_the_scan_sees_a_leak_when_there_is_one() -> None:
    needles = {"ann.lee@example.com", *phone_forms("+12125550101"), "0f" * 32}
    assert leaks("INFO pos_app.sell: receipt for ANN.LEE@example.com", needles)
    assert leaks("DEBUG pos_app.customers: calling (212) 555-0101", needles)
    assert leaks("DEBUG x: PRAGMA key = \"x'" + "0F" * 32 + "'\"", needles)
    assert not leaks("INFO pos_app.sell: sale S-000123 completed, 2 lines", needles)


def test_the_fast_scan_finds_on_each_line_what_the_plain_test_finds() -> None:
    needles = {"ann.lee@example.com", *phone_forms("+12125550101"), "0f" * 32, "owner-demo-1", "JANE2"}
    lines = ["2026-12-07 19:02:11,120 INFO pos_app.sell: receipt for ANN.LEE@example.com",
             "2026-12-07 19:02:11,121 DEBUG pos_app.customers: calling (212) 555-0101 now",
             "2026-12-07 19:02:11,122 DEBUG pos_app.x: phone 212.555.0101; key x'" + "0F" * 32 + "'",
             "2026-12-07 19:02:11,123 INFO pos_app.sell: sale S-000123 completed, 2 lines, 212-555-010",
             "mail to bob@example.com, password typed: Owner-Demo-1",
             "tel:+12125550101",
             "digits 9992125550101999 and jane2",
             "nothing here @ all", ""]
    text = "\n".join(lines)
    expected = [(number, line) for number, line in enumerate(lines, 1) if leaks(line, needles)]
    assert LeakScan(needles).lines_with_leaks(text) == expected
    assert [n for n, _ in expected] == [1, 2, 3, 5, 6, 7]


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
    scan = LeakScan(contacts | secrets)
    for path in log_files([tmp_path_factory.getbasetemp(), sandbox()]):
        for number, line in scan.lines_with_leaks(path.read_text(encoding="utf-8", errors="replace")):
            found = leaks(line, contacts) + leaks(line, secrets)
            problems.append(f"{path.name}:{number}: {', '.join(found)} in a record of "
                            f"{line.split(':', 1)[0][:80]!r}")
        scanned += 1
    assert scanned >= 1
    assert not problems, "\n".join(problems[:40])
