"""A private X desktop for end-to-end tests: Xvfb, a window manager, the installed `pos-app`, and xdotool.

`Desktop` starts its own Xvfb (a free display number, never the developer's) and Openbox on it, so the app's
dialogs are managed as on a store's PC: a new dialog becomes the active window and has the keyboard, and the
test can wait for a window by its title. Keys are real X key events (XTEST, through `xdotool key` and
`xdotool type`) sent to whichever window has the focus, as a keyboard or a keyboard-wedge scanner sends them.
`picture` saves the whole screen as PNG beside the test's files; `step` takes one when a step fails, so a
failure names the step and shows the screen as it was.

Needs Debian's xvfb, xdotool and openbox, and Qt's xcb libraries (`.ci/run` installs them all).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pos_app import app

POS_APP = Path(sys.executable).with_name("pos-app")
SCREEN = "1360x900x24"  # room for the app's 1280x800 window and its dialogs

_GRAB = ("import sys\nfrom PySide6.QtWidgets import QApplication\napp = QApplication(sys.argv[:1])\n"
         "app.primaryScreen().grabWindow(0).save(sys.argv[1])\n")


class Desktop:
    """Xvfb + Openbox on a private display, and at most one `pos-app` on it (see the module docstring)."""

    def __init__(self, tmp: Path) -> None:
        for tool in ("Xvfb", "xdotool", "openbox"):
            assert shutil.which(tool), (f"{tool} is not installed (Debian: xvfb, xdotool, openbox; "
                                        ".ci/run installs them)")
        self.tmp = tmp
        self.app: subprocess.Popen[bytes] | None = None
        self.pictures = 0
        read, write = os.pipe()
        # -displayfd: the server picks a free display number and writes it to us once it is listening.
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", SCREEN],
                                     pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        assert number, "Xvfb did not start"
        self.display = f":{number}"
        # Openbox's own defaults (/etc/xdg/openbox/rc.xml): a new window takes the focus, dialogs sit over
        # their parent. --sm-disable: no session manager to look for.
        self.wm = subprocess.Popen(["openbox", "--sm-disable"], env=self.env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        self._until("the window manager", lambda: self._xdotool_ok("get_desktop"), timeout=20)

    # -- processes ---------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = dict(os.environ)  # the test keyring (tests/conftest.py) holds the store's key
        env.update({"DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"})
        return env

    def start(self, data_dir: Path, *args: str, title: str = "^Facet — ") -> None:
        """Start `pos-app --data-dir data_dir` and wait until its window (`title`, a regex) has the keyboard."""
        with open(self.tmp / "pos-app.log", "ab") as log:  # the child keeps its own copy of the descriptor
            self.app = subprocess.Popen([str(POS_APP), "--data-dir", str(data_dir), *args], env=self.env(),
                                        stdout=log, stderr=subprocess.STDOUT)
        self.wait_active(title, timeout=60)

    def app_log(self) -> str:
        path = self.tmp / "pos-app.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def quit_app(self, timeout: float = 20) -> int:
        """Close the app's active window as a person does (Alt+F4, which Openbox turns into WM_DELETE_WINDOW,
        as its close button does); the app's exit status."""
        assert self.app is not None
        self.xdotool("key", "alt+F4")  # Openbox closes the active window on Alt+F4, as a desktop does
        try:
            return self.app.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"pos-app did not exit within {timeout:g} s of Alt+F4; "
                                 f"the screen is in {self.picture('not-closing')}") from None

    def close(self) -> None:
        for process in (self.app, self.wm, self.xvfb):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)

    # -- the keyboard ----------------------------------------------------------------------------------

    def xdotool(self, *args: str, timeout: float = 20) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"xdotool {' '.join(args)}: {done.stderr}"
        return done.stdout

    def _xdotool_ok(self, *args: str) -> str | None:
        done = subprocess.run(["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=20)
        return done.stdout.strip() if done.returncode == 0 else None

    def type(self, text: str) -> None:
        """Type `text` into the focused window, a character every 30 ms (a person or a wedge scanner)."""
        self.xdotool("type", "--delay", "30", text)

    def key(self, *keys: str) -> None:
        """Press each key (xdotool names: Return, F10, ctrl+a, alt+a, Delete) in turn."""
        for key in keys:
            self.xdotool("key", key)
            time.sleep(0.1)

    # -- windows ------------------------------------------------------------------------------------------

    def active_title(self) -> str:
        return self._xdotool_ok("getactivewindow", "getwindowname") or ""

    def wait_active(self, title: str, timeout: float = 20) -> str:
        """Wait until the active window's title matches `title` (a regex); the title.

        The active window is the one the keyboard goes to: waiting for it is waiting until the dialog a
        key opened is up and listening, so the next keys are never typed into the window behind it."""
        pattern = re.compile(title)
        found = self._until(f"a window titled {title!r} to have the keyboard",
                            lambda: (t := self.active_title()) and pattern.search(t) and t, timeout=timeout)
        time.sleep(0.15)  # the dialog has mapped; let Qt give its first field the focus
        return str(found)

    def _until(self, what: str, check: Callable[[], Any], timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            if self.app is not None and self.app.poll() is not None:
                raise AssertionError(f"pos-app exited ({self.app.returncode}) while waiting for {what}:\n"
                                     f"{self.app_log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout:g} s for {what} (the active window is "
                                     f"{self.active_title()!r}); the screen is in {self.picture('timeout')}")
            time.sleep(0.1)

    def wait(self, what: str, check: Callable[[], Any], timeout: float = 20) -> Any:
        """Poll `check` until it returns something true (a fact of the store, the printer's bytes)."""
        return self._until(what, check, timeout)

    # -- pictures ------------------------------------------------------------------------------------------

    def picture(self, name: str) -> Path:
        """The whole screen as PNG, kept with the test's files (to look at when a step fails)."""
        self.pictures += 1
        path = self.tmp / f"screen-{self.pictures:02d}-{name}.png"
        subprocess.run([sys.executable, "-c", _GRAB, str(path)], env=self.env(), timeout=60, check=False,
                       capture_output=True)
        return path

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """One step of the story: if it fails, the failure names the step and the screen is saved. Each
        step's time is printed (pytest shows it with a failure, or with -rP)."""
        started = time.monotonic()
        try:
            yield
            print(f"{name}: {time.monotonic() - started:.1f} s")
        except BaseException as failure:
            shot = self.picture(f"failed-{name}")
            raise AssertionError(f"step {name!r} failed ({failure}); the screen is in {shot}\n"
                                 f"--- pos-app log\n{self.app_log()}") from failure


def store_query(data_dir: Path) -> Callable[..., list[Any]]:
    """Read the store while the app runs (its own connection to the encrypted file): only to know when
    a step has landed, where no window's title changes."""

    def query(sql: str, *args: Any) -> list[Any]:
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
