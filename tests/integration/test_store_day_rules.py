"""The last dates a person read in UTC or the computer's zone, now on the store's clock; and the Form 8300
payer's age judged on the store's day.

The demo store keeps America/New_York: 21:30 on Dec 6 there is 02:30 on Dec 7 in UTC. Each test uses a
moment whose UTC day (or hour) differs from the store's, so a date in the wrong zone shows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from pos_app import app, cli
from pos_app.domain.cart import Cart
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.gui.sell.view import parked_when
from pos_app.services import backup, cash, checkout, privacy
from pos_app.services.ports.inventory import ItemRow
from tests.conftest import actor_for, cli_login
from tests.integration.test_checkout import _available
from tests.integration.test_store_time_dates import tamper_an_evening_event

EVENING = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)  # 2026-12-06 21:30 in New York
NEXT_MORNING = dt.datetime(2026, 12, 7, 14, 0, tzinfo=dt.UTC)  # 2026-12-07 09:00 in New York
STORE_DAY, UTC_DAY = "2026-12-06", "2026-12-07"
TURNS_18_ON_DEC_7 = dt.date(2008, 12, 7)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _large_cash_checkout(facet: app.Facet) -> checkout.Checkout:
    """A cart over $10,000 for a known customer, being paid, with a shift open."""
    clerk = actor_for(facet, Role.CLERK)
    cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
    cart = Cart()
    for row in sorted(_available(facet, "unique", 200), key=lambda r: -r.price_cents):
        if sum(line.unit_price.cents for line in cart.lines) > 1_000_000:
            break
        cart = checkout.add_item(cart, row, actor=clerk)
    customer = facet.store.sales.find_customers("a")[0]
    cart = checkout.attach_customer(cart, customer.id, sales=facet.store.sales, actor=clerk)
    settings = checkout.counter_settings(facet.store.directory, facet.terminal)
    return checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=clerk)


def test_a_payer_who_turns_18_tomorrow_in_the_store_is_refused_tonight_though_utc_says_it_is_tomorrow(
        demo_facet: app.Facet) -> None:
    clerk = actor_for(demo_facet, Role.CLERK)
    co = _large_cash_checkout(demo_facet)
    payer = checkout.LargeCashDetails("Sam Young", "12 Oak St, Springfield IL", TURNS_18_ON_DEC_7, "123-45-6789",
                                      "Illinois driver licence D123-4567")
    with pytest.raises(ValidationError, match="date of birth: must be a real date, for a payer 18 or older"):
        checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales,
                          large_cash=payer, now=EVENING)
    paid = checkout.pay_cash(co, co.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales,
                             large_cash=payer, now=NEXT_MORNING)
    assert paid.large_cash is not None and paid.large_cash.date_of_birth == TURNS_18_ON_DEC_7


def test_cash_from_the_same_store_date_a_year_ago_counts_toward_form_8300(demo_facet: app.Facet) -> None:
    """08:00 on Dec 6, 2025 in New York is 13:00 UTC: more than 365 days before 21:30 on Dec 6, 2026 (02:30 UTC
    on Dec 7), yet on the same store date a year before, so within the 12 months."""
    clerk = actor_for(demo_facet, Role.CLERK)
    cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=clerk)
    pieces = [r for r in _available(demo_facet, "unique", 200) if 550_000 <= r.price_cents <= 850_000][:2]
    assert len(pieces) == 2
    # A customer who never paid the demo store cash: the only cash in their twelve months is this test's.
    conn = demo_facet.connection()
    try:
        paid_cash = {row[0] for row in conn.execute("SELECT s.customer_id FROM sales s JOIN payments p "
                                                    "ON p.sale_id = s.id WHERE p.tender = 'cash'")}
    finally:
        conn.close()
    customer = next(c for c in demo_facet.store.sales.find_customers("a") if c.id not in paid_cash)
    settings = checkout.counter_settings(demo_facet.store.directory, demo_facet.terminal)

    def paying(piece: ItemRow) -> checkout.Checkout:
        cart = checkout.attach_customer(checkout.add_item(Cart(), piece, actor=clerk), customer.id,
                                        sales=demo_facet.store.sales, actor=clerk)
        return checkout.start_checkout(cart, settings=settings, uow=demo_facet.uow(), actor=clerk)

    a_year_ago = dt.datetime(2025, 12, 6, 13, 0, tzinfo=dt.UTC)
    first = paying(pieces[0])
    first = checkout.pay_cash(first, first.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales,
                              now=a_year_ago)
    checkout.complete_sale(first, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales,
                           now=a_year_ago)
    assert checkout.large_cash_since(EVENING, "America/New_York") == dt.datetime(2025, 12, 6, 5, 0, tzinfo=dt.UTC)
    second = paying(pieces[1])
    with pytest.raises(checkout.LargeCashDetailsNeeded) as needed:
        checkout.pay_cash(second, second.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales,
                          now=EVENING)
    assert needed.value.twelve_month_cents == first.priced.total.cents + second.priced.total.cents
    # the next store day, that sale is more than 12 months back
    later = checkout.pay_cash(second, second.due, uow=demo_facet.uow(), actor=clerk, sales=demo_facet.store.sales,
                              now=NEXT_MORNING)
    assert later.large_cash is None


def test_eighteen_years_are_counted_in_birthdays_not_in_365_day_years() -> None:
    payer = checkout.LargeCashDetails("Sam Young", "12 Oak St, Springfield IL", TURNS_18_ON_DEC_7, "123456789",
                                      "Illinois driver licence D123-4567")
    assert checkout.check_large_cash(payer, today=dt.date(2026, 12, 7)).date_of_birth == TURNS_18_ON_DEC_7
    for too_soon in (dt.date(2026, 12, 6), dt.date(2026, 12, 3)):  # 18 * 365 days after birth is Dec 3
        with pytest.raises(ValidationError, match="date of birth"):
            checkout.check_large_cash(payer, today=too_soon)


def test_a_cart_parked_last_evening_reads_its_store_day_and_time() -> None:
    assert parked_when(EVENING, "America/New_York", now=NEXT_MORNING) == f"{STORE_DAY} 21:30"
    assert parked_when(EVENING, "America/New_York", now=EVENING + dt.timedelta(hours=1)) == "21:30"
    assert parked_when(EVENING, "UTC", now=NEXT_MORNING) == "02:30"


def test_the_staff_list_on_the_command_line_says_a_lock_in_store_time(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        marcus = next(s.id for s in facet.store.directory.staff_list() if s.name == "Marcus Reed")
        with facet.uow() as uow:
            uow.staff.lock(marcus, EVENING.replace(year=2099))
            uow.commit()
    finally:
        facet.close()
    cli_login(demo_dir)
    capsys.readouterr()
    code, out, _ = _run(capsys, "staff", "list", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK
    line = next(x for x in out.splitlines() if x.startswith("Marcus Reed"))
    assert "locked until 2099-12-06 21:30:00 EST" in line and "UTC" not in line
    assert "two-step off" in line and "two-step on" in next(x for x in out.splitlines() if "Jane Ellen" in x)


def test_a_restore_says_when_the_backup_ends_and_when_it_happened_in_store_time(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "evening.bak"
    facet = app.open_facet(demo_dir)
    try:
        owner = actor_for(facet, Role.OWNER)
        customer = facet.store.sales.customers("", 1)[0].id
        with time_machine.travel(EVENING, tick=False):
            privacy.record_request(customer, "access", "email", dt.date(2026, 12, 6), uow=facet.uow(),
                                   actor=actor_for(facet, Role.PRIVACY_OFFICER))
            backup.back_up(file, passphrase=None, store=facet.db, uow=facet.uow(), actor=owner)
    finally:
        facet.close()
    cli_login(demo_dir)
    capsys.readouterr()
    code, out, _ = _run(capsys, "restore", str(file), "--dry-run", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK
    assert f", {STORE_DAY} 21:30 EST):" in out and UTC_DAY not in out and "UTC" not in out

    with time_machine.travel(EVENING + dt.timedelta(hours=1), tick=True):
        code, _, err = _run(capsys, "restore", str(file), "--yes", "--expect-undo", "0", "--data-dir",
                            str(demo_dir))
    assert code == cli.EXIT_OK, err
    cli_login(demo_dir)
    capsys.readouterr()
    code, out, _ = _run(capsys, "doctor", "--data-dir", str(demo_dir))
    note = next(x for x in out.splitlines() if "The store was restored from a backup" in x)
    assert f"restored from a backup on {STORE_DAY} 22:30 EST by " in note and "UTC" not in note
    code, out, _ = _run(capsys, "audit", "verify", "--data-dir", str(demo_dir))
    assert f"restored from a backup on {STORE_DAY} 22:30 EST" in out


def test_doctor_names_a_tampered_events_time_in_store_time(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    seq = tamper_an_evening_event(demo_dir)
    code, out, _ = _run(capsys, "doctor", "--data-dir", str(demo_dir))
    problem = next(x for x in out.splitlines() if "PROBLEM: The audit trail was tampered with" in x)
    assert f"event {seq} at {STORE_DAY} 21:30:00 EST" in problem and UTC_DAY not in problem
