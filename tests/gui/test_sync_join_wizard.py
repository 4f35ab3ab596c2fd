"""Joining a store group from the first-run wizard, by keys, against a real central PostgreSQL.

A group is the demo store after `central_init` (S1, its first counter S1-C1); the owner's tokens come from
`sync_group.add_counter`, as `pos-app central add-counter` makes them. The new counter is the wizard on an
empty data folder: Alt+J on the store page, central's address and the token, Enter asks central what they
join (nothing written), Enter joins with a progress bar, Enter again opens the store at its sign-in screen.
Every refusal is the command line's own message (what `join_group` says for the same input), shown under
its field, with nothing written. Set FACET_DIALOG_PNG to a folder to keep a picture of each page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from psycopg.conninfo import make_conninfo
from PySide6.QtCore import Qt

from pos_app import app
from pos_app.adapters.central import Credentials, make_token, read_token
from pos_app.adapters.secrets import database_key_name, sync_login_name
from pos_app.domain.errors import UserFacingError
from pos_app.domain.permissions import Role
from pos_app.gui import first_run
from pos_app.gui.first_run import FirstRunWizard
from pos_app.gui.sell.payment import PaymentDialog
from pos_app.gui.sell.view import SellView
from pos_app.gui.sync.join_page import JoinedPage, JoiningPage, JoinPage
from pos_app.services.setup import setup_pending
from pos_app.sync_group import add_counter, join_group
from tests.gui.conftest import first_run_shown, focused, main_window, press, snap
from tests.gui.test_counter_flows import _dialog, _scan
from tests.gui.test_counter_rough_edges import _barcodes, _counter
from tests.gui.test_first_run_wizard import alt_n, on_page, type_text
from tests.integration.sync_helpers import counter_url, one, sync_now
from tests.postgres_server import free_port

ALT = Qt.KeyboardModifier.AltModifier
PASSWORD = "correct horse 1"


@pytest.fixture
def group(demo_dir: Path, central_database: Any) -> Iterator[tuple[app.Facet, str]]:
    """(the group's first counter S1-C1, over the demo store; central's URL as a counter is given it)."""
    first = app.open_facet(demo_dir)
    try:
        first.sync().central_init(central_database.url)
        yield first, counter_url(central_database.url)
    finally:
        first.close()


@pytest.fixture
def new_counter(qtbot: Any, tmp_path: Path) -> Iterator[FirstRunWizard]:
    """The first-run wizard on an empty data folder, shown, its first page focused; after the test, quit and its
    store (if the test left it open) closed."""
    with first_run_shown(qtbot, tmp_path / "new-counter") as shown:
        assert isinstance(shown, FirstRunWizard)
        yield shown


def token_for(central_database: Any, first: app.Facet, store_name: str | None = None) -> str:
    """The owner's token for a new counter of the demo store, or of a new store named `store_name`."""
    if store_name is None:
        return add_counter(central_database.url, one(first, "SELECT id FROM stores"), first.profile.name)[2]
    return add_counter(central_database.url, None, store_name)[2]


def data_dir_of(w: FirstRunWizard) -> Path:
    assert w.data_dir is not None
    return w.data_dir


def nothing_written(w: FirstRunWizard) -> bool:
    """No store file, no key and no central login of the wizard's data folder."""
    keyring = app.secrets()
    folder = data_dir_of(w)
    return (not app.store_exists(folder) and keyring.get(database_key_name(folder)) is None
            and keyring.get(sync_login_name(folder)) is None)


def enrolled(central_database: Any, token: str) -> bool:
    """Central took the token (its counter is enrolled)."""
    with central_database.connect() as conn:
        row = conn.execute("SELECT enrolled_at IS NOT NULL FROM facet.counters WHERE role_name = %s",
                           (read_token(token).role,)).fetchone()
    return bool(row[0])


def cli_refusal(tmp_path: Path, url: str, token: str) -> str:
    """What the command line (`pos-app sync join URL --token T`, i.e. join_group) says for this input."""
    with pytest.raises(UserFacingError) as refused:
        join_group(tmp_path / "cli-try", url, token)
    return str(refused.value)


def changed(url: str, **parts: str) -> str:
    """Central's URL with some of its parts changed."""
    return make_conninfo(url, **parts)


def cash_sale_by_keys(qtbot: Any, sell: SellView, facet: app.Facet, code: str) -> str:
    """Scan `code`, F9, Enter (exactly what is due, in cash); the sale's number."""
    _scan(qtbot, code)
    press(qtbot, Qt.Key.Key_F9)
    pay = _dialog(qtbot, sell, PaymentDialog)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not shiboken6.isValid(pay) or not pay.isVisible(), timeout=10_000)  # closed, or gone
    qtbot.waitUntil(lambda: focused() is sell.form.scan_edit, timeout=5_000)
    return str(facet.store.sales.sales(limit=1)[0].number)


def open_join_page(qtbot: Any, w: FirstRunWizard) -> JoinPage:
    """Alt+J on the store page: the join page, the address field first."""
    assert w.currentId() == first_run.STORE
    press(qtbot, Qt.Key.Key_J, ALT)
    on_page(qtbot, w, first_run.JOIN)
    page = w.currentPage()
    assert isinstance(page, JoinPage)
    assert focused() is page.form.central_edit and w.windowTitle() == "Facet — join a store group"
    return page


def ask(qtbot: Any, w: FirstRunWizard, url: str, token: str) -> None:
    """Type (over what is there) the address, Tab, the token, Enter: central is asked."""
    page = w.page(first_run.JOIN)
    assert isinstance(page, JoinPage)
    page.form.central_edit.setFocus()
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, url)
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is page.form.token_edit
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, token)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.busy, timeout=20_000)


def refused_on(qtbot: Any, w: FirstRunWizard, field: str) -> str:
    """The page stayed; the problem is under `field` ("central" or "token"), which has the keyboard."""
    page = w.currentPage()
    assert isinstance(page, JoinPage) and w.currentId() == first_run.JOIN
    f = page.form
    shown, other = (f.token_problem_label, f.central_problem_label) if field == "token" else \
        (f.central_problem_label, f.token_problem_label)
    assert shown.property("problem") and other.text() == ""
    assert focused() is (f.token_edit if field == "token" else f.central_edit)
    assert nothing_written(w)
    return str(shown.text())


def join_by_keys(qtbot: Any, w: FirstRunWizard) -> JoiningPage:
    """On the page that shows what is joined: Enter joins; the bar moves; the result page follows."""
    page = w.currentPage()
    assert isinstance(page, JoiningPage)
    press(qtbot, Qt.Key.Key_Return)
    assert page.form.progress_bar.isVisible() and page.form.cancel_button.isVisible()
    snap(w, "join-3-progress")
    on_page(qtbot, w, first_run.JOINED)
    qtbot.waitUntil(lambda: focused() is w.button(w.WizardButton.FinishButton))  # Enter: go to sign-in
    assert page.form.progress_bar.value() == page.form.progress_bar.maximum() > 0
    return page


def test_a_new_counter_joins_by_keys_and_its_clerk_signs_in_and_sells_a_sale_the_group_sees(
        qtbot: Any, new_counter: FirstRunWizard, group: tuple[app.Facet, str], central_database: Any) -> None:
    first, url = group
    token = token_for(central_database, first)
    w = new_counter
    open_join_page(qtbot, w)
    snap(w, "join-1-address-and-token")
    ask(qtbot, w, url, token)

    # What is about to be joined, from the token and central, before anything is written anywhere.
    on_page(qtbot, w, first_run.JOINING)
    joining = w.currentPage()
    assert isinstance(joining, JoiningPage)
    f = joining.form
    assert f.store_value.text() == "Jane Ellen (S1)"
    assert f.counter_value.text().startswith("S1-C2")
    assert f.central_value.text().startswith("127.0.0.1:") and "Copied from central" in f.data_value.text()
    assert nothing_written(w) and not enrolled(central_database, token)
    qtbot.waitUntil(lambda: focused() is w.button(w.WizardButton.CommitButton))  # Enter joins
    snap(w, "join-2-what-it-joins")

    join_by_keys(qtbot, w)
    done = w.currentPage()
    assert isinstance(done, JoinedPage)
    assert "counter S1-C2 of Jane Ellen" in done.form.joined_label.text()
    assert "signs in here with their own PIN" in done.form.joined_label.text()
    snap(w, "join-4-joined")
    press(qtbot, Qt.Key.Key_Return)  # Finish: go to sign-in
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=5_000)
    facet = w.outcome()
    assert facet is not None and facet.terminal == "S1-C2"
    w.facet = None  # the test closes it

    try:
        # The app opens at the joined store's sign-in screen, nobody signed in; a clerk from central sells.
        with main_window(qtbot, facet) as main:
            assert main.context.actor is None and main.sign_in.isVisible()
            staff = {s.name for s in facet.store.directory.staff_list()}
            assert "Lily Chen" in staff
            sell_view = _counter(qtbot, main, facet)
            number = cash_sale_by_keys(qtbot, sell_view, facet, _barcodes(facet, 1)[0])
            assert number.startswith("S1-C2-")
        sync_now(facet)
        sync_now(first)
        assert one(first, "SELECT count(*) FROM sales WHERE number = ?", number) == 1
    finally:
        facet.close()


def test_a_new_stores_first_counter_gives_the_store_and_owner_on_the_wizards_own_pages(
        qtbot: Any, new_counter: FirstRunWizard, group: tuple[app.Facet, str], central_database: Any) -> None:
    first, url = group
    token = token_for(central_database, first, "Boulder")
    w = new_counter
    open_join_page(qtbot, w)
    ask(qtbot, w, url, token)

    # Central holds nothing of the store: its profile (the name is the group's) and owner, on the usual pages.
    on_page(qtbot, w, first_run.JOIN_STORE)
    store = w.currentPage().form
    assert store.name_edit.text() == "Boulder" and store.name_edit.isReadOnly()
    assert not store.demo_button.isVisible() and not store.join_button.isVisible()
    assert focused() is store.address_edit
    type_text(qtbot, "1 Pearl Street, Boulder CO")
    press(qtbot, Qt.Key.Key_T, ALT)
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, "America/Denver")
    snap(w, "join-new-store-1-store")
    alt_n(qtbot)
    on_page(qtbot, w, first_run.JOIN_TAX)
    type_text(qtbot, "4.5")
    press(qtbot, Qt.Key.Key_Return)
    on_page(qtbot, w, first_run.JOIN_OWNER)
    for text in ("Rosalind Hart", PASSWORD, "not the same", "2468"):
        type_text(qtbot, text)
        press(qtbot, Qt.Key.Key_Tab)
    alt_n(qtbot)
    owner = w.currentPage()
    assert w.currentId() == first_run.JOIN_OWNER and "passwords differ" in owner.form.message_label.text()
    assert focused() is owner.form.owner_password2_edit and nothing_written(w)
    type_text(qtbot, PASSWORD)
    alt_n(qtbot)

    on_page(qtbot, w, first_run.JOINING)
    joining = w.currentPage()
    assert joining.form.store_value.text() == "Boulder (S2)" and joining.form.counter_value.text().startswith("S2-C1")
    assert "first counter" in joining.form.data_value.text()
    assert nothing_written(w)
    snap(w, "join-new-store-2-what-it-joins")
    join_by_keys(qtbot, w)
    assert "The owner you gave signs in first" in w.currentPage().form.joined_label.text()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=5_000)
    facet = w.outcome()
    assert facet is not None
    w.facet = None
    try:
        profile = facet.profile
        assert (profile.name, profile.timezone, profile.tax_rate) == ("Boulder", "America/Denver", "4.5")
        assert facet.terminal == "S2-C1"
        owners = [s.name for s in facet.store.directory.staff_list() if s.role is Role.OWNER]
        assert owners == ["Rosalind Hart"]
        # The owner's first sign-in takes the rest of the setup up (printer, payments, first shift).
        assert setup_pending(facet.store.directory)
        sync_now(facet)
        sync_now(first)
        assert one(first, "SELECT count(*) FROM sync_stores WHERE name = 'Boulder'") == 1
    finally:
        facet.close()


def test_a_bad_token_is_refused_under_the_token_field_in_the_command_lines_words_and_nothing_is_written(
        qtbot: Any, new_counter: FirstRunWizard, group: tuple[app.Facet, str], central_database: Any,
        tmp_path: Path) -> None:
    first, url = group
    w = new_counter
    open_join_page(qtbot, w)

    # Empty: named before central is asked.
    type_text(qtbot, url)
    press(qtbot, Qt.Key.Key_Return)
    assert refused_on(qtbot, w, "token").startswith("token: is missing")

    used = token_for(central_database, first)
    join_group(tmp_path / "used-by", url, used)
    expired = token_for(central_database, first)
    with central_database.connect(autocommit=True) as conn:
        conn.execute("UPDATE facet.counters SET expires_at = now() - interval '1 hour' WHERE role_name = %s",
                     (read_token(expired).role,))
    good = token_for(central_database, first)
    wrong_password = make_token(Credentials(read_token(good).role, "not-its-password"))
    cases = {"not a token": "hello", "damaged": good[:-3] + "!!", "used": used, "expired": expired,
             "wrong password": wrong_password}
    for case, token in cases.items():
        ask(qtbot, w, url, token)
        shown = refused_on(qtbot, w, "token")
        assert shown == cli_refusal(tmp_path, url, token), case
    snap(w, "join-refused-token")
    assert "expired" in cli_refusal(tmp_path, url, expired) and "already used" in cli_refusal(tmp_path, url, used)

    # Typing a correction clears the problem; the right token goes on to what it joins.
    ask(qtbot, w, url, good)
    on_page(qtbot, w, first_run.JOINING)
    assert nothing_written(w) and not enrolled(central_database, good)


def test_a_wrong_address_is_refused_under_the_address_field_and_the_wizard_stays_to_try_again(
        qtbot: Any, new_counter: FirstRunWizard, group: tuple[app.Facet, str], central_database: Any,
        tmp_path: Path) -> None:
    first, url = group
    token = token_for(central_database, first)
    server = central_database.server
    w = new_counter
    open_join_page(qtbot, w)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, token)
    press(qtbot, Qt.Key.Key_Return)
    assert refused_on(qtbot, w, "central").startswith("central: is empty")

    wrong = {"not a URL": "http//central facet", "closed port": changed(url, port=str(free_port())),
             "no such database": changed(url, dbname="nothere"),
             "wrong certificate": changed(url, sslrootcert=str(server.wrong_ca_file))}
    for case, address in wrong.items():
        ask(qtbot, w, address, token)
        shown = refused_on(qtbot, w, "central")
        assert shown == cli_refusal(tmp_path, address, token), case
    snap(w, "join-refused-address")
    assert "not reachable" in cli_refusal(tmp_path, wrong["closed port"], token)

    ask(qtbot, w, url, token)
    on_page(qtbot, w, first_run.JOINING)
    assert not enrolled(central_database, token)


def test_cancel_mid_join_keeps_nothing_and_the_same_token_takes_the_join_up_again(
        qtbot: Any, new_counter: FirstRunWizard, group: tuple[app.Facet, str], central_database: Any) -> None:
    first, url = group
    token = token_for(central_database, first)
    w = new_counter
    open_join_page(qtbot, w)
    ask(qtbot, w, url, token)
    on_page(qtbot, w, first_run.JOINING)
    page = w.currentPage()
    assert isinstance(page, JoiningPage)

    press(qtbot, Qt.Key.Key_Return)  # Join
    assert page.busy and page.form.progress_bar.isVisible()
    press(qtbot, Qt.Key.Key_Escape)  # Cancel: the join stops at its next step; the wizard stays
    assert w.isVisible()
    qtbot.waitUntil(lambda: not page.busy, timeout=20_000)
    qtbot.waitUntil(lambda: "token" in page.form.message_label.text(), timeout=10_000)  # after the re-check
    said = page.form.message_label.text()
    assert said.startswith("The join was cancelled: nothing of the store was kept on this computer.")
    assert w.currentId() == first_run.JOINING and w.isVisible()
    assert enrolled(central_database, token)  # it was mid-join: central had taken the token
    folder = data_dir_of(w)
    # No store file and no key is left here; the counter's login stays in the keyring, so the same token
    # takes the join up again on this computer.
    assert not app.store_exists(folder) and app.secrets().get(database_key_name(folder)) is None
    assert not page.form.progress_bar.isVisible()
    snap(w, "join-cancelled")
    assert said.endswith("The token still works: press Join (Alt+J) to try again.")

    # Back to the token page and Next with the same token: central had taken it, yet this folder's join is
    # taken up (not refused as "already used"), and the page says so.
    press(qtbot, Qt.Key.Key_B, ALT)
    on_page(qtbot, w, first_run.JOIN)
    ask(qtbot, w, url, token)
    on_page(qtbot, w, first_run.JOINING)
    assert page.form.counter_value.text().endswith("(this computer's join begun earlier, taken up where it stopped)")
    snap(w, "join-taken-up")

    join_by_keys(qtbot, w)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=5_000)
    facet = w.outcome()
    assert facet is not None
    w.facet = None
    try:
        assert facet.terminal.startswith("S1-C")
        assert facet.store.directory.staff_list()
    finally:
        facet.close()


def test_the_owner_of_a_store_that_does_not_sync_reads_how_a_counter_joins(qtbot: Any,
                                                                         demo_facet: app.Facet) -> None:
    from tests.gui.conftest import sign_in

    with main_window(qtbot, demo_facet) as main:
        sign_in(qtbot, main, "Jane Ellen")
        assert main.workspace is not None
        settings = main.workspace.show_screen("Settings")
        press(qtbot, Qt.Key.Key_9, ALT)
        label = settings.sync_page.form.how_label
        qtbot.waitUntil(lambda: "Join a store group" in label.text(), timeout=5_000)
        text = label.text()
        assert "this store's own data would not be the group's" in text
        assert "new, empty data folder" in text and "(Alt+J)" in text
        assert "pos-app central add-counter" in text
        snap(settings, "settings-sync-how-to-join")
