"""python-escpos, loaded once and safely; its printer profiles read without loading it.

Role and contract
-----------------
The one place Facet imports python-escpos (`load_escpos`), for both the
receipt layouts (`pos_app.documents.receipt_escpos`) and the printer adapter
(`pos_app.adapters.receipt_printer`), which must not import each other's
layer. It also answers, from python-escpos's printer database, how many
characters a line a profile prints (`font_a_columns`) without the 0.6 s
import, and describes a damaged capability cache for `pos-app doctor`
(`cache_problem`). Thread-safe; the import runs once per process.

The capability cache
--------------------
python-escpos 3.1 reads its printer database (capabilities.json) when
`escpos.capabilities` is imported and keeps a pickled copy in
ESCPOS_CAPABILITIES_PICKLE_DIR. It writes that pickle in place (open for
writing, then dump), so a process killed at that moment leaves an empty or
truncated file, and every later import in every process raises EOFError or
UnpicklingError: no receipt renders and no drawer opens until someone
deletes the file. So before the import, `load_escpos` reads the pickle
itself; one that does not unpickle to python-escpos's database, or is older
than capabilities.json, is replaced by a new one written atomically (a temp
file in the same folder, flushed to disk, then `os.replace`), dated no
earlier than capabilities.json, so python-escpos finds a good cache and
never writes its own. Two processes repairing at once each replace the file
whole. Should the import still fail on the cache (replaced by something
else in between), the cache is written again and the import tried once
more. A cache folder that cannot be written is swapped for a private
temporary one for this process (python-escpos then builds its database from
the JSON, about 40 ms).

The folder is Facet's user cache (`platformdirs`, `.../facet/escpos`) unless
the environment already names one (the tests do). python-escpos 3.1 also
calls `tempfile.mkdtemp()` as the fallback of that lookup even when the
variable is set, which would leave an empty /tmp/tmpXXXX behind each
process: for the moment of the import, `mkdtemp` called from
`escpos.capabilities` (and only from there) answers the cache folder.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

PICKLE_DIR_VARIABLE = "ESCPOS_CAPABILITIES_PICKLE_DIR"
CAPABILITIES_FILE_VARIABLE = "ESCPOS_CAPABILITIES_FILE"
_TEMP_PREFIX = ".facet-capabilities-"

_IMPORT = threading.Lock()
_QUIET = threading.RLock()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep python-escpos's print() notices ("Using hardware barcode renderer") off stdout.

    `redirect_stdout` swaps `sys.stdout` for the whole process; the lock keeps
    two threads from restoring each other's swap out of order.
    """
    with _QUIET, contextlib.redirect_stdout(io.StringIO()):
        yield


def cache_folder() -> Path:
    """Where python-escpos keeps its capability cache for Facet (the environment's choice wins)."""
    folder = os.environ.get(PICKLE_DIR_VARIABLE)
    if folder:
        return Path(folder)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("facet", appauthor=False)) / "escpos"


def cache_path(folder: Path | None = None) -> Path:
    """The pickle python-escpos reads: one per Python version, as python-escpos names it."""
    return (folder or cache_folder()) / f"{platform.python_version()}.capabilities.pickle"


def capabilities_file() -> Path:
    """python-escpos's printer database (capabilities.json), as its own import finds it."""
    named = os.environ.get(CAPABILITIES_FILE_VARIABLE)
    if named:
        return Path(named)
    import importlib.util

    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("python-escpos is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"


@cache
def _database() -> dict[str, Any]:
    """The printer database as python-escpos loads it (its YAML loader reads this JSON to the same dict)."""
    with capabilities_file().open(encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise ValueError(f"{capabilities_file()} is not python-escpos's printer database")
    return data


def known_profiles() -> list[str]:
    return sorted(_database()["profiles"])


def font_a_columns(profile: str) -> int:
    """Characters a line `profile` prints in its font A; KeyError if python-escpos has no such profile."""
    return int(_database()["profiles"][profile]["fonts"]["0"]["columns"])


def cache_problem(folder: Path | None = None) -> str | None:
    """What is wrong with the capability cache in `folder` (Facet's, by default), or None. Reads only."""
    path = cache_path(folder)
    if not path.exists():
        return None  # made at the first receipt
    problem = _pickle_problem(path)
    return None if problem is None else f"python-escpos's capability cache {path} is {problem}"


def _pickle_problem(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            data = pickle.load(f)  # noqa: S301 - python-escpos's own cache in this user's own cache folder
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable ({error.strerror or error})"
    except Exception as error:  # noqa: BLE001 - EOFError, UnpicklingError, ...: all mean "damaged"
        return "empty" if path.stat().st_size == 0 else f"damaged ({type(error).__name__})"
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        return "not python-escpos's printer database"
    return None


def _cache_is_good(path: Path, source: Path) -> bool:
    try:
        if path.stat().st_mtime < source.stat().st_mtime:
            return False  # python-escpos would rebuild it, in place
    except OSError:
        return False
    return _pickle_problem(path) is None


def write_cache(folder: Path) -> Path:
    """Write the capability cache into `folder` atomically, dated no earlier than capabilities.json."""
    folder.mkdir(parents=True, exist_ok=True)
    path, source = cache_path(folder), capabilities_file()
    _remove_stale_temp_files(folder)
    handle, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as f:
            pickle.dump(_database(), f, protocol=2)  # python-escpos's own protocol
            f.flush()
            os.fsync(f.fileno())
        stamp = max(time.time(), source.stat().st_mtime)
        os.utime(temp, (stamp, stamp))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a power cut once the folder is synced
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return path


def _remove_stale_temp_files(folder: Path) -> None:
    """Temp files of a process killed while writing (older than a minute: not one being written now)."""
    for stale in folder.glob(f"{_TEMP_PREFIX}*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > 60:
                stale.unlink()


def _ready_cache() -> Path:
    """A folder holding a good capability cache, Facet's own if it can be written, else a private one."""
    folder = cache_folder()
    try:
        if not _cache_is_good(cache_path(folder), capabilities_file()):
            write_cache(folder)
        return folder
    except OSError:
        private = Path(tempfile.mkdtemp(prefix="facet-escpos-"))
        import atexit

        atexit.register(shutil.rmtree, private, True)
        return private


def load_escpos() -> None:
    """Import python-escpos (`escpos.printer`) once, with a sound capability cache (see the module docstring)."""
    with _IMPORT:
        if "escpos.printer" in sys.modules:
            return
        folder = _ready_cache()
        os.environ[PICKLE_DIR_VARIABLE] = str(folder)
        try:
            _import(folder)
        except (EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            # The cache was spoiled between the check and the import: write it again and retry once.
            for name in [m for m in sys.modules if m == "escpos" or m.startswith("escpos.")]:
                del sys.modules[name]
            write_cache(folder)
            _import(folder)


def _import(folder: Path) -> None:
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args: Any, **kwargs: Any) -> Any:
        if sys._getframe(1).f_globals.get("__name__") == "escpos.capabilities":
            return str(folder)
        return real_mkdtemp(*args, **kwargs)

    tempfile.mkdtemp = mkdtemp
    try:
        with quiet():
            import escpos.printer  # noqa: F401 - imported for its side effect: loaded once, here
    finally:
        tempfile.mkdtemp = real_mkdtemp
