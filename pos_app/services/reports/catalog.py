"""Every manager report by name, and `run`: the one way the screen and `pos-app reports` make one.

A report module registers a builder with `@report(...)`: given what was asked
(`ReportRequest`, its period already settled) and a `ReportContext`, it
returns the tables. `run` checks who is asking, settles the period and the
grouping, refuses what the report does not offer (naming the field), builds
the report, and removes the cost columns for whoever may not see cost. The
figures themselves come from `domain/figures.py` through the store's
`reports` reader, so the screen, the command line, the CSV and the PDF
show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pos_app.domain.errors import ValidationError
from pos_app.domain.figures import Period, month_of
from pos_app.domain.permissions import Actor, Permission
from pos_app.domain.store import store_today
from pos_app.services.guard import requires
from pos_app.services.ports.reports import Report, ReportRequest, Table
from pos_app.services.ports.settings import StoreProfile
from pos_app.services.ports.store import Store
from pos_app.services.ports.uow import UnitOfWork

LONGEST = 3 * 366
"""The longest period a report reads, in days: three years."""


def month_to_date(today: dt.date) -> Period:
    return Period(month_of(today), today)


def just_today(today: dt.date) -> Period:
    return Period(today, today)


def last_twelve_months(today: dt.date) -> Period:
    start = today.replace(day=1)
    for _ in range(11):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return Period(start, today)


@dataclass(frozen=True)
class ReportContext:
    """What a builder may use: the store handle (its readers), the store's profile, who is asking."""

    store: Store
    profile: StoreProfile
    actor: Actor
    today: dt.date

    @property
    def timezone(self) -> str:
        return self.profile.timezone

    @property
    def show_cost(self) -> bool:
        return self.actor.can(Permission.VIEW_COST)

    def setting(self, key: str, default: Any = None) -> Any:
        return self.store.directory.setting(key, default)


Builder = Callable[[ReportRequest, Period, ReportContext], tuple[str, tuple[Table, ...]]]
"""(request with its grouping settled, period, context) -> (title, tables)."""


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    summary: str  # one line for --help, the chooser and the README: what it shows and its formula
    build: Builder
    bys: tuple[str, ...] = ()  # the groupings it offers; the first is the default
    default_period: Callable[[dt.date], Period] = month_to_date
    filter_keys: tuple[str, ...] = ()  # the filters it takes (style=..., metal=...)
    at_a_date: bool = False  # reads one day (`--to`): inventory valuation; `--from` is refused

    @property
    def default_by(self) -> str | None:
        return self.bys[0] if self.bys else None


REPORTS: dict[str, ReportSpec] = {}
"""Every report, in the order the chooser and `pos-app reports --help` list them."""


def report(name: str, title: str, summary: str, *, bys: tuple[str, ...] = (),
           default_period: Callable[[dt.date], Period] = month_to_date, filter_keys: tuple[str, ...] = (),
           at_a_date: bool = False) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        if name in REPORTS:
            raise RuntimeError(f"report {name!r} registered twice")
        REPORTS[name] = ReportSpec(name, title, summary, build, bys, default_period, filter_keys, at_a_date)
        return build

    return register


def spec(name: str) -> ReportSpec:
    _load()
    found = REPORTS.get(name)
    if found is None:
        raise ValidationError("report", f"there is no report {name!r}; the reports are: {', '.join(REPORTS)}")
    return found


def names() -> list[str]:
    _load()
    return list(REPORTS)


def settle(request: ReportRequest, today: dt.date) -> tuple[ReportSpec, ReportRequest, Period]:
    """The report asked for, with its grouping and period filled in and checked (nothing is read)."""
    found = spec(request.name)
    by = request.by or found.default_by
    if request.by is not None and request.by not in found.bys:
        offered = ", ".join(found.bys) if found.bys else "no grouping"
        raise ValidationError("by", f"{request.name} offers {offered}, not {request.by!r}")
    for key, _ in request.filters:
        if key not in found.filter_keys:
            offered = ", ".join(found.filter_keys) if found.filter_keys else "no filter"
            raise ValidationError("filter", f"{request.name} takes {offered}, not {key!r}")
    if found.at_a_date:
        if request.first is not None:
            raise ValidationError("from", f"{request.name} is at one date: give only --to")
        at = request.last or today
        period = Period(at, at)
    else:
        default = found.default_period(today)
        first = request.first or (default.first if request.last is None else request.last.replace(day=1))
        last = request.last or (default.last if request.first is None else max(first, today))
        if last < first:
            raise ValidationError("to", f"{last.isoformat()} is before the first day, {first.isoformat()}")
        period = Period(first, last)
    if period.days > LONGEST:
        raise ValidationError("from", f"a report covers at most three years ({period.days:,} days asked)")
    if period.last > today:
        raise ValidationError("to", f"{period.last.isoformat()} has not happened yet (today is {today.isoformat()})")
    return found, ReportRequest(request.name, period.first, period.last, by, request.filters), period


@requires(Permission.VIEW_SALES_REPORTS)
def run(request: ReportRequest, *, store: Store, actor: Actor, uow: UnitOfWork,
        now: dt.datetime | None = None) -> Report:
    """Make the report asked for. Owner and managers; cost columns only for who may see cost."""
    profile = store.directory.store()
    if profile is None:
        raise ValidationError("store", "the store is not set up yet")
    moment = now or dt.datetime.now(dt.UTC)
    today = store_today(profile.timezone, moment)
    found, settled, period = settle(request, today)
    context = ReportContext(store, profile, actor, today)
    title, tables = found.build(settled, period, context)
    filters: list[tuple[str, str]] = (
        [("At", period.last.isoformat())] if found.at_a_date
        else [("From", period.first.isoformat()), ("To", period.last.isoformat())])
    if settled.by:
        filters.append(("By", settled.by))
    filters += [(key.replace("_", " ").capitalize(), value) for key, value in settled.filters]
    made = Report(name=found.name, title=title, store=profile.name, currency=profile.currency,
                  locale=profile.locale, timezone=profile.timezone, filters=tuple(filters), tables=tables,
                  made_at=moment)
    return made if context.show_cost else made.without_cost()


_loaded = False


def _load() -> None:
    """Import every report module once (each registers its reports)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for module in _MODULES:
        importlib.import_module(f"pos_app.services.reports.{module}")


_MODULES: tuple[str, ...] = ("sales", "salespeople", "stock", "tax", "end_of_day")
"""The report modules, in the order their reports are listed."""
