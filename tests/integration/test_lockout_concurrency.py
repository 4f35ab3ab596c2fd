"""Many sign-in tries at once: each is counted before its secret is looked at, and none is honored
once the account is locked (issue 13: 40 simultaneous guesses were all checked, the right one got in).

The guesses come from 40 real processes through `pos-app`, and from 40 threads (each with its own
connection) through a manager's approval and through the two-step code, against one store.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp

from pos_app import app, cli
from pos_app.domain.errors import SignInFailed
from pos_app.domain.permissions import Actor, Permission
from pos_app.services import staff, two_step
from pos_app.services.ports.staff import StaffRecord
from tests import lockout_guesser
from tests.conftest import FAST_HASHER, two_step_key

TRIES = 40


def person(data_dir: Path, name: str) -> StaffRecord:
    facet = app.open_facet(data_dir)
    try:
        return next(s for s in facet.store.directory.staff_list() if s.name == name)
    finally:
        facet.close()


def tries_recorded(data_dir: Path, staff_id: str, after: int) -> list[tuple[str, dict[str, Any]]]:
    """The sign-in events of one person after audit event `after`: failures, locked refusals, sign-ins."""
    facet = app.open_facet(data_dir)
    conn = facet.connection()
    try:
        return [(action, json.loads(summary)) for action, summary in conn.execute(
            "SELECT action, summary FROM audit_events WHERE seq > ? AND entity_id = ? AND action IN "
            "('staff.sign_in_failed', 'staff.sign_in_refused_locked', 'staff.signed_in') ORDER BY seq",
            (after, staff_id))]
    finally:
        conn.close()
        facet.close()


def last_seq(data_dir: Path) -> int:
    facet = app.open_facet(data_dir)
    conn = facet.connection()
    try:
        return int(conn.execute("SELECT max(seq) FROM audit_events").fetchone()[0])
    finally:
        conn.close()
        facet.close()


def assert_the_lockout_held(recorded: list[tuple[str, dict[str, Any]]], honored: int) -> None:
    """Every try recorded once; no failure counted past the limit; a right secret honored only
    before the limit was reached (its event says how many wrong tries came before it)."""
    actions = [action for action, _ in recorded]
    assert len(recorded) == TRIES, "each try is recorded, once"
    failures = [summary["attempt"] for action, summary in recorded if action == "staff.sign_in_failed"]
    assert max(failures) <= staff.FREE_ATTEMPTS, "no try is checked once the account is locked"
    successes = [summary for action, summary in recorded if action == "staff.signed_in"]
    assert len(successes) == honored <= 1
    if successes:
        assert successes[0].get("after_wrong_tries", 0) < staff.FREE_ATTEMPTS
    else:
        assert (len(failures), actions.count("staff.sign_in_refused_locked")) == (
            staff.FREE_ATTEMPTS, TRIES - staff.FREE_ATTEMPTS)


def test_forty_processes_guessing_a_pin_at_once_are_each_counted_and_stopped_at_the_limit(demo_dir: Path) -> None:
    lily = person(demo_dir, "Lily Chen")
    before = last_seq(demo_dir)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(lockout_guesser.PRELOAD)
    ready, go = ctx.Semaphore(0), ctx.Event()
    pins = [f"{n:04d}" for n in range(5000, 5000 + TRIES - 1)] + ["3333"]  # the right PIN among them
    guessers = [ctx.Process(target=lockout_guesser.guess, args=(str(demo_dir), "Lily Chen", pin, ready, go))
                for pin in pins]
    for process in guessers:
        process.start()
    try:
        for _ in guessers:
            assert ready.acquire(timeout=120), "a guesser did not start"
        go.set()
        for process in guessers:
            process.join(timeout=120)
    finally:
        for process in guessers:
            if process.is_alive():
                process.kill()
    codes = [process.exitcode for process in guessers]
    assert set(codes) <= {cli.EXIT_OK, cli.EXIT_REFUSED}, codes
    assert codes[:-1] == [cli.EXIT_REFUSED] * (TRIES - 1), "a wrong PIN never gets in"
    recorded = tries_recorded(demo_dir, lily.id, before)
    assert_the_lockout_held(recorded, honored=int(codes[-1] == cli.EXIT_OK))
    after = person(demo_dir, "Lily Chen")
    assert after.failed_attempts <= staff.FREE_ATTEMPTS
    if codes[-1] != cli.EXIT_OK:
        assert after.failed_attempts == staff.FREE_ATTEMPTS and after.locked_until is not None


def _at_once(work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` for each try in its own thread, all released together; results or exceptions."""
    results: list[Any] = [None] * TRIES
    start = threading.Barrier(TRIES)

    def one(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test looks at what each try got
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(TRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_forty_approvals_at_once_with_a_managers_pin_are_each_counted_and_stopped_at_the_limit(
        demo_dir: Path) -> None:
    marcus = person(demo_dir, "Marcus Reed")
    before = last_seq(demo_dir)
    facets = [app.open_facet(demo_dir) for _ in range(TRIES)]  # a connection of its own for each thread
    pins = [f"{n:04d}" for n in range(6000, 6000 + TRIES - 1)] + ["2222"]
    try:
        results = _at_once(lambda i: staff.approve(
            marcus.id, pins[i], Permission.DISCOUNT_ABOVE_LIMIT, reader=facets[i].store.directory,
            uow=facets[i].uow(), hasher=FAST_HASHER, terminal="C1"))
    finally:
        for facet in facets:
            facet.close()
    assert all(isinstance(r, SignInFailed) for r in results[:-1]), results
    approved = isinstance(results[-1], Actor)
    assert approved or isinstance(results[-1], SignInFailed)
    recorded = tries_recorded(demo_dir, marcus.id, before)
    # An approval signs no one in: it leaves no sign-in event, and takes its own try back.
    assert len(recorded) == TRIES - approved
    failures = [s["attempt"] for action, s in recorded if action == "staff.sign_in_failed"]
    assert failures and max(failures) <= staff.FREE_ATTEMPTS
    assert len(failures) <= staff.FREE_ATTEMPTS
    after = person(demo_dir, "Marcus Reed")
    assert after.failed_attempts == len(failures) and after.locked_until is not None


def test_forty_two_step_codes_at_once_are_each_counted_and_stopped_at_the_limit(demo_dir: Path) -> None:
    jane = person(demo_dir, "Jane Ellen")
    facet = app.open_facet(demo_dir)
    try:
        check = staff.check_sign_in(jane.id, "owner-demo-1", uow=facet.uow(), hasher=FAST_HASHER, terminal="C1")
    finally:
        facet.close()
    assert (check.outcome, check.second_step) == ("ok", "code")
    assert person(demo_dir, "Jane Ellen").failed_attempts == 0, "a right password is not a failed try"
    key = two_step_key("Jane Ellen")
    totp = pyotp.TOTP(key)
    now = two_step.time_step(check.at)
    valid = {totp.at(step * two_step.STEP_SECONDS) for step in (now - 1, now, now + 1, now + 2)}
    wrong = [code for code in (f"{n:06d}" for n in range(100_000, 100_000 + 2 * TRIES)) if code not in valid]
    codes = wrong[:TRIES - 1] + [totp.at(check.at)]
    before = last_seq(demo_dir)
    facets = [app.open_facet(demo_dir) for _ in range(TRIES)]
    try:
        results = _at_once(lambda i: staff.record_sign_in(check, "owner-demo-1", uow=facets[i].uow(),
                                                          hasher=FAST_HASHER, code=codes[i]))
    finally:
        for f in facets:
            f.close()
    assert all(isinstance(r, SignInFailed) for r in results[:-1]), results
    honored = isinstance(results[-1], Actor)
    assert honored or isinstance(results[-1], SignInFailed)
    recorded = tries_recorded(demo_dir, jane.id, before)
    assert all(s.get("step") == "code" for action, s in recorded if action == "staff.sign_in_failed")
    assert_the_lockout_held(recorded, honored=int(honored))
