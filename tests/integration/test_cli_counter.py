"""`pos-app sales`, `receipt` and `payments` on a real demo store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from pos_app.adapters.secrets import STRIPE_KEY_NAME, KeyringSecrets
from tests.conftest import last_audit_event

# The owner is signed in on the command line (`pos-app login`) for every test here.
pytestmark = pytest.mark.usefixtures("cli_owner")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sales_list_as_json_newest_first(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    code, out, _ = run(capsys, "sales", "list", "--json", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK
    sales = json.loads(out)["sales"]
    assert len(sales) > 30
    times = [s["completed_at"] for s in sales]
    assert times == sorted(times, reverse=True)
    first = sales[0]
    assert first["number"].startswith("C1-") and first["status"] == "completed"
    assert set(first) == {"number", "kind", "status", "completed_at", "clerk", "has_customer", "total", "currency",
                          "tenders"}


def test_sales_list_since_a_day_keeps_that_day_and_later(capsys: pytest.CaptureFixture[str],
                                                         demo_dir: Path) -> None:
    _, out, _ = run(capsys, "sales", "list", "--json", "--data-dir", str(demo_dir))
    every = json.loads(out)["sales"]
    middle = every[len(every) // 2]["completed_at"][:10]
    code, out, _ = run(capsys, "sales", "list", "--since", middle, "--json", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK
    since = json.loads(out)["sales"]
    assert since and all(s["completed_at"][:10] >= middle for s in since)
    assert len(since) == sum(1 for s in every if s["completed_at"][:10] >= middle)
    code, out, _ = run(capsys, "sales", "list", "--data-dir", str(demo_dir), "--since",
                       (dt.date.today() + dt.timedelta(days=400)).isoformat())
    assert code == cli.EXIT_OK and "No sales" in out


def test_sales_list_with_a_bad_date_names_the_option(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    code, _, err = run(capsys, "sales", "list", "--since", "yesterday", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "--since" in err and "YYYY-MM-DD" in err


def test_payments_set_key_keeps_it_in_the_keyring_and_status_never_shows_it(
        capsys: pytest.CaptureFixture[str], demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk_test_" + "a1B2c3D4e5" * 3
    monkeypatch.setenv("FACET_TEST_STRIPE_KEY", key)
    code, out, _ = run(capsys, "payments", "set-key", "--key-env", "FACET_TEST_STRIPE_KEY", "--json",
                       "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK and json.loads(out)["test_mode"] is True
    assert KeyringSecrets().get(STRIPE_KEY_NAME) == key
    code, out, _ = run(capsys, "payments", "status", "--json", "--data-dir", str(demo_dir))
    status: dict[str, Any] = json.loads(out)
    assert status["key_stored"] is True and status["test_mode"] is True and status["ready"] is False
    assert key not in out
    log = (demo_dir / "logs" / "facet.log")
    assert not log.exists() or key not in log.read_text()


def test_payments_set_key_refuses_a_publishable_key(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    KeyringSecrets().delete(STRIPE_KEY_NAME)
    monkeypatch.setenv("FACET_TEST_STRIPE_KEY", "pk_test_" + "x" * 24)
    code, _, err = run(capsys, "payments", "set-key", "--key-env", "FACET_TEST_STRIPE_KEY",
                       "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "publishable" in err
    assert KeyringSecrets().get(STRIPE_KEY_NAME) is None


def test_receipt_of_an_unknown_sale_exits_2(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                            tmp_path: Path) -> None:
    code, _, err = run(capsys, "receipt", "C9-999999", "--pdf", str(tmp_path / "r.pdf"), "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "C9-999999" in err
    assert not (tmp_path / "r.pdf").exists()


def test_receipt_needs_exactly_one_destination(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    code, _, err = run(capsys, "receipt", "C1-000001", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "--printer" in err and "--pdf" in err


def _first_sale(demo_dir: Path) -> str:
    facet = app.open_facet(demo_dir)
    try:
        return str(facet.store.sales.sales(limit=1)[0].number)
    finally:
        facet.close()


def test_receipt_to_a_pdf_and_to_a_network_printer(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                                   tmp_path: Path, printer_listener: Any) -> None:
    number = _first_sale(demo_dir)
    pdf = tmp_path / "receipt.pdf"
    code, out, _ = run(capsys, "receipt", number.lower(), "--pdf", str(pdf), "--json", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK and json.loads(out)["number"] == number
    assert pdf.read_bytes().startswith(b"%PDF")
    code, out, _ = run(capsys, "receipt", number, "--printer", printer_listener.url, "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK and "printed" in out
    from tests.printer_listener import decode_escpos

    assert number in decode_escpos(printer_listener.wait_for(1)[0]).text


def test_receipt_to_a_printer_that_is_off_exits_2(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    code, _, err = run(capsys, "receipt", _first_sale(demo_dir), "--printer", "tcp://127.0.0.1:9",
                       "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "did not print" in err


def test_large_cash_cases_are_listed_for_managers_only(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    from pos_app.domain.errors import PermissionDenied
    from pos_app.domain.permissions import Role
    from pos_app.services.sales import large_cash_payments
    from tests.conftest import actor_for

    code, out, _ = run(capsys, "sales", "large-cash", "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK and "No cash payment over $10,000" in out
    facet = app.open_facet(demo_dir)
    try:
        with pytest.raises(PermissionDenied):
            large_cash_payments(sales=facet.store.sales, actor=actor_for(facet, Role.CLERK), uow=facet.uow())
        assert large_cash_payments(sales=facet.store.sales, actor=actor_for(facet, Role.MANAGER), uow=facet.uow()) == []
    finally:
        facet.close()


def test_a_receipt_logo_is_set_from_a_png_file(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                               tmp_path: Path, printer_listener: Any) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.effect_noise((200, 60), 64).convert("1").save(logo)  # a few kB: no small text in the audit trail
    code, _, err = run(capsys, "settings", "set", "receipt.logo", str(tmp_path / "missing.png"),
                       "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "receipt.logo: cannot read" in err
    (tmp_path / "fake.png").write_text("not an image")
    code, _, err = run(capsys, "settings", "set", "receipt.logo", str(tmp_path / "fake.png"),
                       "--data-dir", str(demo_dir))
    assert code == cli.EXIT_REFUSED and "not a PNG" in err
    code, _, _ = run(capsys, "settings", "set", "receipt.logo", str(logo), "--data-dir", str(demo_dir))
    assert code == cli.EXIT_OK
    facet = app.open_facet(demo_dir)
    try:
        (summary,) = facet.connection().execute(
            "SELECT summary FROM audit_events WHERE action = 'setting.changed' ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        facet.close()
    after = json.loads(summary)["after"]  # the trail tells the new logo apart without holding the image
    assert set(after) == {"chars", "sha256"} and len(summary) < 400
    _, out, _ = run(capsys, "settings", "list", "--data-dir", str(demo_dir))
    assert "(a PNG image," in out
    code, _, _ = run(capsys, "receipt", _first_sale(demo_dir), "--printer", printer_listener.url,
                     "--data-dir", str(demo_dir))
    from tests.printer_listener import decode_escpos

    assert code == cli.EXIT_OK and decode_escpos(printer_listener.wait_for(1)[0]).images == 1


def test_doctor_warns_of_open_payments_and_receipts_waiting(capsys: pytest.CaptureFixture[str],
                                                            demo_dir: Path) -> None:
    from pos_app.domain.cart import Cart
    from pos_app.domain.permissions import Role
    from pos_app.services import checkout, receipts
    from tests.conftest import actor_for

    facet = app.open_facet(demo_dir)
    try:
        clerk = actor_for(facet, Role.CLERK)
        row = facet.store.inventory.search("tennis", 50)
        available = next(r for r in row if r.status == "available" and r.on_hand > 0)
        settings = checkout.counter_settings(facet.store.directory, facet.terminal)
        checkout.start_checkout(checkout.add_item(Cart(), available, actor=clerk), settings=settings,
                                uow=facet.uow(), actor=clerk)
        receipts.print_receipt(facet.store.sales.sales(limit=1)[0].id, printer=None, sales=facet.store.sales,
                               directory=facet.store.directory, uow=facet.uow(), actor=clerk)
    finally:
        facet.close()
    code, out, _ = run(capsys, "doctor", "--json", "--data-dir", str(demo_dir))
    report = json.loads(out)
    assert code == cli.EXIT_OK and report["ok"] is True
    assert report["counter"] == {"open_checkouts": 1, "receipts_waiting": 1}
    assert any("left open" in w for w in report["warnings"]) and any("wait to be printed" in w
                                                                      for w in report["warnings"])


def test_only_who_manages_settings_sets_the_stripe_key_and_the_trail_never_holds_it(demo_facet: Any) -> None:
    from pos_app.domain.errors import PermissionDenied
    from pos_app.domain.permissions import Role
    from pos_app.services.payment_setup import set_stripe_key
    from tests.conftest import actor_for

    KeyringSecrets().delete(STRIPE_KEY_NAME)
    key = "sk_live_" + "Z9y8X7w6V5" * 3
    with pytest.raises(PermissionDenied):
        set_stripe_key(key, keys=demo_facet.keyring, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.MANAGER))
    assert KeyringSecrets().get(STRIPE_KEY_NAME) is None

    assert set_stripe_key(key, keys=demo_facet.keyring, uow=demo_facet.uow(),
                          actor=actor_for(demo_facet, Role.OWNER)) is False
    assert KeyringSecrets().get(STRIPE_KEY_NAME) == key
    last = last_audit_event(demo_facet)
    action, summary = last.action, last.summary
    assert action == "payments.key_set" and json.loads(summary) == {"test_mode": False}
    KeyringSecrets().delete(STRIPE_KEY_NAME)
