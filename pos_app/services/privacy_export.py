"""The privacy export: one zip answering a verified access (right to know) or portability request.

What the zip holds
------------------
- ``data.json``: everything Facet holds about the customer, structured, with
  a ``schema`` section that names and describes each category;
- ``schema.json``: the JSON Schema (draft 2020-12) of the export, shipped as
  ``resources/privacy-export.schema.json``: every file, field, type and unit
  (see `privacy_export_schema`). Amounts are decimal strings in the record's
  currency, weights in carats and grams, lengths in inches, times ISO 8601 in
  the store's time zone with their UTC offset;
- one CSV per category (sales' lines and payments and appraisals' stones and
  photos in their own CSVs, keyed by the sale or appraisal number), UTF-8 with
  a BOM so a spreadsheet shows accents, its columns those of the schema (a
  category with no records has the header alone); a text cell a spreadsheet
  would run as a formula (starting with = + - @) gets a leading apostrophe,
  except a phone number in E.164 and a decimal number, which run nothing;
- ``files/``: the appraisal photos and certificate scans, as stored;
- ``your-data.pdf``: "Your data at <store>", readable by a person: what is
  held, why, who else receives it, and how long each category is kept.

Role and contract
-----------------
`export_customer` runs on a worker thread (never the GUI's): it checks the
actor and the request in one unit of work, reads through a
`CustomerDataReader` on its own connection in batches of 500 rows and writes
each entry of the zip as it goes, so memory stays flat for a customer with
thousands of sales. `progress(done, total)` is called after each batch and
file; `cancel()` is asked as often, and when it answers True the partial file
is removed and `ExportCancelled` raised. The zip is written through the
injected `FileOutput` as ``<out>.part`` (mode 0600: only the store's OS
account reads it) and moved into place at the end; only then are its SHA-256
and path (on the request,
so the erasure or the delivery finds and deletes it) and the
``privacy.exported`` audit event (counts and the hash, never a personal
value) committed. Nothing else changes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pos_app.documents.text import csv_cell, csv_phone
from pos_app.domain import appraisals as appraisal_rules
from pos_app.domain import privacy as rules
from pos_app.domain.errors import Conflict, NotFound, UserFacingError, ValidationError
from pos_app.domain.money import Money, format_money
from pos_app.domain.permissions import Permission
from pos_app.domain.privacy import RequestStatus, RequestType
from pos_app.domain.store import display_phone
from pos_app.services.guard import requires
from pos_app.services.ports.devices import FileOutput
from pos_app.services.ports.privacy import CustomerDataReader
from pos_app.services.ports.settings import StoreProfile
from pos_app.services.ports.uow import UnitOfWork
from pos_app.services.privacy import _open_request
from pos_app.services.privacy_export_schema import SCHEMA_IN_ZIP, Rows, csv_header, schema_bytes

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]

PDF_SALES = 200  # the PDF lists this many sales and returns; all of them are in data.json and the CSVs
PDF_CONSENTS = 200
FORMAT_VERSION = 2  # 2: human units, times with their offset, schema.json
# The categories read row by row (the profile is one row), in the order data.json lists them.
ROWS = ("consents", "sales", "returns", "appraisals", "certificates", "large_cash_reports", "carts",
        "privacy_requests", "access_log")

# Who else receives customers' data, by the published policy (4.1), when the store has no setting for it.
DEFAULT_THIRD_PARTIES: dict[str, list[str]] = {
    "Payment processors": ["Stripe", "PayPal"],
    "Shipping carriers": ["FedEx", "UPS", "USPS"],
    "Mailing tool": ["Mailchimp"],
}


class ExportCancelled(UserFacingError):
    """The person cancelled the export; no file was left behind."""


@dataclass(frozen=True)
class Category:
    key: str
    title: str
    holds: str
    why: str
    kept: str


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    counts: dict[str, int] = field(default_factory=dict)  # rows per category, and "files"


def categories(transactions_years: int, records_years: int) -> tuple[Category, ...]:
    """The categories of the export, each with why the store holds it and how long it is kept."""
    tx = f"{transactions_years} years after the purchase, for tax and accounting law"
    return (
        Category("profile", "Your profile", "name, email, phone, billing and shipping addresses, 18+ confirmation, "
                 "preferences, wishlist, notes, and your privacy choices (do not sell/share, restriction, objection)",
                 "to serve you, fulfill orders and reach you about them",
                 "while you are a customer, until you ask us to delete it"),
        Category("consents", "Consents", "each time you gave or withdrew consent to marketing email, text messages or "
                 "sharing for advertising: when, how, and which version of the privacy policy you saw",
                 "to contact you only as you agreed, and to prove it", "while you are a customer"),
        Category("sales", "Purchases", "each purchase with its items, prices, discounts, tax and payments "
                 "(card brand and last four digits only; the store never holds a card number)",
                 "to process and fulfill your orders, and to keep tax records", tx),
        Category("returns", "Returns", "each return or refund, with the items and the refund's payment",
                 "to process returns and keep tax records", tx),
        Category("appraisals", "Appraisals", "appraisals of your pieces: description, stones, value, photos",
                 "to provide the appraisal you asked for, for insurance or your records",
                 f"{records_years} years after the appraisal date"),
        Category("certificates", "Diamond certificates", "lab grading reports (GIA, IGI, ...) and their scans",
                 "to verify diamonds you bought or brought in", f"{records_years} years after the report date"),
        Category("large_cash_reports", "Cash reports (IRS Form 8300)", "the details federal law requires when "
                 "more than $10,000 is paid in cash: name, address, date of birth, taxpayer id, occupation, ID",
                 "a legal obligation (26 U.S.C. 6050I)", tx),
        Category("carts", "Held carts", "carts put on hold or being paid for in your name",
                 "to finish a purchase you started", "until the purchase is completed or abandoned"),
        Category("privacy_requests", "Your privacy requests", "requests you made under the privacy policy, how "
                 "your identity was verified, and what was done", "to answer them and show that we did",
                 "at least 24 months after they are answered, as the CCPA regulations require"),
        Category("access_log", "Who saw your record", "each time a staff member viewed, exported or changed your "
                 "record or requests: when, who, at which counter, what", "accountability and security",
                 "as long as the store's audit trail"),
    )


def _check_request(request_id: str, customer_id: str | None, *, uow: UnitOfWork) -> tuple[str, str]:
    record = _open_request(uow, request_id)
    kind = RequestType.of(record.type)
    if not rules.exportable(kind):
        raise ValidationError("type", f"this is a {kind.label.lower()} request; an export answers a request to "
                                      "know/access the data or for portability")
    if record.status != RequestStatus.VERIFIED.value:
        if RequestStatus.of(record.status).is_open:
            raise ValidationError("status", "the customer's identity is not verified yet; verify the request first")
        raise Conflict(f"This request is already {record.status}; record a new request for a new export.")
    if record.customer_id is None:
        raise Conflict("This request's customer was erased; there is nothing to export.")
    if customer_id is not None and customer_id.strip() != record.customer_id:
        raise ValidationError("customer_id", "is not the customer who made this request")
    return record.customer_id, kind.value


@requires(Permission.HANDLE_PRIVACY_REQUESTS, entity=("privacy_request", "request_id"))
def export_customer(request_id: str, out_path: Path | str, *, uow: UnitOfWork, reader: CustomerDataReader,
                    files: FileOutput, actor: Any, customer_id: str | None = None, progress: Progress | None = None,
                    cancel: Cancel | None = None, now: dt.datetime | None = None) -> ExportResult:
    """Write the zip answering verified request `request_id` to `out_path` through `files`; see the module
    docstring.

    `customer_id`, when given, must be the request's customer (a check for the
    person typing it). Who may: the privacy officer and the owner; a refusal is audited.
    """
    out = Path(out_path)
    with uow:
        owner_id, kind = _check_request(request_id, customer_id, uow=uow)
        store = uow.store.get()
        tx_years = int(uow.settings.get("privacy.retention_years.transactions", rules.TRANSACTION_RETENTION_YEARS))
        rec_years = int(uow.settings.get("privacy.retention_years.appraisals", appraisal_rules.RETENTION_YEARS))
        third = uow.settings.get("privacy.third_parties", None)
    if store is None:
        raise NotFound("The store has no profile; finish setting it up first.")
    if not files.folder_exists(out):
        raise ValidationError("out", f"the folder {out.parent} does not exist")
    customer = reader.customer(owner_id)
    if customer is None or customer.get("erased_at"):
        raise Conflict("This request's customer was erased; there is nothing to export.")
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    parties = _third_parties(third)
    cats = categories(tx_years, rec_years)
    writer = _ExportWriter(reader, owner_id, progress, cancel, Rows(store.timezone, store.currency))

    def write(raw: IO[bytes]) -> None:
        with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            meta = {"format_version": FORMAT_VERSION, "schema": SCHEMA_IN_ZIP, "store": store.name,
                    "request_id": request_id, "request_type": kind, "generated_at": writer.rows.time(moment),
                    "time_zone": store.timezone, "customer_id": owner_id}
            zf.writestr(SCHEMA_IN_ZIP, schema_bytes())
            writer.write_json(zf, meta, customer, cats, parties)
            writer.write_csvs(zf, customer)
            writer.write_files(zf)
            zf.writestr("your-data.pdf", _pdf(store, customer, cats, parties, writer, moment, kind))
            writer.step()

    written = files.stream_private(out, write, field="out")
    counts = {**writer.counts, "files": len(writer.files)}
    try:
        with uow:
            uow.privacy.set_export_sha256(request_id, written.sha256, str(out.resolve()))
            uow.audit.record(actor, "privacy.exported", entity_type="privacy_request", entity_id=request_id,
                             summary={"customer_id": owner_id, "type": kind, "sha256": written.sha256,
                                      "bytes": written.size, "counts": counts})
            uow.commit()
    except BaseException:
        files.remove(out)  # no record of it on the request: nothing would ever find and delete it
        raise
    return ExportResult(out, written.sha256, counts)


def _third_parties(setting: Any) -> dict[str, list[str]]:
    """The setting `privacy.third_parties` ({role: [names]}) when the store has one, else the policy's list."""
    if isinstance(setting, dict) and setting:
        return {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in setting.items()}
    return DEFAULT_THIRD_PARTIES


_EXT = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
_NESTED = {"sales": ("lines", "payments"), "returns": ("lines", "payments"), "appraisals": ("stones", "photos")}
_CHILD_CSV = {"lines": "sale_lines.csv", "payments": "payments.csv", "stones": "appraisal_stones.csv",
              "photos": "appraisal_photos.csv"}
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # an amount, carats, grams: "-52.47" is a number, not a formula


def _cell(name: str, value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, str):
        return value
    if name == "phone":
        return csv_phone(value)
    return value if _DECIMAL.fullmatch(value) else csv_cell(value)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)


class _ExportWriter:
    """The zip's entries, written one at a time (a zip takes one open entry at once)."""

    def __init__(self, reader: CustomerDataReader, customer_id: str, progress: Progress | None,
                 cancel: Cancel | None, rows: Rows) -> None:
        self.reader, self.customer_id, self.rows = reader, customer_id, rows
        self._progress, self._cancel = progress, cancel
        self.counts = {c: reader.count(c, customer_id) for c in _categories()}
        self.files: list[tuple[str, str, str, str, str]] = []  # (path, kind, source id, of, mime)
        self.pdf_sales: list[dict[str, Any]] = []
        self.pdf_consents: list[dict[str, Any]] = []
        self.pdf_requests: list[dict[str, Any]] = []
        records = sum(self.counts.values())
        self.done, self.total = 0, 2 * records + reader.file_count(customer_id) + 2
        self.step(0)

    def step(self, n: int = 1) -> None:
        if self._cancel is not None and self._cancel():
            raise ExportCancelled("The export was cancelled; no file was written.")
        self.done = min(self.total, self.done + n)
        if self._progress is not None:
            self._progress(self.done, self.total)

    # ------------------------------------------------------------ data.json

    def write_json(self, zf: zipfile.ZipFile, meta: dict[str, Any], customer: dict[str, Any],
                   cats: tuple[Category, ...], parties: dict[str, list[str]]) -> None:
        with _text(zf, "data.json", "utf-8") as out:
            schema = {c.key: {"title": c.title, "holds": c.holds, "why": c.why, "kept": c.kept} for c in cats}
            schema["files"] = {"title": "Photos and scans", "holds": "each file under files/ with what it belongs to",
                               "why": "part of the appraisals and certificates above", "kept": "as those records"}
            out.write('{\n"schema": ' + _dump({
                "description": "Everything this store's point of sale (Facet) holds about you. Amounts are "
                               "decimal strings in the currency named beside them; times are in the store's time "
                               "zone with their UTC offset. schema.json describes every file, field and unit.",
                "categories": schema, "third_parties": parties}))
            out.write(',\n"export": ' + _dump(meta))
            out.write(',\n"profile": ' + _dump(self.rows.record(customer)))
            self.step()
            for key in _categories():
                out.write(f',\n"{key}": [')
                first = True
                for rows in self.reader.batches(key, self.customer_id):
                    for row in rows:
                        self._note(key, row)
                        out.write(("\n" if first else ",\n") + _dump(self.rows.record(row)))
                        first = False
                    self.step(len(rows))
                    del rows  # one batch in memory at a time
                out.write("\n]")
            out.write(',\n"files": ' + _dump([{"path": p, "kind": k, "of": o, "mime_type": m}
                                                for p, k, _, o, m in self.files]))
            out.write("\n}\n")

    def _note(self, key: str, row: dict[str, Any]) -> None:
        """Remember what later entries need: the files (named in the row), and the few rows the PDF lists,
        their times in store time."""
        self.files += _name_files(key, row)
        if key in ("sales", "returns") and len(self.pdf_sales) < PDF_SALES:
            self.pdf_sales.append({**{k: row[k] for k in ("number", "kind", "status", "currency", "total_cents")},
                                   "completed_at": self.rows.time(row["completed_at"])})
        elif key == "consents" and len(self.pdf_consents) < PDF_CONSENTS:
            self.pdf_consents.append(self.rows.record(row))
        elif key == "privacy_requests":
            self.pdf_requests.append(self.rows.record(row))

    # ------------------------------------------------------------ CSVs

    def write_csvs(self, zf: zipfile.ZipFile, customer: dict[str, Any]) -> None:
        """One CSV per category and per kind of nested record, each with the schema's columns, rows or not."""

        def write(name: str, records: Any) -> None:
            header = csv_header(name)
            with _text(zf, name, "utf-8-sig") as out:
                w = csv.writer(out)
                w.writerow(header)
                for record in records:
                    w.writerow([_cell(k, record.get(k)) for k in header])

        write("profile.csv", [self.rows.record(customer)])
        children: dict[str, list[str]] = {}
        for key in _categories():
            write(f"{key}.csv", self._records(key, count=True))
            for child in _NESTED.get(key, ()):
                children.setdefault(child, []).append(key)
        # Lines, payments, stones and photos: a second read of their parents, one CSV each.
        for child, parents in children.items():
            write(_CHILD_CSV[child], (item for parent in parents for record in self._records(parent)
                                      for item in record[child]))
        write("files.csv", ({"path": p, "kind": k, "of": o, "mime_type": m} for p, k, _, o, m in self.files))

    def _records(self, key: str, *, count: bool = False) -> Any:
        """The category's records as exported, read again in batches (`count`: the progress counts them)."""
        for rows in self.reader.batches(key, self.customer_id):
            for row in rows:
                _name_files(key, row)
                yield self.rows.record(row)
            self.step(len(rows) if count else 0)
            del rows  # one batch in memory at a time

    # ------------------------------------------------------------ files/

    def write_files(self, zf: zipfile.ZipFile) -> None:
        for name, kind, source, _, _ in self.files:
            data = (self.reader.appraisal_photo(source) if kind == "appraisal_photo"
                    else self.reader.certificate_scan(source))
            if data is not None:
                # Photos and scans are compressed already: stored as they are.
                zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                            compress_type=zipfile.ZIP_STORED)
            self.step()


def _categories() -> tuple[str, ...]:
    return ROWS


def _name_files(key: str, row: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Name, in `row`, the file of each photo of an appraisal or of a certificate's scan (`scan_file` None
    without one); returns them as (path, kind, source id, of, mime type)."""
    named: list[tuple[str, str, str, str, str]] = []
    if key == "appraisals":
        for photo in row.get("photos", []):
            photo["file"] = (f"files/appraisals/{_safe(row['number'])}-v{row['version']}-photo-{photo['position']}"
                             f"-{photo['id'][:8]}.{_EXT.get(photo['mime_type'], 'bin')}")
            named.append((photo["file"], "appraisal_photo", photo["id"], f"{row['number']} v{row['version']}",
                          photo["mime_type"]))
    elif key == "certificates":
        row["scan_file"] = None
        if row.get("scan_mime_type"):
            row["scan_file"] = (f"files/certificates/{_safe(row['lab'])}-{_safe(row['report_number'])}-"
                                f"{row['id'][:8]}.{_EXT.get(row['scan_mime_type'], 'bin')}")
            named.append((row["scan_file"], "certificate_scan", row["id"], f"{row['lab']} {row['report_number']}",
                          row["scan_mime_type"]))
    return named


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


class _text:
    """A text stream into one new zip entry, flushed and closed on exit."""

    def __init__(self, zf: zipfile.ZipFile, name: str, encoding: str) -> None:
        self._raw: IO[bytes] = zf.open(name, "w", force_zip64=True)
        self._out = io.TextIOWrapper(self._raw, encoding=encoding, newline="")

    def __enter__(self) -> io.TextIOWrapper:
        return self._out

    def __exit__(self, *exc: object) -> None:
        self._out.close()


# ---------------------------------------------------------------- the PDF's content


def _pdf(store: StoreProfile, customer: dict[str, Any], cats: tuple[Category, ...],
         parties: dict[str, list[str]], writer: _ExportWriter, moment: dt.datetime, kind: str) -> bytes:
    from pos_app.documents.privacy_export_pdf import PrivacyExportDocument, render_privacy_export_pdf

    def money(cents: int | None, currency: str) -> str:
        return "" if cents is None else format_money(Money(int(cents), currency), store.locale)

    def yes(value: Any) -> str:
        return "yes" if value else "no"

    name = f"{customer.get('first_name') or ''} {customer.get('last_name') or ''}".strip()
    profile = (("Name", name), ("Email", customer.get("email") or ""), ("Phone", customer.get("phone") or ""),
               ("Billing address", customer.get("billing_address") or ""),
               ("Shipping address", customer.get("shipping_address") or ""),
               ("Confirmed 18 or older", yes(customer.get("adult_confirmed"))),
               ("Preferences", customer.get("preferences") or ""), ("Wishlist", customer.get("wishlist") or ""),
               ("Notes", customer.get("notes") or ""), ("Do not sell or share", yes(customer.get("do_not_sell"))),
               ("Processing restricted", yes(customer.get("restricted"))),
               ("Objects to direct marketing", yes(customer.get("marketing_objection"))),
               ("Customer since", (writer.rows.time(customer.get("created_at")) or "")[:10]))
    # Times in the store's time zone, as data.json gives them: "2026-10-09T10:53:00-05:00" -> "2026-10-09 10:53".
    consents = tuple((str(c["at"])[:16].replace("T", " "), c["purpose"].replace("_", " "),
                      "given" if c["granted"] else "withdrawn", c["channel"],
                      "" if c.get("policy_version") is None else f"v{c['policy_version']}")
                     for c in writer.pdf_consents)
    sales = tuple((str(s["completed_at"])[:10], s["number"], s["kind"], s["status"],
                   money(s["total_cents"], s["currency"])) for s in writer.pdf_sales)
    requests = tuple((str(r["received_on"]), r["type"].replace("_", " "), r["status"],
                      "" if r.get("completed_at") is None else str(r["completed_at"])[:10])
                     for r in writer.pdf_requests)
    counts = {**writer.counts, "profile": 1}
    contact = (store.address.replace("\n", ", "), display_phone(store.phone), store.email)
    return render_privacy_export_pdf(PrivacyExportDocument(
        store_name=store.name, store_contact=" · ".join(x for x in contact if x),
        privacy_contact=store.privacy_contact, customer_name=name, generated_on=str(writer.rows.time(moment))[:10],
        request_type=RequestType.of(kind).label, profile=profile,
        categories=tuple((c.title, counts.get(c.key, 0), c.holds, c.why, c.kept) for c in cats),
        third_parties=tuple((role, ", ".join(names)) for role, names in parties.items()),
        consents=consents, sales=sales,
        more_sales=max(0, writer.counts["sales"] + writer.counts["returns"] - len(sales)),
        requests=requests, files=len(writer.files)))

