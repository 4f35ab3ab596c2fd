"""The privacy export's documented form: its JSON Schema, and each stored row as the customer reads it.

The schema, `resources/privacy-export.schema.json` (JSON Schema draft
2020-12), is the contract: it validates `data.json`, lists every file of the
zip under `x-files`, names the record (`$defs`) each CSV's rows follow, and
describes every field with its type and unit. Every zip carries a copy as
`schema.json`. The CSV headers are read from it, so a CSV of a category with
no records still has its columns.

The store keeps coded units; the export writes human ones (`Rows.record`):

- money: `total_cents` 1085511 becomes `total` "10855.11", a decimal string in
  the record's `currency` (lines, payments and cash reports carry one too);
- carats: `carat_points` 121 becomes `carat` "1.21"; grams: `gram_weight_cg`
  642 becomes `gram_weight_g` "6.42"; inches: `chain_length_tenths` 180
  becomes `chain_length_in` "18";
- times: stored UTC becomes ISO 8601 in the store's time zone with its
  offset, to the second ("2026-10-09T10:53:00-05:00");
Carts are the exception, written as the point of sale keeps them (their
amounts in cents); the schema says so.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from pos_app import paths
from pos_app.domain.jewelry import centigrams_text, points_text, tenths_text
from pos_app.domain.money import Money

SCHEMA_FILE = "privacy-export.schema.json"
SCHEMA_IN_ZIP = "schema.json"

# Stored name -> exported name, for amounts in cents.
_MONEY = {"subtotal_cents": "subtotal", "discount_cents": "discount", "tax_cents": "tax", "total_cents": "total",
          "unit_price_cents": "unit_price", "list_price_cents": "list_price", "amount_cents": "amount",
          "tendered_cents": "tendered", "value_cents": "value", "cash_cents": "cash",
          "twelve_month_cents": "cash_12_months"}
_UNITS: dict[str, tuple[str, Callable[[int], str]]] = {
    "carat_points": ("carat", points_text), "gram_weight_cg": ("gram_weight_g", centigrams_text),
    "chain_length_tenths": ("chain_length_in", tenths_text)}
# Stored UTC times (text as the store keeps it, "2026-10-09 15:53:00.000000").
_TIMES = frozenset({"at", "created_at", "updated_at", "erased_at", "completed_at", "voided_at", "finalized_at",
                    "verified_at", "generated_at"})
# A record's own lists of records: a sale's lines and payments, an appraisal's stones and photos.
_NESTED = frozenset({"lines", "payments", "stones", "photos"})


@cache
def schema() -> dict[str, Any]:
    """The export's JSON Schema, as shipped with Facet (read once)."""
    return dict(json.loads(paths.resource(SCHEMA_FILE).read_text(encoding="utf-8")))


def schema_bytes() -> bytes:
    """The schema file as shipped: what each zip carries as `schema.json`."""
    return paths.resource(SCHEMA_FILE).read_bytes()


def csv_header(file: str) -> list[str]:
    """The columns of `file` (say "sales.csv"): its record's fields in order, less those holding lists."""
    ref = schema()["x-files"][file]["record"]
    record = schema()["$defs"][ref.rsplit("/", 1)[1]]
    return [name for name, field in record["properties"].items() if field.get("type") != "array"]


class Rows:
    """Turns stored rows into exported records, for one store's time zone and currency."""

    def __init__(self, time_zone: str, currency: str) -> None:
        self.zone = ZoneInfo(time_zone)
        self.currency = currency

    def time(self, stored: Any) -> str | None:
        """A stored UTC time (text or datetime) in store time with its offset; None stays None."""
        if stored is None:
            return None
        moment = stored if isinstance(stored, dt.datetime) else dt.datetime.fromisoformat(str(stored))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.zone).isoformat(timespec="seconds")

    def record(self, row: dict[str, Any], *, currency: str | None = None) -> dict[str, Any]:
        """`row` with human units, in the same order; nested lists (a sale's lines ...) are converted too,
        in the parent's currency. Fields that need no conversion pass as they are."""
        money_in = str(row.get("currency") or currency or self.currency)
        out: dict[str, Any] = {}
        for name, value in row.items():
            if name in _MONEY:
                out[_MONEY[name]] = None if value is None else Money(int(value), money_in).plain()
            elif name in _UNITS:
                new, text = _UNITS[name]
                out[new] = None if value is None else text(int(value))
            elif name in _TIMES:
                out[name] = self.time(value)
            elif name in _NESTED and isinstance(value, list):
                out[name] = [self.record(v, currency=money_in) for v in value]
            else:
                out[name] = value
        return out
