"""Where Facet's bundled files are: `ui/` forms, `resources/`, and `db/` migrations.

The one place that knows. In a source checkout (and an editable install) they
sit beside the package; a wheel carries them as `pos_app/_data/<name>`; a
PyInstaller bundle unpacks them under `sys._MEIPASS`. Nothing else in Facet
looks at the current directory or at `__file__` to find a bundled file.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def bundled(name: str) -> Path:
    """The folder `name` ("ui", "resources" or "db"), wherever this build keeps it."""
    candidates = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen) / name)
    candidates.append(_PACKAGE / "_data" / name)
    candidates.append(_PACKAGE.parent / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Facet's {name}/ folder is missing from this installation")


def ui_form(name: str) -> Path:
    return bundled("ui") / name


def resource(*parts: str) -> Path:
    return bundled("resources").joinpath(*parts)


def migrations() -> Path:
    return bundled("db")


def demo_data(*parts: str) -> Path:
    return bundled("db").joinpath("demo", *parts)
