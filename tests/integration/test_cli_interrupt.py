"""Ctrl+C at one of `pos-app`'s prompts: the command stops, says so, exits 2 and changes nothing.

Run as a person runs it: the installed `pos-app` on a terminal of its own (a pseudo-terminal), so
it asks for a name as it does at a shell, and SIGINT is what Ctrl+C sends.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import store_digest

POS_APP = Path(sys.executable).with_name("pos-app")


def _read_until(fd: int, wanted: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {wanted!r} within {timeout:g} s; the terminal showed {seen!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other end closed: the command ended
                break
            if not chunk:
                break
            seen += chunk
    return seen


def _ctrl_c_as_at_a_shell() -> None:
    """In the child: Ctrl+C does what it does at a shell. A suite started in the background (`cmd &` without
    job control, nohup) runs with SIGINT ignored, and a command inherits that and rightly keeps ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_at_the_name_prompt_stops_login_with_exit_2_and_changes_nothing(demo_dir: Path) -> None:
    before = store_digest(demo_dir)
    env = {k: v for k, v in os.environ.items() if k != "FACET_DATA_DIR"}
    controller, terminal = pty.openpty()
    try:
        command = subprocess.Popen([str(POS_APP), "login", "--data-dir", str(demo_dir)], stdin=terminal,
                                   stdout=terminal, stderr=terminal, env=env, close_fds=True,
                                   preexec_fn=_ctrl_c_as_at_a_shell)
        os.close(terminal)
        shown = _read_until(controller, b"Your name: ", timeout=60)
        command.send_signal(signal.SIGINT)
        code = command.wait(timeout=60)
        shown += _read_until(controller, b"nothing more was done.", timeout=10)
    finally:
        os.close(controller)
    text = shown.decode("utf-8", "replace")
    assert code == 2, text
    assert "pos-app login: interrupted; nothing more was done." in text
    assert "Traceback" not in text
    assert store_digest(demo_dir) == before
