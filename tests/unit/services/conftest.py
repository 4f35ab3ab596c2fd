"""The fast service tier: service rules on the in-memory fakes of tests/fakes/, no store, no Qt.

Every test here is marked `service_rules` (run them alone with `pytest -m service_rules`, or
`pytest tests/unit/services`); `uow` is a set-up fake store with one person of each role.
"""

from __future__ import annotations

import pytest

from tests.fakes.builders import fake_store
from tests.fakes.uow import FakeUnitOfWork


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "service_rules: a service rule tested on in-memory fakes (no store)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = __file__.rsplit("/", 1)[0]
    for item in items:
        if str(item.path).startswith(here + "/"):
            item.add_marker(pytest.mark.service_rules)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return fake_store()
