"""The privacy export on a real demo store: one zip answering a verified access or portability request."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_app import app, cli
from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, UserFacingError, ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.persistence.models import new_id
from pos_app.persistence.models.base import parse_utc
from pos_app.services import appraisals, certificates, privacy, privacy_export
from tests.conftest import actor_for

TODAY = dt.date(2026, 11, 25)
APPRAISAL = {"purpose": "insurance", "appraised_on": "2026-11-20", "style": "halo", "metal": "18k white",
             "gram_weight": "6.42", "chain_length_in": "18", "clasp": "lobster",
             "description": "An 18k white gold halo pendant necklace.", "value": "18,500.00",
             "limiting_conditions": "Stones graded as mounted."}
CERT = {"lab": "GIA", "report_number": "2141234567", "report_date": "2024-03-18", "shape": "oval",
        "carat": "1.21", "color": "G", "clarity": "VS2", "cut": "", "origin": "natural"}
SCAN = b"%PDF-1.4\n% a certificate scan for the export test\n%%EOF\n"
TABLES = ("privacy_requests", "audit_events", "outbox", "customers", "sales", "appraisals", "certificates")


def _png(seed: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + bytes([(seed + x + y) % 256 for x in range(3 * 8)]) for y in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _counts(facet: app.Facet) -> tuple[int, ...]:
    conn = facet.connection()
    try:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)
    finally:
        conn.close()


def _customer_with_sales(facet: app.Facet) -> str:
    conn = facet.connection()
    try:
        return str(conn.execute("SELECT customer_id FROM sales WHERE customer_id IS NOT NULL GROUP BY customer_id "
                                "ORDER BY count(*) DESC, customer_id LIMIT 1").fetchone()[0])
    finally:
        conn.close()


def _verified_request(facet: app.Facet, customer_id: str, type: str = "access") -> str:
    officer = actor_for(facet, Role.PRIVACY_OFFICER)
    request_id = privacy.record_request(customer_id, type, "email", TODAY, uow=facet.uow(), actor=officer,
                                        today=TODAY).id
    privacy.verify(request_id, "code_to_email_on_file", officer.staff_id or "", uow=facet.uow(), actor=officer)
    return request_id


def _give_records(facet: app.Facet, customer_id: str) -> dict[str, Any]:
    """An appraisal with two photos, a certificate with a scan, consents and a Form 8300 report."""
    appraiser = actor_for(facet, Role.APPRAISER)
    draft = appraisals.create_draft(APPRAISAL, [], uow=facet.uow(), actor=appraiser, today=TODAY,
                                    owner_customer_id=customer_id)
    photos = [_png(1), _png(2)]
    appraisals.add_photos(draft.id, photos, uow=facet.uow(), actor=appraiser)
    cert = certificates.add_certificate(CERT, uow=facet.uow(), actor=appraiser, today=TODAY,
                                        customer_id=customer_id, scan=SCAN)
    officer = actor_for(facet, Role.PRIVACY_OFFICER)
    uow = facet.uow()
    with uow:
        uow.customers.add_consent(customer_id, "marketing_email", True, channel="counter", policy_version_id=None,
                                  staff_id=officer.staff_id)
        uow.customers.add_consent(customer_id, "marketing_email", False, channel="email", policy_version_id=None,
                                  staff_id=officer.staff_id)
        uow.counter.add_large_cash_report({
            "customer_id": customer_id, "sale_id": None, "cash_cents": 1_200_000, "twelve_month_cents": 1_200_000,
            "full_name": "Form Eighthundred Payer", "address": "12 Cash Lane, Springfield", "date_of_birth":
            dt.date(1970, 5, 4), "taxpayer_id": "123-45-6789", "occupation": "Jeweler's customer",
            "id_document": "US passport 987654321", "recorded_by": officer.staff_id, "status": "to_file"})
        uow.commit()
    return {"appraisal": draft.number, "photos": photos, "certificate": cert, "scan": SCAN}


def _zip_json(path: Path) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    zf = zipfile.ZipFile(path)
    return zf, json.loads(zf.read("data.json"))


@pytest.fixture
def exported(demo_facet: app.Facet, tmp_path: Path) -> dict[str, Any]:
    customer_id = _customer_with_sales(demo_facet)
    extra = _give_records(demo_facet, customer_id)
    request_id = _verified_request(demo_facet, customer_id)
    seen: list[tuple[int, int]] = []
    with demo_facet.open_store() as store:
        result = privacy_export.export_customer(
            request_id, tmp_path / "export.zip", uow=demo_facet.uow(), files=demo_facet.devices.files, reader=store.customer_data,
            actor=actor_for(demo_facet, Role.PRIVACY_OFFICER), progress=lambda d, t: seen.append((d, t)))
    return {"facet": demo_facet, "customer_id": customer_id, "request_id": request_id, "result": result,
            "progress": seen, **extra}


def test_the_zip_holds_every_value_of_the_customer_and_their_records(exported: dict[str, Any]) -> None:
    facet, customer_id, result = exported["facet"], exported["customer_id"], exported["result"]
    zf, data = _zip_json(result.path)
    conn = facet.connection()
    try:
        cursor = conn.execute("SELECT * FROM customers WHERE id = ?", (customer_id,))
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchone()))
        sales = conn.execute("SELECT number, total_cents, kind FROM sales WHERE customer_id = ?",
                             (customer_id,)).fetchall()
        consents = conn.execute("SELECT purpose, granted, channel FROM consent_events WHERE customer_id = ? "
                                "ORDER BY created_at, id", (customer_id,)).fetchall()
        owned = conn.execute("SELECT count(*) FROM appraisals WHERE owner_customer_id = ?", (customer_id,)).fetchone()
    finally:
        conn.close()
    profile = data["profile"]
    zone = ZoneInfo(facet.profile.timezone)
    for name, value in row.items():
        if isinstance(value, int) and name in ("adult_confirmed", "do_not_sell", "restricted",
                                               "marketing_objection"):
            assert profile[name] is bool(value), name
        elif name in ("created_at", "updated_at"):  # stored UTC; exported in store time with its offset
            assert profile[name] == parse_utc(value).astimezone(zone).isoformat(timespec="seconds"), name
        else:
            assert profile[name] == value, name
    assert len(sales) > 0
    exported_sales = {s["number"]: s for s in data["sales"] + data["returns"]}
    for number, total, kind in sales:
        assert exported_sales[number]["total"] == Money(total, "USD").plain() and exported_sales[number]["kind"] == kind
        assert exported_sales[number]["lines"], number
    assert all(s["kind"] == "return" for s in data["returns"])
    assert any(p["card_last4"] or p["tender"] for s in data["sales"] for p in s["payments"])
    # Every appraisal of theirs (the demo's customer who bought most may have had a purchase appraised too),
    # and the one given them here with its two photos.
    assert len(data["appraisals"]) == owned[0]
    [appraisal] = [a for a in data["appraisals"] if a["number"] == exported["appraisal"]]
    photo_files = [p["file"] for p in appraisal["photos"]]
    assert [zf.read(f) for f in photo_files] == exported["photos"]
    every_photo = [p["file"] for a in data["appraisals"] for p in a["photos"]]
    [cert] = data["certificates"]
    assert cert["report_number"] == CERT["report_number"] and zf.read(cert["scan_file"]) == SCAN
    assert [(c["purpose"], c["granted"], c["channel"]) for c in data["consents"]] == [
        (p, bool(g), c) for p, g, c in consents]
    assert consents[-2:] == [("marketing_email", 1, "counter"), ("marketing_email", 0, "email")]
    [cash] = data["large_cash_reports"]
    assert (cash["taxpayer_id"], cash["date_of_birth"]) == ("123-45-6789", "1970-05-04")
    [request] = data["privacy_requests"]
    assert (request["id"], request["type"], request["status"]) == (exported["request_id"], "access", "verified")
    assert {"privacy.request_received", "privacy.request_verified"} <= {e["action"] for e in data["access_log"]}
    assert set(data["schema"]["categories"]) >= {"profile", *privacy_export.ROWS}
    assert {f["path"] for f in data["files"]} == {*every_photo, cert["scan_file"]}
    assert result.counts["sales"] + result.counts["returns"] == len(sales)
    assert result.counts["files"] == len(every_photo) + 1


def test_every_category_has_a_csv_that_parses(exported: dict[str, Any]) -> None:
    zf, data = _zip_json(exported["result"].path)
    for name in ("profile", *privacy_export.ROWS, "sale_lines", "payments", "appraisal_stones",
                 "appraisal_photos", "files"):
        rows = list(csv.DictReader(io.StringIO(zf.read(f"{name}.csv").decode("utf-8-sig"))))
        if name in privacy_export.ROWS and data[name]:
            assert len(rows) == len(data[name]), name
    sales = list(csv.DictReader(io.StringIO(zf.read("sales.csv").decode("utf-8-sig"))))
    assert {r["number"] for r in sales} == {s["number"] for s in data["sales"]}
    lines = list(csv.DictReader(io.StringIO(zf.read("sale_lines.csv").decode("utf-8-sig"))))
    assert len(lines) == sum(len(s["lines"]) for s in data["sales"] + data["returns"])
    [profile] = list(csv.DictReader(io.StringIO(zf.read("profile.csv").decode("utf-8-sig"))))
    assert profile["last_name"].lstrip("'") == data["profile"]["last_name"]


def test_the_pdf_names_the_store_the_categories_the_third_parties_and_how_long_each_is_kept(
        exported: dict[str, Any], tmp_path: Path) -> None:
    facet = exported["facet"]
    zf, data = _zip_json(exported["result"].path)
    pdf = tmp_path / "your-data.pdf"
    pdf.write_bytes(zf.read("your-data.pdf"))
    with pdfplumber.open(pdf) as doc:
        text = " ".join((page.extract_text() or "") for page in doc.pages).replace("\n", " ")
        first = doc.pages[0]
        words = first.extract_words()
        heads = {w["text"]: w for w in words if w["text"] in ("Category", "Records", "Why", "How", "Role", "Who")}
        table_top = heads["Category"]["top"]
        table_bottom = heads["Role"]["top"] if "Role" in heads else first.height - 50  # above the footer

        def column(x0: float, x1: float) -> str:
            crop = first.crop((max(0, x0 - 1), table_top, x1 - 1, table_bottom))
            return " ".join((crop.extract_text() or "").split())
        titles = column(0, heads["Records"]["x0"])
        kept = column(heads["How"]["x0"], first.width)
        why = column(heads["Why"]["x0"], heads["How"]["x0"])
    assert f"Your data at {facet.profile.name}" in text
    assert titles.startswith("Category Your profile Consents Purchases Returns Appraisals Diamond certificates "
                             "Cash reports (IRS Form 8300) Held carts Your privacy requests Who saw your record")
    assert kept.count("7 years after the purchase, for tax and accounting law") == 3
    assert "10 years after the appraisal date" in kept and "10 years after the report date" in kept
    assert "to process and fulfill your orders" in why and "a legal obligation" in why
    for party in ("Payment processors Stripe, PayPal", "Shipping carriers FedEx, UPS, USPS", "Mailing tool Mailchimp"):
        assert party in text, party
    assert data["profile"]["last_name"] in text


def test_the_request_records_the_zips_sha256_and_the_export_is_audited_without_personal_values(
        exported: dict[str, Any]) -> None:
    facet, result = exported["facet"], exported["result"]
    digest = hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert result.sha256 == digest
    conn = facet.connection()
    try:
        stored = conn.execute("SELECT export_sha256 FROM privacy_requests WHERE id = ?",
                              (exported["request_id"],)).fetchone()[0]
        [(summary,)] = conn.execute("SELECT summary FROM audit_events WHERE action = 'privacy.exported'").fetchall()
        customer = conn.execute("SELECT first_name, last_name, email FROM customers WHERE id = ?",
                                (exported["customer_id"],)).fetchone()
    finally:
        conn.close()
    assert stored == digest
    text = summary if isinstance(summary, str) else json.dumps(summary)
    assert digest in text and all(v not in text for v in customer if v)
    assert not list(result.path.parent.glob("*.part"))
    progress = exported["progress"]
    assert progress[-1][0] == progress[-1][1] and progress == sorted(progress)


def _as_officer(facet: app.Facet, request_id: str, out: Path, **kwargs: Any) -> Any:
    with facet.open_store() as store:
        return privacy_export.export_customer(request_id, out, uow=facet.uow(), files=facet.devices.files,
                                              reader=store.customer_data,
                                              actor=kwargs.pop("actor", None) or actor_for(facet, Role.PRIVACY_OFFICER),
                                              **kwargs)


@pytest.mark.parametrize(("case", "error", "field"), [
    ("unverified", ValidationError, "status"),
    ("deletion", ValidationError, "type"),
    ("unknown", NotFound, "request_id"),
    ("other customer", ValidationError, "customer_id"),
    ("no folder", ValidationError, "out"),
])
def test_a_request_that_cannot_be_exported_is_refused_by_name_and_writes_nothing(
        demo_facet: app.Facet, tmp_path: Path, case: str, error: type[UserFacingError], field: str) -> None:
    customer_id = _customer_with_sales(demo_facet)
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    out = tmp_path / "export.zip"
    kwargs: dict[str, Any] = {}
    if case == "unverified":
        request_id = privacy.record_request(customer_id, "portability", "web", TODAY, uow=demo_facet.uow(),
                                            actor=officer, today=TODAY).id
    elif case == "deletion":
        request_id = _verified_request(demo_facet, customer_id, "deletion")
    elif case == "unknown":
        request_id = "no-such-request"
    else:
        request_id = _verified_request(demo_facet, customer_id)
        if case == "other customer":
            kwargs["customer_id"] = "someone-else"
        else:
            out = tmp_path / "missing" / "export.zip"
    before = _counts(demo_facet)
    with pytest.raises(error) as raised:
        _as_officer(demo_facet, request_id, out, **kwargs)
    if isinstance(raised.value, ValidationError):
        assert raised.value.field == field
    else:
        assert field in str(raised.value)
    assert _counts(demo_facet) == before
    assert list(tmp_path.rglob("*.zip*")) == []


def test_a_closed_request_is_not_exported_again(demo_facet: app.Facet, tmp_path: Path) -> None:
    request_id = _verified_request(demo_facet, _customer_with_sales(demo_facet))
    officer = actor_for(demo_facet, Role.PRIVACY_OFFICER)
    privacy.close_request(request_id, "completed", "sent", uow=demo_facet.uow(), actor=officer)
    with pytest.raises(Conflict, match="already completed"):
        _as_officer(demo_facet, request_id, tmp_path / "export.zip")


@pytest.mark.parametrize("role", [Role.CLERK, Role.MANAGER])
def test_only_the_privacy_officer_and_owner_export_and_a_refusal_is_audited(
        demo_facet: app.Facet, tmp_path: Path, role: Role) -> None:
    request_id = _verified_request(demo_facet, _customer_with_sales(demo_facet))
    before = _counts(demo_facet)
    with pytest.raises(PermissionDenied):
        _as_officer(demo_facet, request_id, tmp_path / "export.zip", actor=actor_for(demo_facet, role))
    assert list(tmp_path.glob("export.zip*")) == []
    refused = demo_facet.connection().execute(
        "SELECT entity_id, summary FROM audit_events WHERE action = 'permission.refused'").fetchall()
    assert len(refused) == 1 and refused[0][0] == request_id and "export" in refused[0][1]
    after = _counts(demo_facet)
    assert after[TABLES.index("audit_events")] == before[TABLES.index("audit_events")] + 1
    owner = actor_for(demo_facet, Role.OWNER)
    assert _as_officer(demo_facet, request_id, tmp_path / "export.zip", actor=owner).path.exists()


def test_cancelling_removes_the_partial_file_and_records_nothing(demo_facet: app.Facet, tmp_path: Path) -> None:
    request_id = _verified_request(demo_facet, _customer_with_sales(demo_facet))
    before = _counts(demo_facet)
    calls = iter(range(1000))
    with pytest.raises(privacy_export.ExportCancelled):
        _as_officer(demo_facet, request_id, tmp_path / "export.zip", cancel=lambda: next(calls) >= 3)
    assert list(tmp_path.glob("export.zip*")) == []
    assert _counts(demo_facet) == before


def _add_sales(facet: app.Facet, customer_id: str, n: int, start: int = 0) -> int:
    """Copies of one of the customer's sales (with its lines), numbered T9-...; returns their sales count."""
    conn = facet.connection()
    try:
        sale = conn.execute("SELECT * FROM sales WHERE customer_id = ? AND kind = 'sale' LIMIT 1", (customer_id,))
        names = [d[0] for d in sale.description]
        row = dict(zip(names, sale.fetchone()))
        line = conn.execute("SELECT * FROM sale_lines WHERE sale_id = ? LIMIT 1", (row["id"],))
        line_names = [d[0] for d in line.description]
        line_row = dict(zip(line_names, line.fetchone()))
        with conn:
            for k in range(start, start + n):
                sale_id = new_id()
                values = {**row, "id": sale_id, "number": f"T9-{k:06d}", "terminal": "T9"}
                conn.execute(f"INSERT INTO sales ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                             [values[c] for c in names])
                lines = {**line_row, "id": new_id(), "sale_id": sale_id}
                conn.execute(f"INSERT INTO sale_lines ({', '.join(line_names)}) "
                             f"VALUES ({', '.join('?' * len(line_names))})", [lines[c] for c in line_names])
        return int(conn.execute("SELECT count(*) FROM sales WHERE customer_id = ?", (customer_id,)).fetchone()[0])
    finally:
        conn.close()


def test_thousands_of_sales_are_read_in_batches_and_all_exported(demo_facet: app.Facet, tmp_path: Path) -> None:
    customer_id = _customer_with_sales(demo_facet)
    expected = _add_sales(demo_facet, customer_id, 1200)
    request_id = _verified_request(demo_facet, customer_id, "portability")
    result = _as_officer(demo_facet, request_id, tmp_path / "export.zip")
    zf, data = _zip_json(result.path)
    assert len(data["sales"]) + len(data["returns"]) == expected >= 1200
    assert len({s["number"] for s in data["sales"]}) == len(data["sales"])
    assert all(s["lines"] for s in data["sales"])
    assert len(list(csv.reader(io.StringIO(zf.read("sales.csv").decode("utf-8-sig"))))) == len(data["sales"]) + 1


def test_memory_stays_flat_as_the_customers_sales_grow(demo_facet: app.Facet, tmp_path: Path) -> None:
    customer_id = _customer_with_sales(demo_facet)
    # A first export imports ReportLab and fills its caches; not the export's own memory.
    _as_officer(demo_facet, _verified_request(demo_facet, customer_id), tmp_path / "warm-up.zip")
    peaks = []
    for n, start in ((500, 0), (3000, 500)):
        _add_sales(demo_facet, customer_id, n, start)
        request_id = _verified_request(demo_facet, customer_id)
        tracemalloc.start()
        try:
            _as_officer(demo_facet, request_id, tmp_path / f"export-{n}.zip")
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    # Seven times the sales, about the same peak: batches of 500, never the whole list.
    assert peaks[1] < peaks[0] * 1.5, peaks


# ---------------------------------------------------------------- any customer's values round-trip

_name = st.text(st.characters(categories=("L", "M", "Zs"), max_codepoint=0x2FFF), min_size=1, max_size=40).map(
    str.strip).filter(bool)
_email = st.from_regex(r"[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,20}\.(com|org|de|fr)", fullmatch=True)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_name, last=_name, email=_email, notes=st.text(max_size=200))
def test_any_customers_fields_round_trip_into_data_json(demo_facet: app.Facet, tmp_path_factory: pytest.TempPathFactory,
                                                      first: str, last: str, email: str, notes: str) -> None:
    customer_id = _customer_with_sales(demo_facet)
    conn = demo_facet.connection()
    try:
        with conn:
            conn.execute("UPDATE customers SET first_name = ?, last_name = ?, email = ?, notes = ? WHERE id = ?",
                         (first, last, email, notes, customer_id))
    finally:
        conn.close()
    request_id = _verified_request(demo_facet, customer_id)
    result = _as_officer(demo_facet, request_id, tmp_path_factory.mktemp("export") / "export.zip")
    _, data = _zip_json(result.path)
    assert (data["profile"]["first_name"], data["profile"]["last_name"], data["profile"]["email"],
            data["profile"]["notes"]) == (first, last, email, notes)


# ---------------------------------------------------------------- command line


@pytest.mark.usefixtures("cli_owner")
def test_the_command_line_exports_a_verified_request(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                                     tmp_path: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        customer_id = _customer_with_sales(facet)
        request_id = _verified_request(facet, customer_id)
    finally:
        facet.close()
    out = tmp_path / "answer.zip"
    # The customer's one verified access request is found without naming it.
    code = cli.main(["privacy", "export", customer_id, "--out", str(out), "--json", "--data-dir", str(demo_dir)])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert result["request_id"] == request_id and result["counts"]["sales"] > 0
    code = cli.main(["privacy", "export", "nobody", "--request", request_id, "--out", str(tmp_path / "x.zip"),
                     "--data-dir", str(demo_dir)])
    assert code == cli.EXIT_REFUSED and "customer_id" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()
    code = cli.main(["privacy", "export", "nobody", "--out", str(tmp_path / "x.zip"), "--data-dir", str(demo_dir)])
    assert code == cli.EXIT_REFUSED and "no open" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()


def test_privacy_export_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["privacy", "export", "--help"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    assert "CUSTOMER_ID" in out and "--request" in out and "--out" in out and "--json" in out


# ---------------------------------------------------------------- the export's schema

SCHEMA = Path(__file__).resolve().parents[2] / "resources" / "privacy-export.schema.json"
STONES = [{"role": "center", "shape": "round", "count": "1", "carat": "1.02", "color": "G", "clarity": "VS1",
           "cut": "excellent", "measurements": "6.45 x 6.48 x 3.98 mm"}]


def _give_a_return_and_a_parked_cart(facet: app.Facet, customer_id: str) -> str:
    """A return of one of the customer's sales (negative amounts, refunded in cash), as Facet stores one, and a
    cart parked in their name; returns the return's number."""
    conn = facet.connection()
    try:
        def one(sql: str, *args: Any) -> dict[str, Any]:
            cursor = conn.execute(sql, args)
            return dict(zip([d[0] for d in cursor.description], cursor.fetchone()))

        def insert(table: str, row: dict[str, Any]) -> None:
            conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                         list(row.values()))

        sale = one("SELECT * FROM sales WHERE customer_id = ? AND kind = 'sale' ORDER BY number LIMIT 1", customer_id)
        line = one("SELECT * FROM sale_lines WHERE sale_id = ? ORDER BY position LIMIT 1", sale["id"])
        payment = one("SELECT * FROM payments WHERE sale_id = ? LIMIT 1", sale["id"])
        back = {**sale, "id": new_id(), "number": "C1-900001", "kind": "return", "original_sale_id": sale["id"],
                **{k: -line[k] for k in ("discount_cents", "tax_cents", "total_cents")},
                "subtotal_cents": -(line["total_cents"] - line["tax_cents"])}
        with conn:
            insert("sales", back)
            insert("sale_lines", {**line, "id": new_id(), "sale_id": back["id"], "quantity": -line["quantity"],
                                  **{k: -line[k] for k in ("discount_cents", "tax_cents", "total_cents")}})
            insert("payments", {**payment, "id": new_id(), "sale_id": back["id"], "tender": "cash",
                                "amount_cents": -line["total_cents"], "payment_intent_id": None, "card_brand": None,
                                "card_last4": None, "idempotency_key": None})
        name = conn.execute("SELECT first_name || ' ' || last_name FROM customers WHERE id = ?",
                            (customer_id,)).fetchone()[0]
        item_id = conn.execute("SELECT id FROM items WHERE status = 'available' AND tracking = 'unique' "
                               "ORDER BY sku LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    from pos_app.domain.cart import Cart
    from pos_app.services import checkout

    clerk = actor_for(facet, Role.CLERK)
    [row] = facet.store.inventory.rows_by_ids([item_id])
    cart = dataclasses.replace(checkout.add_item(Cart(), row, actor=clerk), customer_id=customer_id,
                               customer_name=name)
    checkout.park_cart(cart, "Back at four", uow=facet.uow(), actor=clerk)
    return str(back["number"])


@pytest.fixture
def everything(demo_facet: app.Facet, tmp_path: Path) -> dict[str, Any]:
    """An export holding a record of every kind, and one of a customer with almost nothing."""
    customer_id = _customer_with_sales(demo_facet)
    extra = _give_records(demo_facet, customer_id)
    appraisals.create_draft({**APPRAISAL, "appraised_on": "2026-11-21"}, STONES, uow=demo_facet.uow(),
                            actor=actor_for(demo_facet, Role.APPRAISER), today=TODAY, owner_customer_id=customer_id)
    returned = _give_a_return_and_a_parked_cart(demo_facet, customer_id)
    full = _as_officer(demo_facet, _verified_request(demo_facet, customer_id), tmp_path / "full.zip")
    conn = demo_facet.connection()
    try:
        bare_id = conn.execute("SELECT c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE "
                               "s.customer_id = c.id) AND NOT EXISTS (SELECT 1 FROM appraisals a WHERE "
                               "a.owner_customer_id = c.id) ORDER BY c.id LIMIT 1").fetchone()[0]
    finally:
        conn.close()
    bare = _as_officer(demo_facet, _verified_request(demo_facet, bare_id), tmp_path / "bare.zip")
    return {"facet": demo_facet, "full": full.path, "bare": bare.path, "return": returned, **extra}


def _csv(zf: zipfile.ZipFile, name: str) -> tuple[list[str], list[dict[str, str]]]:
    text = zf.read(name).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    return header, list(csv.DictReader(io.StringIO(text)))


def test_data_json_validates_against_the_schema_and_every_csv_has_the_schemas_columns(
        everything: dict[str, Any]) -> None:
    """The schema in the repository is the one in every zip; data.json follows it (every field of every record
    named, typed and nothing more), and each CSV's header is its record's fields, in order."""
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for path in (everything["full"], everything["bare"]):
        zf, data = _zip_json(path)
        assert zf.read("schema.json") == SCHEMA.read_bytes()
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
        assert errors == [], errors[:10]
        described = set(schema["x-files"])
        for name in zf.namelist():
            assert name in described or name.startswith("files/"), f"{name} is not described by the schema"
        for name, about in schema["x-files"].items():
            if "record" not in about:
                continue
            record = schema["$defs"][about["record"].rsplit("/", 1)[1]]
            expected = [f for f, spec in record["properties"].items() if spec.get("type") != "array"]
            header, rows = _csv(zf, name)
            assert header == expected, name
            for row in rows:
                assert set(row) == set(expected), name
    zf, data = _zip_json(everything["full"])
    assert all(data[key] for key in privacy_export.ROWS), "the full export has a record of every kind"


def test_a_category_with_no_records_has_its_columns_and_no_rows(everything: dict[str, Any]) -> None:
    """Once such a CSV held the single cell "(none)"."""
    zf, data = _zip_json(everything["bare"])
    empty = [k for k in privacy_export.ROWS if not data[k]]
    assert {"sales", "returns", "appraisals", "certificates", "carts"} <= set(empty)
    for name in [f"{k}.csv" for k in empty] + ["sale_lines.csv", "payments.csv", "appraisal_stones.csv",
                                                "appraisal_photos.csv", "files.csv"]:
        header, rows = _csv(zf, name)
        assert rows == [] and "(none)" not in header and len(header) > 3, name
    assert _csv(zf, "returns.csv")[0][:5] == ["id", "number", "kind", "status", "completed_at"]


def test_times_carry_the_stores_offset_and_units_are_the_ones_people_read(everything: dict[str, Any]) -> None:
    facet = everything["facet"]
    zf, data = _zip_json(everything["full"])
    zone = ZoneInfo(facet.profile.timezone)
    assert data["export"]["time_zone"] == facet.profile.timezone and data["export"]["format_version"] == 2
    conn = facet.connection()
    try:
        stored = dict(conn.execute("SELECT number, completed_at FROM sales WHERE customer_id = ?",
                                   (data["export"]["customer_id"],)).fetchall())
    finally:
        conn.close()
    for sale in data["sales"] + data["returns"]:
        written = dt.datetime.fromisoformat(sale["completed_at"])
        assert written.utcoffset() == written.astimezone(zone).utcoffset(), "the store's own offset that day"
        assert written == parse_utc(stored[sale["number"]]), "the same instant as stored"
    times = [data["export"]["generated_at"], data["profile"]["created_at"], *(c["at"] for c in data["consents"]),
             *(e["at"] for e in data["access_log"]), data["certificates"][0]["created_at"]]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", t) for t in times), times

    drafted = {a["appraised_on"]: a for a in data["appraisals"]}
    assert (drafted["2026-11-20"]["gram_weight_g"], drafted["2026-11-20"]["chain_length_in"],
            drafted["2026-11-20"]["value"], drafted["2026-11-20"]["currency"]) == ("6.42", "18", "18500.00", "USD")
    [stone] = drafted["2026-11-21"]["stones"]
    assert (stone["carat"], stone["appraisal_number"], stone["appraisal_version"]) == (
        "1.02", drafted["2026-11-21"]["number"], 1)
    assert [p["position"] for p in drafted["2026-11-20"]["photos"]] == [1, 2]
    assert data["certificates"][0]["carat"] == CERT["carat"]
    assert (data["large_cash_reports"][0]["cash"], data["large_cash_reports"][0]["currency"]) == ("12000.00", "USD")
    [back] = data["returns"]
    assert back["number"] == everything["return"] and back["total"].startswith("-")
    assert back["payments"][0]["amount"] == back["total"] and back["original_sale_number"]
    [cart] = data["carts"]
    assert (cart["kind"], cart["label"]) == ("parked", "Back at four") and cart["cart"]["lines"]
    assert not any("_cents" in key or key in ("carat_points", "gram_weight_cg", "chain_length_tenths")
                   for record in _records(data) for key in record)

    # In the CSVs: amounts, even negative ones, and the phone are numbers a program reads, not guarded text.
    _, returns = _csv(zf, "returns.csv")
    assert returns[0]["total"] == back["total"]
    _, [profile] = _csv(zf, "profile.csv")
    assert profile["phone"] == data["profile"]["phone"] and profile["phone"].startswith("+")
    _, payments = _csv(zf, "payments.csv")
    assert {p["amount"] for p in payments} == {p["amount"] for s in data["sales"] + data["returns"]
                                                for p in s["payments"]}


def _records(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = [data["profile"]]
    for key in privacy_export.ROWS:
        for record in data[key]:
            out.append(record)
            out += [child for name in ("lines", "payments", "stones", "photos") for child in record.get(name, [])]
    return out


def test_a_formula_in_a_name_is_still_guarded_in_the_csv(demo_facet: app.Facet, tmp_path: Path) -> None:
    customer_id = _customer_with_sales(demo_facet)
    conn = demo_facet.connection()
    try:
        with conn:
            conn.execute("UPDATE customers SET first_name = '=HYPERLINK(\"http://x.example\")', "
                         "last_name = '-1+1' WHERE id = ?", (customer_id,))
    finally:
        conn.close()
    zf, data = _zip_json(_as_officer(demo_facet, _verified_request(demo_facet, customer_id),
                                     tmp_path / "export.zip").path)
    _, [profile] = _csv(zf, "profile.csv")
    assert (profile["first_name"], profile["last_name"]) == ("'=HYPERLINK(\"http://x.example\")", "'-1+1")
    assert data["profile"]["first_name"] == "=HYPERLINK(\"http://x.example\")"
