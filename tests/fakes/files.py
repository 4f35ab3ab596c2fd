"""`FileOutput` in memory: what a service wrote where, for export rules tested without a disk.

Like `adapters/files.LocalFiles`, a write into a folder that is not there is a `ValidationError` naming the
field and the file ("cannot write ..."), and nothing is kept; whatever stops a stream or the rows of a CSV
is raised as it is, and nothing is kept either.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pos_app.domain.errors import ValidationError
from pos_app.services.ports.devices import WrittenFile

EXPORTS = Path("/exports")


class FakeFileOutput:
    """`written`: path -> bytes of each file in place; `folders`: the folders that exist (`/exports`)."""

    def __init__(self, folders: Iterable[Path] = (EXPORTS,)) -> None:
        self.folders = set(folders)
        self.written: dict[Path, bytes] = {}
        self.removed: list[Path] = []

    def text(self, path: Path) -> str:
        return self.written[path].decode("utf-8")

    def rows(self, path: Path) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.text(path))))

    def _check(self, path: Path, field: str, then: str = "") -> None:
        if path.parent not in self.folders:
            raise ValidationError(field, f"cannot write {path}: No such file or directory{then}")

    def folder_exists(self, path: Path) -> bool:
        return path.parent in self.folders

    def write_atomically(self, path: Path, data: bytes, *, field: str = "file") -> Path:
        self._check(path, field)
        self.written[path] = bytes(data)
        return path

    def write_csv_atomically(self, path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], *,
                             field: str = "file", then: str = "") -> int:
        self._check(path, field, then)
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        self.written[path] = out.getvalue().encode("utf-8")
        return count

    def stream_private(self, path: Path, write: Callable[[IO[bytes]], None], *, field: str = "file"
                       ) -> WrittenFile:
        self._check(path, field)
        out = io.BytesIO()
        write(out)
        data = out.getvalue()
        self.written[path] = data
        return WrittenFile(path, hashlib.sha256(data).hexdigest(), len(data))

    def remove(self, path: Path) -> None:
        self.written.pop(path, None)
        self.removed.append(path)


if TYPE_CHECKING:
    from pos_app.services.ports.devices import FileOutput

    def _is_the_port(files: FakeFileOutput) -> FileOutput:  # mypy checks the fake against the port here
        return files
