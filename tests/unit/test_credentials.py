"""argon2id cost rules (OWASP minimums) and the recovery codes' shape."""

from __future__ import annotations

import pytest

from pos_app.domain import credentials
from pos_app.domain.errors import ValidationError


def test_argon2_costs_read_long_or_short_names_and_keep_defaults_for_the_rest() -> None:
    assert credentials.parse_argon2("") == credentials.ARGON2_DEFAULTS
    assert credentials.parse_argon2("t=3, m=65536") == {"time_cost": 3, "memory_cost": 65536, "parallelism": 1}
    assert credentials.parse_argon2("time_cost=1 memory_cost=47104 parallelism=2")["parallelism"] == 2


@pytest.mark.parametrize(("text", "field", "problem"), [
    ("memory_cost=19455", "security.argon2.memory_cost", "at least 19456 KiB with time_cost 2"),
    ("t=1 m=19456", "security.argon2.memory_cost", "at least 47104 KiB with time_cost 1"),
    ("t=0", "security.argon2.time_cost", "from 1 to 20"),
    ("p=0", "security.argon2.parallelism", "from 1 to 16"),
    ("m=-5", "security.argon2.memory_cost", "whole number"),
    ("salt=3", "security.argon2", "is not a cost"),
])
def test_argon2_costs_below_owasp_or_out_of_range_are_refused(text: str, field: str, problem: str) -> None:
    with pytest.raises(ValidationError) as refused:
        credentials.parse_argon2(text)
    assert refused.value.field == field and problem in refused.value.problem


def test_each_owasp_configuration_is_accepted() -> None:
    for memory, time in credentials.OWASP_ARGON2_MINIMUMS:
        assert credentials.check_argon2({"memory_cost": memory, "time_cost": time})["memory_cost"] == memory


def test_recovery_codes_are_ten_distinct_readable_codes() -> None:
    codes = credentials.new_recovery_codes()
    assert len(set(codes)) == credentials.RECOVERY_CODE_COUNT
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        assert not set(code) & set("01ilo")
        assert credentials.looks_like_recovery_code(code.upper().replace("-", " "))
    assert not credentials.looks_like_recovery_code("123456")
