"""One sign-in guess from its own process, for the lockout test of many guesses at once.

Kept apart from `tests/conftest.py`: a child process imports this module by
name, and must not build a new test sandbox (conftest would point it at a
keyring of its own). The environment it inherits already names the test keyring.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path
from typing import Any

# Imported by the fork server once, before any guesser starts: every child then starts warm.
PRELOAD = ["pos_app.cli", "pos_app.app", "pos_app.services.staff", "pos_app.services.command_line",
           "pos_app.persistence.uow", "pos_app.persistence.database", "sqlalchemy.orm", "argon2", "sqlcipher3",
           "tests.lockout_guesser"]


def guess(data_dir: str, name: str, secret: str, ready: Any, go: Any) -> None:
    """Warm up (open the store once), say ready, wait for the start, then run one command signing in
    as `name` with `secret` through `pos-app`, exactly as a script would; the exit code is the command's."""
    from pos_app import app, cli

    facet = app.open_facet(Path(data_dir))
    with facet.uow() as uow:
        uow.staff.get("warm-up")
    facet.close()
    os.environ["FACET_GUESS"] = secret
    ready.release()
    go.wait()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(["items", "list", "--limit", "1", "--as", name, "--secret-env", "FACET_GUESS",
                         "--data-dir", data_dir])
    sys.exit(code)
