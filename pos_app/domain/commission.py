"""Salespeople who share a sale, and the commission the owner pays them.

A fine-jewelry sale is often a team's: one associate shows the tennis
necklaces, another closes, a third brings the customer back for the halo.
At checkout the clerk names who sold it: one to four distinct staff members,
each with a share in whole percent (or basis points) of the sale, the shares
adding up to 100%. The sale keeps them as consecutive slices of 10,000 basis
points (`Credit`: 0 to 6,000, 6,000 to 10,000), which is how `sale_credits`
stores them and how `domain/figures.py` `split` divides any amount of the sale
between them exactly. A sale nobody else shared keeps no slices: it is its
clerk's alone.

Commission rules (setting `reports.commission_rules`): each pays a percent
(0 to 100, at most two decimals) of net sales (`sales`) or of gross profit
(`margin`), either for one style or for every style (`style` None). For a
style, its own rule beats the all-styles rule; a style with no rule earns
nothing.

    commission of a salesperson = sum over styles s of
        round_half_up(percent(s) / 100 x basis(s))

where basis(s) is the salesperson's credited net sales (or gross profit) of
style s over the period, in cents; each style's product is rounded half up
(away from zero) to the cent before the sum.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pos_app.domain.errors import ValidationError
from pos_app.domain.figures import BASIS_POINTS
from pos_app.domain.jewelry import Style

MAX_SALESPEOPLE = 4
SALESPEOPLE_FIELD = "salespeople"
RULES_SETTING = "reports.commission_rules"
AGING_SETTING = "reports.aging_months"
DEFAULT_AGING_MONTHS = (6, 12)


# ------------------------------------------------------------------ shares of a sale


@dataclass(frozen=True)
class Credit:
    """One salesperson's slice of a sale, in basis points out of 10,000 (`sale_credits`' row)."""

    staff_id: str
    share_from_bp: int
    share_to_bp: int
    name: str = ""  # for the receipt and the screen; not stored with the sale

    @property
    def share_bp(self) -> int:
        return self.share_to_bp - self.share_from_bp

    @property
    def percent_text(self) -> str:
        """"60%" or "33.34%": the share as a person reads it."""
        value = (Decimal(self.share_bp) / 100).normalize()
        return f"{value:f}%"


def parse_share(text: str, *, field: str = SALESPEOPLE_FIELD) -> int:
    """A share typed as a percent ("60", "60%", "33.34") into basis points; refuses anything else."""
    cleaned = text.strip().rstrip("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(field, f"{text.strip() or 'an empty share'!r} is not a percentage such as 50") from None
    if not value.is_finite() or value <= 0 or value > 100:
        raise ValidationError(field, "each share is more than 0% and at most 100%")
    bp = value * 100
    if bp != bp.to_integral_value():
        raise ValidationError(field, "a share has at most two decimals (33.33)")
    return int(bp)


def equal_shares(count: int) -> list[int]:
    """`count` shares in whole percent, as equal as they go, the remainder to the first: 3 -> 34, 33, 33."""
    if not 1 <= count <= MAX_SALESPEOPLE:
        raise ValidationError(SALESPEOPLE_FIELD, f"a sale is shared by 1 to {MAX_SALESPEOPLE} salespeople")
    base, left = divmod(100, count)
    return [(base + left if i == 0 else base) * 100 for i in range(count)]


def credits_of(picks: Sequence[tuple[str, int]], *, names: Mapping[str, str] | None = None,
               field: str = SALESPEOPLE_FIELD) -> tuple[Credit, ...]:
    """The slices of a sale from (staff id, share in basis points) in the order picked.

    1 to 4 distinct people, each share above zero, the shares adding up to 10,000 (100%): anything else
    raises ValidationError naming `field`. Slices are consecutive from 0."""
    if not picks:
        raise ValidationError(field, "name at least one salesperson")
    if len(picks) > MAX_SALESPEOPLE:
        raise ValidationError(field, f"a sale is shared by at most {MAX_SALESPEOPLE} salespeople, not {len(picks)}")
    seen: set[str] = set()
    for staff_id, share in picks:
        if not staff_id:
            raise ValidationError(field, "each salesperson is a staff member")
        if staff_id in seen:
            who = (names or {}).get(staff_id) or staff_id
            raise ValidationError(field, f"{who} is named twice")
        seen.add(staff_id)
        if share <= 0:
            raise ValidationError(field, "each share is more than 0%")
    total = sum(share for _, share in picks)
    if total != BASIS_POINTS:
        raise ValidationError(field, f"the shares add up to {Decimal(total) / 100:f}%, not 100%")
    out, start = [], 0
    for staff_id, share in picks:
        out.append(Credit(staff_id, start, start + share, (names or {}).get(staff_id, "")))
        start += share
    return tuple(out)


def check_slices(credits: Sequence[Credit], *, field: str = SALESPEOPLE_FIELD) -> None:
    """Slices as a sale stores them: 1 to 4 distinct people, consecutive from 0 to 10,000 (a stored journal or
    a copied return is checked again before it is written)."""
    credits_of([(c.staff_id, c.share_bp) for c in credits], field=field)
    start = 0
    for c in credits:
        if c.share_from_bp != start or c.share_to_bp <= c.share_from_bp:
            raise ValidationError(field, "the shares are not consecutive slices of the sale")
        start = c.share_to_bp


def sold_by(credits: Sequence[Credit]) -> str:
    """"A 60%, B 40%": who shared a sale, as the receipt prints it ("" for a sale not shared)."""
    if len(credits) < 2:
        return ""
    return ", ".join(f"{c.name or c.staff_id} {c.percent_text}" for c in credits)


def credits_to_list(credits: Iterable[Credit]) -> list[dict[str, Any]]:
    return [{"staff_id": c.staff_id, "from_bp": c.share_from_bp, "to_bp": c.share_to_bp, "name": c.name}
            for c in credits]


def credits_from_list(data: Iterable[Mapping[str, Any]] | None) -> tuple[Credit, ...]:
    return tuple(Credit(str(d["staff_id"]), int(d["from_bp"]), int(d["to_bp"]), str(d.get("name") or ""))
                 for d in data or ())


# ------------------------------------------------------------------ commission rules


class Basis(StrEnum):
    SALES = "sales"  # net sales credited to the salesperson
    MARGIN = "margin"  # gross profit credited to the salesperson

    @property
    def label(self) -> str:
        return "net sales" if self is Basis.SALES else "gross profit"


ALL_STYLES = "all"


@dataclass(frozen=True)
class CommissionRule:
    """`percent` of `basis` for `style` (None: every style without a rule of its own)."""

    style: str | None
    basis: Basis
    percent: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"style": self.style, "basis": self.basis.value, "percent": str(self.percent)}

    def text(self) -> str:
        """"tennis: 12.5% of margin": the form a person types and the Settings page shows."""
        return f"{self.style or ALL_STYLES}: {self.percent.normalize():f}% of {self.basis.value}"


def _percent(text: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(text).strip().rstrip("%").strip())
    except InvalidOperation:
        raise ValidationError(field, f"{text!r} is not a percentage such as 5 or 12.5") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValidationError(field, "a commission is from 0% to 100%")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(field, "a commission has at most two decimals")
    return value.quantize(Decimal("0.01"))


def _style(text: Any, field: str) -> str | None:
    value = str(text or "").strip()
    if value.lower() in ("", ALL_STYLES, "all styles", "*"):
        return None
    try:
        return Style.parse(value, field=field).value
    except ValidationError:
        known = ", ".join(s.value for s in Style)
        raise ValidationError(field, f"{value!r} is not a style; the styles are {known}, or all") from None


def _basis(text: Any, field: str) -> Basis:
    value = str(text or "").strip().lower()
    if value in ("sales", "net sales"):
        return Basis.SALES
    if value in ("margin", "gross profit", "profit"):
        return Basis.MARGIN
    raise ValidationError(field, f"{value or 'nothing'!r} is not a basis: commission is of sales or of margin")


def parse_rules(value: str | Sequence[Any], *, field: str = RULES_SETTING) -> tuple[CommissionRule, ...]:
    """Commission rules from what a person typed or a stored JSON list.

    Text: one rule per line (or separated by ";"), each `STYLE: PERCENT% of sales|margin`, STYLE a style
    or "all": "all: 5% of sales; tennis: 12.5% of margin". A JSON list of {"style", "basis", "percent"}
    is read too. At most one rule per style (and one for all styles); empty text means no commission."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                loaded = json.loads(stripped)
            except ValueError:
                raise ValidationError(field, "is not a JSON list of rules") from None
            return parse_rules(loaded, field=field)
        items: list[Any] = [part.strip() for chunk in stripped.splitlines() for part in chunk.split(";")
                            if part.strip()]
    else:
        items = list(value)
    rules: list[CommissionRule] = []
    for n, item in enumerate(items, start=1):
        where = f"{field} (rule {n})"
        if isinstance(item, Mapping):
            rule = CommissionRule(_style(item.get("style"), where), _basis(item.get("basis"), where),
                                  _percent(item.get("percent"), where))
        elif isinstance(item, str):
            style_text, colon, rest = item.partition(":")
            if not colon:
                raise ValidationError(where, f"{item!r} reads STYLE: PERCENT% of sales (or of margin)")
            percent_text, of, basis_text = rest.strip().partition(" of ")
            if not of:
                raise ValidationError(where, f"{item!r} says what it is a percent of: \"5% of sales\"")
            rule = CommissionRule(_style(style_text, where), _basis(basis_text, where), _percent(percent_text, where))
        else:
            raise ValidationError(where, "is a rule such as \"tennis: 12.5% of margin\"")
        if any(r.style == rule.style for r in rules):
            raise ValidationError(where, f"{rule.style or 'all styles'} has a rule already")
        rules.append(rule)
    return tuple(rules)


def rules_text(rules: Iterable[CommissionRule]) -> str:
    return "\n".join(rule.text() for rule in rules)


def rule_for(style: str, rules: Sequence[CommissionRule]) -> CommissionRule | None:
    """The rule that pays on `style`: its own, else the all-styles rule, else none."""
    own = next((r for r in rules if r.style == style), None)
    return own or next((r for r in rules if r.style is None), None)


def commission(by_style: Mapping[str, tuple[int, int]], rules: Sequence[CommissionRule]) -> int:
    """A salesperson's commission in cents from {style: (net sales, gross profit)} credited to them.

    Sum over styles of round_half_up(percent / 100 x basis) (module docstring); a style without a rule
    earns nothing. A period with more returned than sold gives a negative basis and so a negative part."""
    total = 0
    for style, (net_sales, gross_profit) in by_style.items():
        rule = rule_for(style, rules)
        if rule is None:
            continue
        basis = net_sales if rule.basis is Basis.SALES else gross_profit
        total += int((rule.percent * basis / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return total


# ------------------------------------------------------------------ aging cut-offs


def parse_aging_months(value: str | Sequence[Any], *, field: str = AGING_SETTING) -> list[int]:
    """Aging cut-offs in whole months, ascending, each 1 to 120: "6, 12" -> [6, 12] (buckets under 6, 6 to 12,
    over 12). One to five cut-offs."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                return parse_aging_months(json.loads(stripped), field=field)
            except ValueError:
                raise ValidationError(field, "is not a list of months") from None
        parts: list[Any] = [p.strip() for p in stripped.replace(";", ",").split(",") if p.strip()]
    else:
        parts = list(value)
    if not 1 <= len(parts) <= 5:
        raise ValidationError(field, "name one to five cut-offs in months, such as 6, 12")
    months = []
    for part in parts:
        text = str(part).strip()
        if not text.isdigit() or not 1 <= int(text) <= 120:
            raise ValidationError(field, f"{text!r} is not a whole number of months from 1 to 120")
        months.append(int(text))
    if any(b <= a for a, b in zip(months, months[1:])):
        raise ValidationError(field, "the cut-offs go up: 6, 12 (each more than the one before)")
    return months
