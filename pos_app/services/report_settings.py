"""The settings manager reports read, which the owner sets: commission rules and aging cut-offs.

- `reports.commission_rules`: what each salesperson earns (`domain/commission.py`), read by the
  `salespeople` report.
- `reports.aging_months`: the aging report's cut-offs in whole months, ascending (default 6, 12).

Changing either is the owner's (Permission.MANAGE_SETTINGS) and goes through `services/settings.py`,
so it is checked the same way from the Settings page ("Reports") and `pos-app settings commission | aging`,
and each change is an audit event. Reading them is for whoever may read the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pos_app.domain.commission import (
    AGING_SETTING,
    DEFAULT_AGING_MONTHS,
    RULES_SETTING,
    CommissionRule,
    parse_aging_months,
    parse_rules,
)
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Actor, Permission
from pos_app.services import settings as store_settings
from pos_app.services.guard import requires
from pos_app.services.ports.settings import DirectoryReader
from pos_app.services.ports.uow import UnitOfWork


@dataclass(frozen=True)
class ReportSettings:
    commission_rules: tuple[CommissionRule, ...]
    aging_months: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {RULES_SETTING: [r.to_dict() for r in self.commission_rules],
                AGING_SETTING: list(self.aging_months)}


def commission_rules(reader: DirectoryReader) -> tuple[CommissionRule, ...]:
    """The rules as saved (checked again: a value that no longer reads is reported, naming the setting)."""
    return parse_rules(reader.setting(RULES_SETTING, []) or [])


def aging_months(reader: DirectoryReader) -> tuple[int, ...]:
    """The aging cut-offs as saved; the default (6, 12) when none were set."""
    stored = reader.setting(AGING_SETTING, None)
    if not stored:
        return DEFAULT_AGING_MONTHS
    try:
        return tuple(parse_aging_months(stored))
    except ValidationError:
        return DEFAULT_AGING_MONTHS


@requires(Permission.VIEW_SALES_REPORTS)
def report_settings(*, reader: DirectoryReader, actor: Actor, uow: UnitOfWork) -> ReportSettings:
    return ReportSettings(commission_rules(reader), aging_months(reader))


@requires(Permission.MANAGE_SETTINGS)
def set_commission_rules(text: str, *, uow: UnitOfWork, actor: Actor) -> tuple[CommissionRule, ...]:
    """Check and save the commission rules typed ("all: 5% of sales; tennis: 12.5% of margin"); audited."""
    saved = store_settings.change_setting(RULES_SETTING, text, uow=uow, actor=actor)
    return parse_rules(saved)


@requires(Permission.MANAGE_SETTINGS)
def set_aging_months(text: str, *, uow: UnitOfWork, actor: Actor) -> tuple[int, ...]:
    """Check and save the aging cut-offs typed ("6, 12"); audited."""
    return tuple(store_settings.change_setting(AGING_SETTING, text, uow=uow, actor=actor))
