"""Privacy exports on disk: found and deleted once they have done their job.

An export zip holds everything about one customer. Its request records where
it was written and its SHA-256 (`privacy_requests.export_file`,
`export_sha256`); the desk writes it to `<data folder>/exports/` unless the
person chose elsewhere. When the customer is erased, or the export was
delivered, `delete` removes:

- each recorded file whose content still has the recorded SHA-256 (a file
  since replaced by something else at that path is left alone);
- each zip in the exports folder whose SHA-256 is one of the recorded ones,
  or whose ``data.json`` names the customer's id (an export whose request
  kept no record of it: a crash between writing and recording, or a copy).

It returns the names deleted, never logs them (a name chosen for the file may
be the customer's).
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path

from pos_app.services.ports.privacy import ExportRef

log = logging.getLogger(__name__)

FOLDER = "exports"
_HEAD = 1 << 16  # data.json names its customer near its start


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _names(path: Path, customer_id: str) -> bool:
    """Whether the zip at `path` is a privacy export of `customer_id` (its data.json names the id)."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open("data.json") as data:
            head = data.read(_HEAD)
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError):
        return False
    return customer_id.encode() in head


class ExportFolder:
    """The privacy exports of one data folder (`<data folder>/exports`) and wherever their requests say."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / FOLDER

    def find(self, customer_id: str | None, known: Sequence[ExportRef]) -> list[str]:
        """The paths of the exports `known` names (checked by SHA-256) and, in the exports folder, of any other
        made for `customer_id`. Reads every candidate whole: call it before taking any lock."""
        hashes = {ref.sha256 for ref in known if ref.sha256}
        candidates = [Path(ref.path) for ref in known if ref.path]
        if self.folder.is_dir():
            candidates += sorted(self.folder.glob("*.zip"))
        found = []
        for path in dict.fromkeys(candidates):
            if not path.is_file():
                continue
            sha = _sha256(path)
            if (sha is not None and sha in hashes) or (customer_id is not None and _names(path, customer_id)):
                found.append(str(path))
        return found

    @staticmethod
    def remove(paths: Sequence[str]) -> list[str]:
        """Delete the files at `paths` (from `find`); returns the names deleted. A file that cannot be deleted is
        logged (by no name) and left; one already gone is not counted."""
        deleted = []
        for text in paths:
            path = Path(text)
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("could not delete a privacy export (%s)", type(exc).__name__)
                continue
            deleted.append(path.name)
        return deleted

    def delete(self, customer_id: str | None, known: Sequence[ExportRef]) -> list[str]:
        """`find`, then `remove`: the exports of `customer_id` and those `known` names, deleted."""
        return self.remove(self.find(customer_id, known))
