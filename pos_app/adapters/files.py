"""Writing a file the person chose: all of it or none of it, readable by its owner only.

Exports hold customers' data (a privacy export, a marketing list) or the
store's (an item list, the audit trail): each file is created with mode 0600,
whatever the umask, so another account on the machine cannot read it.
`LocalFiles` is the `FileOutput` port (services/ports/devices.py) over these
functions; the composition root hands it to the services (`Facet.files`).
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pos_app.domain.errors import ValidationError
from pos_app.services.ports.devices import WrittenFile

PRIVATE = 0o600


def open_private(path: Path, mode: str = "wb", **kwargs: Any) -> IO[Any]:
    """`path` created new (replacing any file there) with mode 0600, opened for writing with `mode`."""
    path.unlink(missing_ok=True)  # an old file keeps its own, maybe wider, mode when truncated
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


def write_atomically(path: Path, data: bytes, *, field: str = "file") -> Path:
    """Write beside `path`, then move into place: a half-written PDF never takes the place of a good one.

    A problem (a full disk, a folder one may not write to) is a ValidationError
    naming `field` and the file; the file that was there is left as it was.
    """
    partial = path.with_name(path.name + ".partial")
    try:
        with open_private(partial) as out:
            out.write(data)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ValidationError(field, f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_csv_atomically(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], *,
                         field: str = "file", then: str = "") -> int:
    """A CSV file (UTF-8) streamed row by row beside `path`, synced, then moved into place: all of it or
    none of it, however many rows. Returns how many rows were written (the header not counted).

    A problem writing is a ValidationError naming `field` and the file (`then` adds what it means, say
    "; nothing was imported"); whatever stops the rows (a cancel, a failed query) leaves no partial file.
    """
    partial = path.with_name(path.name + ".partial")
    written = 0
    try:
        with open_private(partial, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                written += 1
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except OSError as exc:
        raise ValidationError(field, f"cannot write {path}: {exc.strerror or exc}{then}") from None
    finally:
        partial.unlink(missing_ok=True)
    return written


def stream_private(path: Path, write: Callable[[IO[bytes]], None], *, field: str = "file") -> WrittenFile:
    """`write` fills a new private file beside `path` (`<name>.part`), which is then hashed and moved into place.

    A problem writing is a ValidationError naming `field` and the file; whatever else `write` raises (a cancel)
    is raised as it is. Either way the partial file is removed and the file that was there is left as it was.
    """
    partial = path.with_name(path.name + ".part")
    try:
        with open_private(partial) as out:
            write(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ValidationError(field, f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    digest = hashlib.sha256()
    with partial.open("rb") as done:
        while chunk := done.read(1 << 20):
            digest.update(chunk)
    size = partial.stat().st_size
    partial.replace(path)
    return WrittenFile(path, digest.hexdigest(), size)


class LocalFiles:
    """The `FileOutput` port on this machine's file system (the paths a person chose)."""

    def folder_exists(self, path: Path) -> bool:
        return path.parent.is_dir()

    def write_atomically(self, path: Path, data: bytes, *, field: str = "file") -> Path:
        return write_atomically(path, data, field=field)

    def write_csv_atomically(self, path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], *,
                             field: str = "file", then: str = "") -> int:
        return write_csv_atomically(path, header, rows, field=field, then=then)

    def stream_private(self, path: Path, write: Callable[[IO[bytes]], None], *, field: str = "file"
                       ) -> WrittenFile:
        return stream_private(path, write, field=field)

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)


if TYPE_CHECKING:
    from pos_app.services.ports.devices import FileOutput

    def _is_the_port(files: LocalFiles) -> FileOutput:  # mypy checks LocalFiles against the FileOutput port here
        return files
