"""Every date a person reads is the store's: 21:30 on Dec 6 in New York is 02:30 on Dec 7 in UTC.

The demo store keeps America/New_York. A request completed at 2026-12-06
21:30 store time reads "2026-12-06" on the command line and in the privacy
export's readable copy, never the UTC day; what scripts read (JSON) keeps an
ISO time with its offset. One test per surface that prints such a date.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
import time_machine

from pos_app import app, cli
from pos_app.domain.permissions import Role
from pos_app.domain.store import store_time
from pos_app.services import privacy, privacy_export
from tests.conftest import actor_for, cli_login

EVENING = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)  # 2026-12-06 21:30 in New York
STORE_DAY, UTC_DAY = "2026-12-06", "2026-12-07"


def _closed_request(facet: app.Facet, customer_id: str, kind: str = "opt_out_sale") -> str:
    """A request received and completed on the evening of Dec 6, store time."""
    officer = actor_for(facet, Role.PRIVACY_OFFICER)
    day = dt.date(2026, 12, 6)
    record = privacy.record_request(customer_id, kind, "email", day, uow=facet.uow(), actor=officer, today=day)
    privacy.verify(record.id, "in_person_id", officer.staff_id or "", uow=facet.uow(), actor=officer,
                   now=EVENING - dt.timedelta(minutes=20))
    privacy.close_request(record.id, "completed", "Set do not sell.", uow=facet.uow(), actor=officer, now=EVENING)
    return record.id


def _customer(facet: app.Facet) -> str:
    return facet.store.sales.customers("", 1)[0].id


def tamper_an_evening_event(demo_dir: Path) -> int:
    """Record a privacy request at EVENING (the store's Dec 6, UTC's Dec 7), then edit its audit event;
    the event's number."""
    from tests.integration.test_audit_trail import tamper

    facet = app.open_facet(demo_dir)
    try:
        with time_machine.travel(EVENING, tick=False):
            privacy.record_request(_customer(facet), "access", "email", dt.date(2026, 12, 6), uow=facet.uow(),
                                   actor=actor_for(facet, Role.PRIVACY_OFFICER))
        conn = facet.connection()
        try:
            (seq,), = conn.execute("SELECT max(seq) FROM audit_events WHERE action = 'privacy.request_received'")
        finally:
            conn.close()
    finally:
        facet.close()
    tamper(demo_dir, ("UPDATE audit_events SET summary = ? WHERE seq = ?", ('{"type": "deletion"}', seq)))
    return int(seq)


def test_the_store_clock_reads_an_evening_in_new_york_on_its_own_day() -> None:
    assert store_time(EVENING, "America/New_York").date().isoformat() == STORE_DAY
    assert store_time(EVENING.replace(tzinfo=None), "America/New_York").isoformat() == "2026-12-06T21:30:00-05:00"


def test_the_privacy_requests_list_on_the_command_line_says_the_stores_day_it_was_completed(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        request_id = _closed_request(facet, _customer(facet))
    finally:
        facet.close()
    cli_login(demo_dir, "Dana Brooks")
    capsys.readouterr()
    assert cli.main(["privacy", "requests", "--all", "--data-dir", str(demo_dir)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith(request_id))
    assert f"on {STORE_DAY}" in line and UTC_DAY not in line
    assert cli.main(["privacy", "requests", "--all", "--json", "--data-dir", str(demo_dir)]) == 0
    listed = json.loads(capsys.readouterr().out)
    found = next(r for r in listed["requests"] if r["id"] == request_id)
    assert found["completed_at"] == "2026-12-06T21:30:00-05:00", "scripts read ISO with the store's offset"


def test_the_privacy_exports_readable_copy_dates_requests_and_itself_on_the_stores_day(
        demo_facet: app.Facet, tmp_path: Path) -> None:
    customer_id = _customer(demo_facet)
    _closed_request(demo_facet, customer_id)
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    day = dt.date(2026, 12, 6)
    access = privacy.record_request(customer_id, "access", "email", day, uow=demo_facet.uow(), actor=officer,
                                    today=day)
    privacy.verify(access.id, "in_person_id", officer.staff_id or "", uow=demo_facet.uow(), actor=officer,
                   now=EVENING)
    with demo_facet.open_store() as store:
        result = privacy_export.export_customer(access.id, tmp_path / "export.zip", uow=demo_facet.uow(), files=demo_facet.devices.files,
                                                reader=store.customer_data, actor=officer,
                                                now=EVENING + dt.timedelta(minutes=5))
    with zipfile.ZipFile(result.path) as zf:
        pdf_bytes = zf.read("your-data.pdf")
        data = json.loads(zf.read("data.json"))
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        pdf.pages[0].to_image(resolution=60).save(str(tmp_path / "page1.png"))
    assert f"on {STORE_DAY}, answering" in text.replace("\n", " ")
    assert UTC_DAY not in text, "no date in the readable copy is the UTC day"
    completed = [r for r in data["privacy_requests"] if r.get("completed_at")]
    assert completed and all(r["completed_at"].startswith(f"{STORE_DAY}T21:30") for r in completed)


def _large_cash_sale_in_the_evening(facet: app.Facet) -> None:
    """A cash sale over $10,000 with its Form 8300 details, made at 21:30 on Dec 6, store time."""
    from pos_app.domain.cart import Cart
    from pos_app.domain.money import Money
    from pos_app.services import cash, checkout
    from tests.integration.test_checkout import _available

    clerk = actor_for(facet, Role.CLERK)
    with time_machine.travel(EVENING, tick=True):
        cash.open_shift(Money(20000), uow=facet.uow(), actor=clerk)
        settings = checkout.counter_settings(facet.store.directory, facet.terminal)
        cart = Cart()
        for row in sorted(_available(facet, "unique", 200), key=lambda r: -r.price_cents):
            if sum(line.unit_price.cents for line in cart.lines) > 1_000_000:
                break
            cart = checkout.add_item(cart, row, actor=clerk)
        customer = facet.store.sales.find_customers("a")[0]
        cart = checkout.attach_customer(cart, customer.id, sales=facet.store.sales, actor=clerk)
        co = checkout.start_checkout(cart, settings=settings, uow=facet.uow(), actor=clerk)
        details = checkout.LargeCashDetails("Ann Payer", "12 Oak St, Springfield IL", dt.date(1980, 5, 1),
                                            "123-45-6789", "Illinois driver licence D123-4567")
        co = checkout.pay_cash(co, co.due, uow=facet.uow(), actor=clerk, sales=facet.store.sales,
                               large_cash=details)
        checkout.complete_sale(co, uow=facet.uow(), actor=clerk, sales=facet.store.sales)


def test_the_large_cash_list_on_the_command_line_says_the_stores_day(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        _large_cash_sale_in_the_evening(facet)
    finally:
        facet.close()
    cli_login(demo_dir)
    capsys.readouterr()
    assert cli.main(["sales", "large-cash", "--data-dir", str(demo_dir)]) == 0
    out = capsys.readouterr().out
    assert STORE_DAY in out and UTC_DAY not in out
    assert cli.main(["sales", "large-cash", "--json", "--data-dir", str(demo_dir)]) == 0
    recorded = [r["recorded_at"] for r in json.loads(capsys.readouterr().out)["large_cash_payments"]]
    assert len(recorded) == 1 and recorded[0].startswith(f"{STORE_DAY}T21:") and recorded[0].endswith("-05:00")


def test_the_audit_list_on_the_command_line_reads_in_store_time(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        with time_machine.travel(EVENING, tick=False):
            request_id = privacy.record_request(_customer(facet), "access", "email", dt.date(2026, 12, 6),
                                                uow=facet.uow(), actor=actor_for(facet, Role.PRIVACY_OFFICER)).id
    finally:
        facet.close()
    cli_login(demo_dir)
    capsys.readouterr()
    assert cli.main(["audit", "list", "--limit", "5000", "--data-dir", str(demo_dir)]) == 0
    line: Any = next(x for x in capsys.readouterr().out.splitlines() if request_id in x)
    assert f"{STORE_DAY} 21:30:00" in line


def test_the_audit_check_on_the_command_line_names_a_tampered_events_time_in_store_time(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    seq = tamper_an_evening_event(demo_dir)
    cli_login(demo_dir)
    capsys.readouterr()
    assert cli.main(["audit", "verify", "--data-dir", str(demo_dir)]) == cli.EXIT_CHECK_FAILED
    out = capsys.readouterr().out
    assert f"event {seq} at {STORE_DAY} 21:30:00 EST" in out and UTC_DAY not in out
