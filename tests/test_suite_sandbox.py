"""The test suite never reaches the person's real Facet: not their data folder, not their keyring.

So the README's test command can run on a machine where Facet holds a real store (what breaks an
open Facet there is reinstalling it into the same venv, which the README warns about).
"""

from __future__ import annotations

import os
from pathlib import Path

import keyring
from keyrings.alt.file import PlaintextKeyring

from pos_app.adapters.secrets import SERVICE, KeyringSecrets, database_key_name
from pos_app.app import resolve_data_dir
from tests.conftest import sandbox


def test_the_default_data_folder_is_inside_the_sessions_sandbox() -> None:
    assert "FACET_DATA_DIR" not in os.environ
    assert resolve_data_dir().is_relative_to(sandbox())
    assert not resolve_data_dir().is_relative_to(Path.home() / ".local" / "share")


def test_keys_go_to_the_sessions_file_keyring_not_the_persons(tmp_path: Path) -> None:
    backend = keyring.get_keyring()
    assert isinstance(backend, PlaintextKeyring)
    assert Path(backend.file_path).is_relative_to(sandbox())
    name = database_key_name(tmp_path)
    secrets = KeyringSecrets()
    secrets.set(name, "ab" * 32)
    try:
        assert PlaintextKeyring().get_password(SERVICE, name) == "ab" * 32  # a fresh reader of the sandbox's file
    finally:
        secrets.delete(name)
