"""A store's day on a real window: the installed `pos-app` under Xvfb and a window manager, keys only.

The story a store runs on: in a fresh demo, the clerk signs in, opens a shift from F10 with the float she
counted, sells a necklace for cash (the scanner types its barcode and Enter; she types what the customer
hands over), sells two more with a discount above her limit that the manager approves with his password in
the approval dialog, takes back the second piece of that sale and refunds it in cash (the manager again),
locks with Ctrl+L, the manager signs in and closes the shift with the drawer's count; the owner signs in
with her phone's code and hires a clerk, who signs in with the temporary PIN and chooses her own; the app
is closed.
And a real store's start: the first-run wizard by keys (the store, its tax, the owner, two-step sign-in set
up by scanning the QR code on the screen as a phone would, the receipt printer with its test page, the first
shift), then the owner signs in with her password and her authenticator's code.

Everything goes through the X server's keyboard (xdotool) to the console script's windows, as a keyboard
and a keyboard-wedge scanner would send it; nothing reaches into the app. What the test believes is what a
store relies on: the receipts' bytes as a loopback "printer" received them (decoded from ESC/POS), and the
store as the command line reports it after the app has closed (`pos-app ... --json`; the new store's
owner has no command-line session, so her store is read directly). While the app runs
the test waits for the window that has the keyboard (its title), and for facts in the store where the
screen's title does not change. A failed step names itself and saves the screen (see tests/e2e/desktop.py).

Each step's keys live in one small function below, so a change to a screen changes one function.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import zxingcpp
from PIL import Image

from pos_app import app
from pos_app.services import demo
from pos_app.services.cash import denominations
from tests.e2e.desktop import POS_APP, Desktop, store_query
from tests.printer_listener import PrinterListener, decode_escpos

MAIN = "^Facet — "  # the main window's title: "Facet — <store name>"
MANAGER, MANAGER_PASSWORD = "Marcus Reed", "manager-demo-1"
CLERK, CLERK_PIN = "Lily Chen", "3333"
OWNER, OWNER_PASSWORD = demo.DEMO_OWNER.name, demo.DEMO_OWNER.password
HIRE = "Zoe Park"


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    screen = Desktop(tmp_path)
    yield screen
    screen.close()


def cli(data_dir: Path, *args: str) -> Any:
    """`pos-app ARGS --data-dir DATA_DIR --json` as a person types it (the command line's session is in the
    test keyring); its JSON answer."""
    done = subprocess.run([str(POS_APP), *args, "--data-dir", str(data_dir), "--json"], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, f"pos-app {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}"
    return json.loads(done.stdout)


# ---------------------------------------------------------------- the keys of each step


def sign_in(d: Desktop, name: str, secret: str) -> None:
    """On the sign-in screen (the name list has the keyboard): the first letters of the name pick it, Enter
    goes to the PIN or password, Enter signs in."""
    d.type(name.split()[0])
    d.key("Return")
    d.type(secret)
    d.key("Return")


def open_shift(d: Desktop, float_text: str) -> None:
    """F10, the drawer menu's first item "Open a shift…", the float counted into the drawer, Enter."""
    d.key("F10", "Down", "Return")
    d.wait_active("^Open a shift$")
    d.type(float_text)  # the offered float is selected: typing replaces it
    d.key("Return")
    d.wait_active(MAIN)


def scan(d: Desktop, code: str) -> None:
    """A keyboard-wedge scanner: the barcode's characters, then Enter."""
    d.type(code)
    d.key("Return")
    time.sleep(0.3)


def sell_for_cash(d: Desktop, handed_over: str) -> None:
    """F9, type the cash the customer hands over, Enter: the sale completes and the receipt prints."""
    d.key("F9")
    d.wait_active("^Payment$")
    d.type(handed_over)  # the cash field opens with the amount due selected: typing replaces it
    d.key("Return")
    d.wait_active(MAIN)


def approve(d: Desktop, manager: str, password: str) -> None:
    """The manager approval dialog: the first letters of the manager's name, Enter, their password, Enter."""
    d.wait_active("^Manager approval$")
    d.type(manager.split()[0])
    d.key("Return")
    d.type(password)
    d.key("Return")


def approve_discount(d: Desktop, discount: str, reason: str, manager: str, password: str) -> None:
    """F5 on the cart's selected line (the piece just scanned), the discount, Alt+R and the reason a
    discount above the clerk's limit needs, Enter; the clerk confirms it (Enter), then the approval
    dialog follows and the manager approves."""
    d.key("F5")
    d.wait_active("^Discount — ")
    d.type(discount)
    d.key("alt+r")
    d.type(reason)
    d.key("Return")
    d.wait_active("^Confirm the discount$")
    d.key("Return")
    approve(d, manager, password)
    d.wait_active(MAIN)


def return_second_line(d: Desktop, sale_number: str) -> None:
    """F3, the receipt's number (scanned from its barcode) and Enter: the sale's lines, the first line's
    return quantity has the keyboard; Tab to the second line's, 1, Ctrl+Enter puts it in the cart as a
    return."""
    d.key("F3")
    d.wait_active("^Find a sale$")
    scan(d, sale_number)
    d.key("Tab")
    d.type("1")
    d.key("ctrl+Return")
    d.wait_active(MAIN)


def refund_cash(d: Desktop, manager: str, password: str) -> None:
    """F9 on a cart of returns, Ctrl+B refunds in cash, which is a manager's to approve."""
    d.key("F9")
    d.wait_active("^Payment$")
    d.key("ctrl+b")
    approve(d, manager, password)
    d.wait_active(MAIN)


def switch_user(d: Desktop, name: str, secret: str) -> None:
    """Ctrl+L locks the counter, the name list has the keyboard; the next person signs in."""
    d.key("ctrl+l")
    sign_in(d, name, secret)


def close_shift(d: Desktop, counted_cents: int, currency: str = "USD") -> None:
    """F10, "Close the shift…" (the fifth item while a shift is open), each bill and coin's count typed
    and Enter to the next, Ctrl+Enter closes; the Z report shows (and prints), Esc closes it."""
    d.key("F10", *["Down"] * 5, "Return")
    d.wait_active("^Close the shift$")
    left = counted_cents
    for value in denominations(currency):  # the dialog's rows, largest first
        pieces, left = divmod(left, value)
        d.type(str(pieces))  # each count is selected as it gets the focus: typing replaces it
        d.key("Return")
    d.key("ctrl+Return")
    d.wait_active("^Z report$")
    d.key("Escape")
    d.wait_active(MAIN)


def sign_in_with_code(d: Desktop, name: str, password: str, code: str) -> None:
    """Ctrl+L, then someone with two-step sign-in: name, password, Enter; the code page asks for the
    authenticator's code: the code, Enter."""
    d.key("ctrl+l")
    sign_in(d, name, password)
    time.sleep(2.0)  # the password is checked (argon2, off the GUI thread), then the code page shows
    d.type(code)
    d.key("Return")


def hire(d: Desktop, name: str, temporary_pin: str) -> None:
    """The owner on the Staff screen (Ctrl+0 in her side bar): Insert adds a person (a clerk unless the
    role is changed), the name, Alt+P and the temporary PIN she reads out to them, Ctrl+Enter."""
    d.key("ctrl+0", "Insert")
    d.wait_active("^Add a person$")
    d.type(name)
    d.key("alt+p", "ctrl+a")  # a temporary PIN is suggested: the owner's own replaces it
    d.type(temporary_pin)
    d.key("ctrl+Return")
    d.wait_active(MAIN)


def first_sign_in(d: Desktop, name: str, temporary_pin: str, pin: str) -> None:
    """Ctrl+L; someone new signs in with the temporary PIN, then chooses their own, typed twice."""
    d.key("ctrl+l")
    sign_in(d, name, temporary_pin)
    time.sleep(2.0)  # the temporary PIN is checked off the GUI thread, then the new PIN is asked for
    for _ in range(2):
        d.type(pin)
        d.key("Return")


def set_up_store(d: Desktop, store: dict[str, str], owner: dict[str, str], printer: PrinterListener,
                 float_text: str, enrolled: Callable[[], Any]) -> str:
    """First run, the setup wizard by keys, page by page (Enter or Alt+N goes on; the window's title stays):
    the store (name, Tab, address, Tab, phone; Alt+T the time zone), the sales tax, the owner (name, password
    twice, PIN, each then Tab; Alt+N creates the store), two-step sign-in (the QR code scanned off the
    screen, see `scan_two_step`), the receipt printer (its address, Ctrl+T prints the test page, Enter),
    Stripe and the inventory file left empty (Enter skips each), the first shift's float, Enter: the main
    window. `enrolled()` says two-step sign-in is saved. The key the QR code held."""
    d.wait_active("^Facet — set up your store$")
    d.type(store["name"])
    d.key("Tab")
    d.type(store["address"])
    d.key("Tab")
    d.type(store["phone"])
    d.key("alt+t", "ctrl+a")  # the time zone: an editable list, its text replaced
    d.type(store["timezone"])
    d.key("alt+n")
    time.sleep(0.3)  # a button pressed by its mnemonic clicks a moment later
    d.type(store["tax_rate"])
    d.key("Return")
    for text in (owner["name"], owner["password"], owner["password"], owner["pin"]):
        d.type(text)
        d.key("Tab")
    d.key("alt+n")  # "Next: create the store": argon2 and the schema, on a worker
    secret = scan_two_step(d, enrolled)
    d.type(printer.url)
    d.key("ctrl+t")
    printer.wait_for(1, timeout=30)
    time.sleep(0.5)  # the page takes keys again once the test page's job has returned
    d.key("Return")
    time.sleep(1.5)  # the printer's settings are saved on the worker; the page goes on when they are
    d.key("Return", "Return")  # no Stripe key, no inventory file: both skipped
    d.type(float_text)  # the float offered is selected: typing replaces it
    d.key("Return")
    d.wait_active(f"^Facet — {re.escape(store['name'])}$", timeout=60)
    return secret


def scan_two_step(d: Desktop, enrolled: Callable[[], Any]) -> str:
    """Two-step sign-in's setup: the QR code on the screen is scanned as a phone does (from a picture of
    the screen), the code the authenticator shows is typed, Enter; once `enrolled()` says it is saved, the
    recovery codes are on the screen: Enter. The key the QR code holds."""

    def scanned() -> str | None:
        found = [code.text for code in zxingcpp.read_barcodes(Image.open(d.picture("two-step")))
                 if code.text.startswith("otpauth://")]
        return found[0] if found else None

    authenticator = pyotp.parse_uri(d.wait("a QR code an authenticator app can scan", scanned, timeout=60))
    d.type(authenticator.now())
    d.key("Return")
    d.wait("two-step sign-in to be saved", enrolled)
    d.key("Return")  # "I have written them down"
    return str(authenticator.secret)


def next_code(secret: str) -> str:
    """The authenticator's code for the next 30 seconds: a sign-in takes it (for a phone's clock drift),
    and no one has used it yet (the setup used this period's)."""
    return str(pyotp.TOTP(secret).at(time.time() + 30))


# ---------------------------------------------------------------- the store's day


def _cents(amount: str) -> int:
    whole, _, part = amount.lstrip("-").replace(",", "").partition(".")
    cents = int(whole) * 100 + int((part + "00")[:2])
    return -cents if amount.startswith("-") else cents


def _money(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


def printed(paper: str, label: str, amount: str) -> bool:
    """Whether `paper` has a line: `label` (perhaps indented), spaces, then `amount` in dollars at the right margin
    ("-5.00" prints as "-$5.00")."""
    sign, digits = ("-", amount[1:]) if amount.startswith("-") else ("", amount)
    line = rf"^ *{re.escape(label)} +{re.escape(sign)}\${re.escape(digits)}$"
    return re.search(line, paper, re.MULTILINE) is not None


def test_a_clerks_day_in_a_fresh_demo_store_with_the_keyboard_only(
        desktop: Desktop, cli_owner: Path, printer_listener: PrinterListener) -> None:
    store = cli_owner  # a fresh demo store; its owner signed in on the command line
    cli(store, "settings", "set", "receipt.printer", printer_listener.url)
    query = store_query(store)
    pieces = query("SELECT barcode, sku, title, price_cents FROM items WHERE status = 'available' "
                   "AND tracking = 'unique' AND barcode IS NOT NULL ORDER BY sku LIMIT 3")
    (necklace, necklace_sku, necklace_title, price), first, second = pieces[0], pieces[1], pieces[2]
    handed_over = _money((price * 12 // 10 // 10_000 + 1) * 10_000)  # whole hundreds, above price + tax
    sales_before = {number for (number,) in query("SELECT number FROM sales")}

    def signed_in(name: str) -> Callable[[], list[Any]]:
        started = query("SELECT coalesce(max(seq), 0) FROM audit_events")[0][0]
        return lambda: query("SELECT 1 FROM audit_events WHERE seq > ? AND action = 'staff.signed_in' "
                             "AND actor_name = ?", started, name)

    def new_sales() -> list[tuple[str, str, int]]:
        rows = query("SELECT number, kind, total_cents FROM sales ORDER BY completed_at")
        return [row for row in rows if row[0] not in sales_before]

    desktop.start(store)
    with desktop.step("the clerk signs in"):
        landed = signed_in(CLERK)
        sign_in(desktop, CLERK, CLERK_PIN)
        desktop.wait("the clerk's sign-in", landed)
    with desktop.step("open the shift"):
        open_shift(desktop, "150.00")
        desktop.wait("the shift to open", lambda: query("SELECT 1 FROM shifts WHERE status = 'open'"))
    with desktop.step("sell a necklace for cash"):
        scan(desktop, necklace)
        sell_for_cash(desktop, handed_over)
        desktop.wait("the first sale", lambda: len(new_sales()) == 1)
    with desktop.step("a two-piece sale with a discount the manager approves"):
        scan(desktop, first[0])
        scan(desktop, second[0])
        approve_discount(desktop, "30%", "a scratch on the clasp", MANAGER, MANAGER_PASSWORD)
        # The approved discount comes back to the cart from the database worker: pay once it is there.
        desktop.wait("the manager's approval", lambda: query(
            "SELECT 1 FROM audit_events WHERE action = 'sale.discount_approved'"))
        sell_for_cash(desktop, _money((first[3] + second[3]) * 12 // 10 // 10_000 * 10_000 + 10_000))
        desktop.wait("the second sale", lambda: len(new_sales()) == 2)
    two_piece = new_sales()[1][0]
    with desktop.step("return the second piece of the two-piece sale"):
        return_second_line(desktop, two_piece)
        refund_cash(desktop, MANAGER, MANAGER_PASSWORD)
        desktop.wait("the return", lambda: len(new_sales()) == 3)
    with desktop.step("switch user to the manager"):
        landed = signed_in(MANAGER)
        switch_user(desktop, MANAGER, MANAGER_PASSWORD)
        desktop.wait("the manager's sign-in", landed)
    sold, paid, refund = (row[2] for row in new_sales())
    expected = 15_000 + sold + paid + refund
    counted = expected - 500  # the drawer is $5.00 short
    with desktop.step("close the shift with the count"):
        close_shift(desktop, counted)
        desktop.wait("the shift to close", lambda: query("SELECT 1 FROM shifts WHERE status = 'closed'"))
    with desktop.step("the owner hires a clerk"):
        landed = signed_in(OWNER)
        sign_in_with_code(desktop, OWNER, OWNER_PASSWORD, next_code(demo.DEMO_TWO_STEP[OWNER][0]))
        desktop.wait("the owner's sign-in", landed)
        hire(desktop, HIRE, "975310")
        desktop.wait("the hire", lambda: query("SELECT 1 FROM audit_events WHERE action = 'staff.added' "
                                               "AND summary LIKE '%clerk%'"))
    with desktop.step("the new clerk signs in and chooses her PIN"):
        landed = signed_in(HIRE)
        first_sign_in(desktop, HIRE, "975310", "2468")
        desktop.wait("the new clerk's sign-in", landed)
    with desktop.step("every paper printed, then the app closes"):
        papers = [decode_escpos(job) for job in printer_listener.wait_for(4, timeout=30)]
        assert desktop.quit_app() == 0, desktop.app_log()

    # The paper: each receipt and the Z report, as the printer received them.
    text = [paper.text for paper in papers]
    (desktop.tmp / "papers.txt").write_text("\n\n".join(text), encoding="utf-8")  # to read when this fails
    first_sale, two_sales, back = (next(t for t in text if number in t) for number, _, _ in new_sales())
    assert necklace_sku in first_sale and necklace_title.split()[0] in first_sale and "Clerk: Lily" in first_sale
    assert printed(first_sale, "Cash", handed_over)
    assert printed(first_sale, "Change", _money(_cents(handed_over) - sold))
    assert printed(two_sales, first[1], _money(first[3])) and printed(two_sales, second[1], _money(second[3]))
    discount = second[3] * 30 // 100
    assert printed(two_sales.split(second[1])[1], "Discount", f"-{_money(discount)}")  # under the second piece
    assert printed(two_sales, "TOTAL", _money(paid))
    assert "RETURN" in back and f"Original sale {two_piece}" in back
    assert second[1] in back and first[1] not in back
    assert printed(back, "Cash refund", f"-{_money(-refund)}")
    (z_report,) = [t for t in text if t.startswith("Z report")]
    assert printed(z_report, "Float", "150.00") and printed(z_report, "Expected in drawer", _money(expected))
    assert printed(z_report, "Counted", _money(counted)) and printed(z_report, "Over (+) / short (-)", "-5.00")

    # The store, as the command line reports it once the app has closed.
    sales = [s for s in cli(store, "sales", "list", "--limit", "10")["sales"] if s["number"] not in sales_before]
    assert [(s["kind"], s["clerk"], s["tenders"], _cents(s["total"])) for s in reversed(sales)] == [
        ("sale", CLERK, ["cash"], sold), ("sale", CLERK, ["cash"], paid), ("return", CLERK, ["cash"], refund)]
    people = cli(store, "staff", "list")["staff"]
    staff = {person["name"]: person["id"] for person in people}
    assert [(p["role"], p["two_step"]) for p in people if p["name"] == HIRE] == [("clerk", False)]
    events = cli(store, "audit", "list", "--since", "2000-01-01", "--limit", "1000")["events"]
    approved = {e["action"]: e for e in events if e["approved_by"] is not None}
    assert approved["sale.discount_approved"]["approved_by"] == staff[MANAGER]
    assert approved["sale.discount_approved"]["summary"]["sku"] == second[1]
    assert approved["sale.cash_refund_approved"]["summary"] == {"amount_cents": -refund}
    (opened,) = [e for e in events if e["action"] == "shift.opened"]
    (closed,) = [e for e in events if e["action"] == "shift.closed"]
    assert (opened["person"], opened["summary"]) == (CLERK, {"float_cents": 15_000})
    assert (closed["person"], closed["summary"]) == (
        MANAGER, {"expected_cents": expected, "counted_cents": counted, "variance_cents": -500})
    assert [e["person"] for e in events if e["action"] == "staff.secret_chosen"] == [HIRE]
    (back_sale,) = [e for e in events if e["action"] == "sale.completed" and e["summary"]["kind"] == "return"]
    assert back_sale["summary"]["lines"] == 1
    stock = {item["sku"]: item["status"] for item in cli(store, "items", "list", "--limit", "0")["items"]}
    assert [stock[sku] for sku in (necklace_sku, first[1], second[1])] == ["sold", "sold", "available"]
    doctor = cli(store, "doctor")
    assert doctor["ok"] and not [w for w in doctor["warnings"] if "wait to be printed" in w], doctor["warnings"]


def test_a_new_store_is_set_up_on_first_run_and_its_owner_signs_in_with_two_step_sign_in(
        desktop: Desktop, tmp_path: Path, printer_listener: PrinterListener) -> None:
    store = tmp_path / "new-store"
    profile = {"name": "Rosalind Fine Jewelry", "address": "12 Elm Street, Springfield IL 62701",
               "phone": "+12175550123", "timezone": "America/Chicago", "tax_rate": "6.25"}
    owner = {"name": "Rosalind Hart", "password": "correct horse 1", "pin": "2468"}
    query = store_query(store)

    def audited(action: str) -> Callable[[], list[Any]]:
        return lambda: app.store_exists(store) and query(
            "SELECT 1 FROM audit_events WHERE action = ? AND actor_name = ?", action, owner["name"])

    desktop.start(store, title="^Facet — set up your store$")
    with desktop.step("first run: the setup wizard, from the store to its first shift"):
        secret = set_up_store(desktop, profile, owner, printer_listener, "150.00",
                              audited("staff.two_step_enrolled"))
    with desktop.step("the owner signs in with her password and her phone's code"):
        sign_in(desktop, owner["name"], owner["password"])
        time.sleep(2.0)  # the password is checked (argon2, off the GUI thread), then the code page shows
        desktop.type(next_code(secret))
        desktop.key("Return")
        desktop.wait("the owner's sign-in", audited("staff.signed_in"))
    with desktop.step("the app closes"):
        assert desktop.quit_app() == 0, desktop.app_log()

    (test_page,) = [decode_escpos(job).text for job in printer_listener.received]
    assert "Printer test page" in test_page and profile["name"] in test_page
    doctor = cli(store, "doctor")
    assert doctor["ok"] and doctor["store"] == profile["name"] and doctor["counts"]["staff"] == 1
    staff = query("SELECT name, role, totp_secret IS NOT NULL FROM staff")
    assert staff == [(owner["name"], "owner", 1)]
    shifts = query("SELECT float_cents, closed_at FROM shifts")
    assert shifts == [(15_000, None)]  # the first shift is open: the store can sell
    setting = query("SELECT value FROM settings WHERE key = 'receipt.printer'")
    assert printer_listener.url in str(setting)
