"""Pairing a Stripe Terminal reader by its registration code: the real SDK against the local Stripe server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_app import app, cli
from pos_app.domain.errors import NotFound, PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import payment_setup
from tests.conftest import actor_for, cli_login
from tests.stripe_server import FakeStripe


@pytest.fixture(autouse=True)
def no_stripe_key() -> Iterator[None]:
    """The test keyring is the session's: no Stripe key from another test before, none left after."""
    from pos_app.adapters.secrets import STRIPE_KEY_NAME, KeyringSecrets

    KeyringSecrets().delete(STRIPE_KEY_NAME)
    yield
    KeyringSecrets().delete(STRIPE_KEY_NAME)


def _keep_key(facet: app.Facet, server: FakeStripe) -> None:
    facet.keyring.store_stripe_key(server.secret_key)
    from pos_app.services import settings

    settings.change_setting("payments.api_base", server.url, uow=facet.uow(), actor=actor_for(facet, Role.OWNER))


def test_the_owner_pairs_the_simulated_reader_and_it_becomes_the_counters_reader(
        demo_facet: app.Facet, stripe_server: FakeStripe) -> None:
    _keep_key(demo_facet, stripe_server)
    reader = payment_setup.register_reader(" Simulated-WPE ", registry=demo_facet.reader_registry(),
                                           terminal=demo_facet.terminal, uow=demo_facet.uow(),
                                           actor=actor_for(demo_facet, Role.OWNER))
    assert reader.reader_id == stripe_server.reader_id and reader.device_type == "simulated_wisepos_e"
    assert stripe_server.registered_labels == ["Facet counter C1"]
    assert demo_facet.store.directory.setting("payments.reader_id", "") == stripe_server.reader_id
    terminal = demo_facet.card_terminal()
    assert terminal is not None and terminal.test_mode


def test_a_code_stripe_refuses_is_named_and_nothing_changes(demo_facet: app.Facet,
                                                            stripe_server: FakeStripe) -> None:
    _keep_key(demo_facet, stripe_server)
    with pytest.raises(ValidationError) as refused:
        payment_setup.register_reader("sepia-cerulean-aqua", registry=demo_facet.reader_registry(),
                                      terminal="C1", uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.OWNER))
    assert refused.value.field == "registration code" and "Invalid registration code" in refused.value.problem
    assert demo_facet.store.directory.setting("payments.reader_id", "") == ""
    with pytest.raises(ValidationError) as refused:
        payment_setup.register_reader("not a code!", registry=demo_facet.reader_registry(), terminal="C1",
                                      uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.OWNER))
    assert refused.value.field == "registration code"
    assert stripe_server.registered_labels == []


def test_without_a_key_the_owner_is_told_to_keep_one_first(demo_facet: app.Facet) -> None:
    with pytest.raises(NotFound, match="No Stripe key is kept yet"):
        payment_setup.register_reader("simulated-wpe", registry=demo_facet.reader_registry(), terminal="C1",
                                      uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.OWNER))


def test_a_manager_may_not_pair_a_reader(demo_facet: app.Facet, stripe_server: FakeStripe) -> None:
    _keep_key(demo_facet, stripe_server)
    with pytest.raises(PermissionDenied):
        payment_setup.register_reader("simulated-wpe", registry=demo_facet.reader_registry(), terminal="C1",
                                      uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.MANAGER))
    assert stripe_server.registered_labels == []


def test_pos_app_payments_register_reader(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                          stripe_server: FakeStripe) -> None:
    facet = app.open_facet(demo_dir)
    try:
        _keep_key(facet, stripe_server)
    finally:
        facet.close()
    cli_login(demo_dir)
    code = cli.main(["payments", "register-reader", "simulated-wpe", "--data-dir", str(demo_dir), "--json"])
    out, _ = capsys.readouterr()
    assert code == cli.EXIT_OK and json.loads(out)["reader_id"] == stripe_server.reader_id
    code = cli.main(["payments", "register-reader", "wrong-code-here", "--data-dir", str(demo_dir)])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_REFUSED and "registration code" in err and out == ""


def test_register_reader_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["payments", "register-reader", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: pos-app payments register-reader") and "--json" in out and "--location" in out
