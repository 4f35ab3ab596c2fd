"""Writing a file the person chose: all of it or none of it."""

from __future__ import annotations

from pathlib import Path

from pos_app.domain.errors import ValidationError


def write_atomically(path: Path, data: bytes, *, field: str = "file") -> Path:
    """Write beside `path`, then move into place: a half-written PDF never takes the place of a good one.

    A problem (a full disk, a folder one may not write to) is a ValidationError
    naming `field` and the file; the file that was there is left as it was.
    """
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ValidationError(field, f"cannot write {path}: {exc.strerror or exc}") from None
    return path
