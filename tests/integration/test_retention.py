"""The retention job on a real demo store, years from now: what is past its period goes, nothing else moves."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from pos_app import app, cli
from pos_app.domain.errors import PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import erasure, retention, settings
from tests.conftest import actor_for
from tests.integration.test_erasure import MONEY_SQL, _customer, _q, _request

NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
# Everything but the links to customers: what retention must leave as it is.
FIGURES = [sql.replace("customer_id IS NOT NULL, ", "") for sql in MONEY_SQL]


def _run(facet: app.Facet, now: dt.datetime, *, dry_run: bool = False, role: Role = Role.PRIVACY_OFFICER,
         **kwargs: Any) -> retention.RetentionReport:
    return retention.run(uow=facet.uow(), actor=actor_for(facet, role), data_dir=facet.data_dir, store=facet.db,
                         dry_run=dry_run, now=now, **kwargs)


def _snapshot(facet: app.Facet) -> list[list[tuple[Any, ...]]]:
    tables = ("sales", "large_cash_reports", "appraisals", "certificates", "privacy_requests", "customers")
    return [_q(facet, f"SELECT * FROM {t} ORDER BY id") for t in tables]


def _old_file(folder: Path, name: str, days: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"x")
    stamp = (NOW - dt.timedelta(days=days)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_today_nothing_in_the_demo_store_is_past_its_period(demo_facet: app.Facet) -> None:
    before = _snapshot(demo_facet)
    report = _run(demo_facet, NOW)
    assert report.rows == dict.fromkeys(report.rows, 0)
    assert _snapshot(demo_facet)[:-1] == before[:-1]


def test_seven_years_on_sales_leave_their_customers_and_every_figure_stays(demo_facet: app.Facet) -> None:
    facet = demo_facet
    later = NOW.replace(year=2034)
    cutoff = "2027-12-01"
    linked = _q(facet, "SELECT count(*) FROM sales WHERE customer_id IS NOT NULL AND completed_at < ?", cutoff)[0][0]
    assert linked > 0
    sale_id, customer_id = _q(facet, "SELECT id, customer_id FROM sales WHERE customer_id IS NOT NULL "
                                     "ORDER BY completed_at LIMIT 1")[0]
    [(first, last)] = _q(facet, "SELECT first_name, last_name FROM customers WHERE id = ?", customer_id)
    conn = facet.connection()
    try:
        with conn:
            conn.execute("UPDATE sales SET order_discount_reason = ? WHERE id = ?",
                         (f"loyalty for {first} {last}, see notes", sale_id))
    finally:
        conn.close()
    figures, before = [_q(facet, sql) for sql in FIGURES], _snapshot(facet)

    dry = _run(facet, later, dry_run=True)
    assert dry.sales_detached == linked and dry.dry_run
    assert _snapshot(facet) == before  # a dry run changes nothing

    report = _run(facet, later)
    assert report.sales_detached == linked
    assert _q(facet, "SELECT count(*) FROM sales WHERE customer_id IS NOT NULL AND completed_at < ?", cutoff) == [(0,)]
    assert [_q(facet, sql) for sql in FIGURES] == figures
    assert _q(facet, "SELECT order_discount_reason FROM sales WHERE id = ?", sale_id) == [
        ("loyalty for [erased], see notes",)]
    [(summary,)] = _q(facet, "SELECT summary FROM audit_events WHERE action = 'retention.ran'")
    assert json.loads(summary)["sales_detached"] == linked
    assert retention.due(uow=facet.uow(), now=later) is False
    assert retention.due(uow=facet.uow(), now=later + dt.timedelta(days=1)) is True


def test_a_filed_form_8300_keeps_its_details_five_years_then_only_its_amounts(demo_facet: app.Facet) -> None:
    facet = demo_facet
    customer_id = _customer(facet, "Cassius", "Ferrando", "c.f@example.com", "+13125550133", "8 Vine St", "")
    officer = actor_for(facet, Role.PRIVACY_OFFICER)
    uow = facet.uow()
    with uow:
        uow.counter.add_large_cash_report({
            "customer_id": customer_id, "sale_id": None, "cash_cents": 1_500_000, "twelve_month_cents": 1_500_000,
            "full_name": "Cassius Ferrando", "address": "8 Vine St", "date_of_birth": dt.date(1960, 1, 2),
            "taxpayer_id": "111-22-3333", "occupation": "Vintner", "id_document": "DL 5", "recorded_by":
            officer.staff_id, "status": "filed"})
        uow.commit()
    conn = facet.connection()
    try:
        with conn:
            conn.execute("UPDATE large_cash_reports SET filed_on = '2026-01-05' WHERE customer_id = ?", (customer_id,))
    finally:
        conn.close()
    assert _run(facet, dt.datetime(2031, 1, 4, 12, tzinfo=dt.UTC)).cash_reports_blanked == 0
    assert _run(facet, dt.datetime(2031, 1, 6, 12, tzinfo=dt.UTC)).cash_reports_blanked == 1
    assert _q(facet, "SELECT customer_id, full_name, taxpayer_id, date_of_birth, cash_cents, filed_on "
                     "FROM large_cash_reports WHERE cash_cents = 1500000") == [
        (None, "", "", None, 1_500_000, "2026-01-05")]
    # The outbox captured the report's details when it was written; the purge leaves them in no outbox row.
    held = "SELECT count(*) FROM outbox WHERE instr(changes, '111-22-3333') OR instr(changes, 'Vintner')"
    assert _q(facet, held) == [(0,)]
    [(changes,)] = _q(facet, "SELECT changes FROM outbox WHERE table_name = 'large_cash_reports' AND op = 'insert' "
                             "AND instr(changes, '1500000')")
    assert json.loads(changes)["taxpayer_id"] == "" and json.loads(changes)["cash_cents"] == 1_500_000


def test_appraisals_and_certificates_go_after_their_own_retention_date(demo_facet: app.Facet) -> None:
    facet = demo_facet
    [(appraisals_until,)] = _q(facet, "SELECT min(retain_until) FROM appraisals WHERE retain_until IS NOT NULL")
    day = dt.date.fromisoformat(appraisals_until)
    expired = _q(facet, "SELECT count(*) FROM appraisals WHERE retain_until < ?",
                 (day + dt.timedelta(days=1)).isoformat())[0][0]
    report = _run(facet, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC))
    assert report.appraisals_erased == expired >= 1
    assert _q(facet, "SELECT count(*) FROM appraisals WHERE retain_until <= ?", day.isoformat()) == [(0,)]


def test_an_erased_customers_requests_and_pseudonym_go_24_months_after_the_answer(demo_facet: app.Facet) -> None:
    facet = demo_facet
    customer_id = _customer(facet, "Dorit", "Kestrel", "d.k@example.com", "+13125550122", "2 Ash St", "")
    request_id = _request(facet, customer_id)
    erasure.erase_customer(customer_id, request_id, uow=facet.uow(), actor=actor_for(facet, Role.PRIVACY_OFFICER),
                           log=facet.erasure_log(), now=NOW)
    soon = _run(facet, NOW + dt.timedelta(days=700))
    assert (soon.requests_deleted, soon.pseudonyms_deleted) == (0, 0)
    later = _run(facet, NOW + dt.timedelta(days=740))
    assert (later.requests_deleted, later.pseudonyms_deleted) == (1, 1)
    assert _q(facet, "SELECT count(*) FROM customers WHERE id = ?", customer_id) == [(0,)]
    assert _q(facet, "SELECT op FROM outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1", customer_id) == [("delete",)]


def test_backups_and_exports_past_their_period_are_deleted_and_newer_ones_kept(demo_facet: app.Facet) -> None:
    facet = demo_facet
    old_backup = _old_file(facet.data_dir / "backups", "facet-before-migration-0003.db", 31)
    new_backup = _old_file(facet.data_dir / "backups", "facet-before-restore.db", 29)
    old_export = _old_file(facet.data_dir / "exports", "customer.zip", 45)
    note = _old_file(facet.data_dir / "exports", "README.txt", 400)
    dry = _run(facet, NOW, dry_run=True)
    assert (dry.backups_deleted, dry.exports_deleted) == ([old_backup.name], [old_export.name])
    assert old_backup.exists() and old_export.exists()
    report = _run(facet, NOW)
    assert (report.backups_deleted, report.exports_deleted) == ([old_backup.name], [old_export.name])
    assert not old_backup.exists() and not old_export.exists() and new_backup.exists() and note.exists()


def test_only_the_privacy_officer_and_owner_run_it_and_a_refusal_is_logged(demo_facet: app.Facet) -> None:
    for role in (Role.CLERK, Role.MANAGER, Role.APPRAISER):
        with pytest.raises(PermissionDenied):
            _run(demo_facet, NOW, role=role)
    assert _q(demo_facet, "SELECT count(*) FROM audit_events WHERE action = 'permission.refused' "
                          "AND json_extract(summary, '$.function') = 'retention.run'") == [(3,)]
    assert _run(demo_facet, NOW, role=Role.OWNER).dry_run is False


@pytest.mark.parametrize(("key", "value", "words"), [
    ("retention.transactions_years", "6", "from 7 to 30 (the law's minimum)"),
    ("retention.form_8300_years", "four", "whole number"),
    ("retention.backup_days", "0", "from 1 to 3650"),
])
def test_periods_are_settings_that_refuse_less_than_the_law(demo_facet: app.Facet, key: str, value: str,
                                                            words: str) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    with pytest.raises(ValidationError) as raised:
        settings.change_setting(key, value, uow=demo_facet.uow(), actor=owner)
    assert raised.value.field == key and words in str(raised.value)
    assert settings.change_setting(key, "40" if key == "retention.backup_days" else "8", uow=demo_facet.uow(),
                                   actor=owner) in (40, 8)


def test_a_longer_transaction_period_keeps_sales_linked_longer(demo_facet: app.Facet) -> None:
    owner = actor_for(demo_facet, Role.OWNER)
    settings.change_setting("retention.transactions_years", "10", uow=demo_facet.uow(), actor=owner)
    assert _run(demo_facet, NOW.replace(year=2034)).sales_detached == 0


@pytest.mark.usefixtures("cli_owner")
def test_the_command_line_reports_a_dry_run_and_a_run(capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    assert cli.main(["privacy", "retention", "--dry-run", "--data-dir", str(demo_dir)]) == 0
    out = capsys.readouterr().out
    assert "What the retention job would do on" in out and "Nothing was changed (dry run)." in out
    assert cli.main(["privacy", "retention", "--json", "--data-dir", str(demo_dir)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dry_run"] is False and set(result) >= {"sales_detached", "backups_deleted", "exports_deleted"}
    with pytest.raises(SystemExit) as raised:
        cli.main(["privacy", "retention", "--help"])
    assert raised.value.code == 0 and "--dry-run" in capsys.readouterr().out
