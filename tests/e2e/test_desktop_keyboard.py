"""The installed `pos-app` in a real X window (Xvfb), driven by real X key events (xdotool).

What a person at the counter does on a fresh demo store, with nothing but the keyboard: sign in, open a
shift from the F10 drawer menu, scan a necklace, F9, Enter to take the cash. The pytest-qt tests drive the
same screens inside the test process; these go through the console script, the X server's keyboard and
Qt's xcb platform, as the store will, so a menu whose actions die, a dialog that does not take the focus
or a shortcut that never reaches its widget fails here. Facts are read back from the store itself (another
connection to the same encrypted file), never from the screen.

Needs Debian's xvfb and xdotool, and Qt's xcb libraries (`.ci/run` installs them all).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pos_app import app

POS_APP = Path(sys.executable).with_name("pos-app")


class Screen:
    """A private Xvfb display with the app on it; keys go to the app's window through XTEST."""

    def __init__(self, tmp: Path) -> None:
        for tool in ("Xvfb", "xdotool"):
            assert shutil.which(tool), f"{tool} is not installed (Debian: xvfb, xdotool; .ci/run installs them)"
        read, write = os.pipe()
        # -displayfd: the server picks a free display number and writes it to us once it is listening.
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0",
                                      "1360x900x24"], pass_fds=(write,), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        assert number, "Xvfb did not start"
        self.display = f":{number}"
        self.tmp = tmp
        self.app: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = dict(os.environ)  # the test keyring (tests/conftest.py) holds the store's key
        env.update({"DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"})
        return env

    def start(self, data_dir: Path) -> None:
        log = open(self.tmp / "pos-app.log", "wb")  # noqa: SIM115 - closed with the process
        self.app = subprocess.Popen([str(POS_APP), "--data-dir", str(data_dir)], env=self.env(), stdout=log,
                                    stderr=subprocess.STDOUT)
        window = self.xdotool("search", "--sync", "--onlyvisible", "--name", "^Facet", timeout=60).split()[0]
        # No window manager: give the window the keyboard focus ourselves, as a click would.
        self.xdotool("windowfocus", "--sync", window)

    def xdotool(self, *args: str, timeout: float = 20) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"xdotool {' '.join(args)}: {done.stderr}"
        return done.stdout

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "30", text)

    def key(self, *keys: str) -> None:
        for key in keys:
            self.xdotool("key", key)
            time.sleep(0.15)  # a person's pace: each key lands after the previous one's dialog opens

    def picture(self, name: str) -> Path:
        """The whole screen as PNG (kept with the test's files; to look at when a step fails)."""
        path = self.tmp / f"{name}.png"
        script = ("import sys\nfrom PySide6.QtWidgets import QApplication\napp = QApplication(sys.argv[:1])\n"
                  "app.primaryScreen().grabWindow(0).save(sys.argv[1])\n")
        subprocess.run([sys.executable, "-c", script, str(path)], env=self.env(), timeout=60, check=False)
        return path

    def close(self) -> None:
        if self.app is not None and self.app.poll() is None:
            self.app.terminate()
            try:
                self.app.wait(10)
            except subprocess.TimeoutExpired:
                self.app.kill()
        self.xvfb.terminate()
        self.xvfb.wait(10)


@pytest.fixture
def screen(tmp_path: Path) -> Iterator[Screen]:
    x = Screen(tmp_path)
    yield x
    x.close()


def _wait(what: str, check: Callable[[], Any], screen: Screen, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        assert screen.app is not None and screen.app.poll() is None, \
            (screen.tmp / "pos-app.log").read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    shot = screen.picture("timeout")
    raise AssertionError(f"waited {timeout:g} s for {what}; the screen is in {shot}")


def _store(data_dir: Path) -> Callable[[str, tuple[Any, ...]], list[Any]]:
    def query(sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        facet = app.open_facet(data_dir)
        try:
            conn = facet.connection()
            try:
                return list(conn.execute(sql, args).fetchall())
            finally:
                conn.close()
        finally:
            facet.close()

    return query


def test_a_clerk_opens_a_shift_and_sells_a_necklace_for_cash_with_the_keyboard_only(
        screen: Screen, demo_dir: Path) -> None:
    query = _store(demo_dir)
    assert query("SELECT count(*) FROM shifts WHERE status = 'open'", ())[0][0] == 0  # a fresh demo has none
    barcode, sku = query("SELECT barcode, sku FROM items WHERE status = 'available' AND tracking = 'unique' "
                         "AND barcode IS NOT NULL ORDER BY sku LIMIT 1", ())[0]
    sales_before = query("SELECT count(*) FROM sales", ())[0][0]

    screen.start(demo_dir)
    screen.type("Lily")  # the sign-in list jumps to the name typed
    screen.key("Return")
    screen.type("3333")
    screen.key("Return")
    _wait("the clerk's sign-in", lambda: query(
        "SELECT 1 FROM audit_events WHERE action = 'staff.signed_in' AND actor_name = 'Lily Chen'", ()), screen)

    screen.key("F10", "Down", "Return")  # the drawer menu: Open a shift…
    screen.key("Return")  # the float as offered ($200.00)
    _wait("the shift to open", lambda: query("SELECT 1 FROM shifts WHERE status = 'open'", ()), screen)

    screen.type(barcode)  # a keyboard-wedge scanner types the code and Enter
    screen.key("Return")
    time.sleep(0.5)
    screen.key("F9")  # pay
    time.sleep(1.0)
    screen.key("Return")  # the cash field holds what is due: take it
    sold = _wait("the sale", lambda: query(
        "SELECT s.number, s.total_cents, st.name FROM sales s JOIN staff st ON st.id = s.staff_id "
        "WHERE s.id NOT IN (SELECT id FROM sales ORDER BY completed_at LIMIT ?) ORDER BY s.completed_at DESC",
        (sales_before,)), screen)
    number, total, clerk = sold[0]
    screen.picture("sold")
    assert clerk == "Lily Chen" and total > 0 and number.startswith("C1-")
    status, on_hand = query("SELECT status, on_hand FROM items WHERE sku = ?", (sku,))[0]
    assert (status, on_hand) == ("sold", 0)
    (cash,) = query("SELECT amount_cents FROM payments p JOIN sales s ON s.id = p.sale_id "
                    "WHERE s.number = ? AND p.tender = 'cash'", (number,))[0]
    assert cash == total
