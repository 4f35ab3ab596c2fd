"""What a person types for `--store` (or picks) becomes the inventory filter's store."""

from __future__ import annotations

import pytest

from pos_app.domain.errors import ValidationError
from pos_app.services.inventory import store_filter
from pos_app.services.ports.inventory import THIS_STORE, GroupStore

GROUP = (GroupStore("id-1", "S1", "Main Street", here=True), GroupStore("id-2", "S2", "Uptown", here=False))


@pytest.mark.parametrize(("typed", "store"), [
    ("", ""), ("all", ""), ("ALL", ""), ("here", THIS_STORE), ("this", THIS_STORE),
    ("S2", "id-2"), ("s2", "id-2"), ("uptown", "id-2"), (" Uptown ", "id-2"),
    ("S1", THIS_STORE), ("Main Street", THIS_STORE),
])
def test_a_store_is_named_by_code_or_name_and_this_store_is_here(typed: str, store: str) -> None:
    assert store_filter(typed, GROUP) == store


def test_a_store_outside_the_group_is_refused_naming_the_stores_there_are() -> None:
    with pytest.raises(ValidationError, match="S9.*S1, S2"):
        store_filter("S9", GROUP)


def test_a_store_in_no_group_has_no_other_store_to_list() -> None:
    assert store_filter("here", ()) == THIS_STORE
    with pytest.raises(ValidationError, match="in no sync group"):
        store_filter("S2", ())
