"""The command line's number, day and time options: each refuses what no one means, naming the option.

`whole_number` makes a `type=` for `argparse.add_argument`. A value that is
not a whole number, is negative, or is absurdly large (`--limit
99999999999999999999999` once reached SQLite and ended in "unexpected
error"; `--limit -5` once listed everything) is argparse's usage error naming
the option, exit 2, before the store is opened.

The ranges match what the services accept (they check again: the GUI calls
them too), so the command line says it first, in the option's own name.
Days and times typed on the command line are checked by
`domain.store.typed_day` and `typed_moment` (1900 to 2999).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Callable

LIST_MAX = 100_000
"""The most rows a list command prints at once (the services' own ceiling)."""
AUDIT_LIST_MAX = 10_000
"""The most audit events `audit list` prints at once."""
VERSION_MAX = 1_000_000
"""No appraisal or privacy policy comes near this many versions."""

_WHOLE = re.compile(r"[+-]?[0-9]+")


def whole_number(minimum: int, maximum: int, *, zero: str | None = None) -> Callable[[str], int]:
    """A whole number from `minimum` to `maximum`; `zero`, when given, says what 0 means ("all") and lets
    0 through as well (only where the option's help says so)."""
    expected = f"a whole number from {minimum:,} to {maximum:,}" + (f", or 0 for {zero}" if zero else "")

    def number(text: str) -> int:
        value = text.strip()
        shown = value if len(value) <= 24 else value[:20] + "..."
        if not _WHOLE.fullmatch(value):
            raise argparse.ArgumentTypeError(f"{shown!r} is not a whole number: give {expected}")
        # Past 12 digits the value is out of range whatever it is; int() of thousands of digits even raises.
        digits = value.lstrip("+-").lstrip("0") or "0"
        number = int(value) if len(digits) <= 12 else (-1 if value.startswith("-") else maximum + 1)
        if number == 0 and zero:
            return 0
        if not minimum <= number <= maximum:
            raise argparse.ArgumentTypeError(f"{shown} is out of range: give {expected}")
        return number

    return number


def cli_moment(text: str, option: str, zone: str) -> dt.datetime:
    """A time on the command line: YYYY-MM-DD (midnight, store time) or an ISO time; store time unless it
    names its own zone."""
    from zoneinfo import ZoneInfo

    from pos_app.domain.store import typed_moment

    moment = typed_moment(text, field=option)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


def cli_day(text: str, option: str) -> dt.date:
    """A day on the command line (YYYY-MM-DD), from 1900 to 2999."""
    from pos_app.domain.store import typed_day

    return typed_day(text, field=option)


def cli_date(text: str | None, option: str) -> dt.date | None:
    """A day on the command line (YYYY-MM-DD), or None when the option was not given."""
    return None if text is None else cli_day(text, option)
