"""The erasure log kept beside the store, so that restoring an old backup erases the same people again.

`<data folder>/erasures.jsonl`: a first line holding the store's random salt,
then one line per erasure with the salted SHA-256 of the erased customer's
id, the request it answered and when. No name, email or phone is ever
written here: a customer id is a random UUID, and its salted hash cannot be
turned back into it, nor matched against a list of people.

The database holds the same entries (table ``erasure_log``), so a backup
taken after an erasure carries them; this file is what a backup taken
*before* cannot carry. Each line is appended and flushed to disk before the
erasure is committed, so a crash leaves at worst an entry for an erasure that
did not happen (re-applying it finds no one to erase).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from pos_app.adapters.export_files import ExportFolder
from pos_app.domain.erasure import ErasureEntry
from pos_app.services.ports.privacy import ExportRef

FILE_NAME = "erasures.jsonl"


class ErasureLogFile:
    """The erasure's part in the data folder: this log, and the customer's privacy exports to delete."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME
        self.exports = ExportFolder(data_dir)

    def find_exports(self, customer_id: str, known: Sequence[ExportRef]) -> list[str]:
        """The paths of the customer's privacy exports (see `adapters/export_files.py`)."""
        return self.exports.find(customer_id, known)

    def delete_exports(self, paths: Sequence[str]) -> list[str]:
        """Delete the export files `find_exports` listed; returns the names deleted."""
        return self.exports.remove(paths)

    def salt(self, known: str | None = None) -> str:
        """The store's salt: the file's, else `known` (the database's), else a new one; written if new."""
        if self.path.exists():
            with self.path.open(encoding="utf-8") as f:
                first = f.readline()
            if first.strip():
                return str(json.loads(first)["salt"])
        salt = known or secrets.token_hex(16)
        self._append({"salt": salt}, header=True)
        return salt

    def append(self, entry: ErasureEntry) -> None:
        self._append({"hash": entry.customer_hash, "request_id": entry.request_id, "erased_at": entry.erased_at})

    def entries(self) -> list[ErasureEntry]:
        if not self.path.exists():
            return []
        found = []
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                try:
                    data = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash
                if "hash" in data:
                    found.append(ErasureEntry(str(data["hash"]), data.get("request_id"), str(data["erased_at"])))
        return found

    def _append(self, data: dict[str, object], *, header: bool = False) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        mode = "w" if header else "a"
        with self.path.open(mode, encoding="utf-8") as f:
            f.write(json.dumps(data, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())
