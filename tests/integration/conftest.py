"""Fixtures the counter's integration tests share: people of the demo store, the counter's settings, an open
drawer. Each is built on the test's own copy of the demo store (`demo_facet`)."""

from __future__ import annotations

import pytest

from pos_app import app
from pos_app.domain.money import Money
from pos_app.domain.permissions import Actor, Role
from pos_app.services import cash, checkout
from tests.conftest import actor_for


@pytest.fixture
def clerk(demo_facet: app.Facet) -> Actor:
    return actor_for(demo_facet, Role.CLERK)


@pytest.fixture
def manager(demo_facet: app.Facet) -> Actor:
    return actor_for(demo_facet, Role.MANAGER)


@pytest.fixture
def settings(demo_facet: app.Facet) -> checkout.CounterSettings:
    return checkout.counter_settings(demo_facet.store.directory, demo_facet.terminal)


@pytest.fixture
def shift(demo_facet: app.Facet, clerk: Actor) -> str:
    """The clerk's cash drawer shift, opened with a $200 float."""
    return cash.open_shift(Money(20000), uow=demo_facet.uow(), actor=clerk)
