"""Packaging: a wheel and the desktop bundle carry everything Facet needs.

ui/, resources/ and db/ live beside the package in the checkout; a wheel must
carry them as pos_app/_data/<name> and the PyInstaller bundle at its root
(pos_app.paths finds both). These tests build the real artifacts and run
`pos-app init --demo` and `pos-app doctor` from them, away from the checkout.

How the wheel is installed: into a new venv with `pip install --no-deps`, and
the dependencies are borrowed from the test run's own site-packages through a
.pth file. That takes about a second, where a full install of the dependencies
takes ~20 s and ~650 MB (.ci/run does that once, to check the declared
dependencies too). The editable install cannot leak in: site-packages reached
through a .pth line are plain path entries whose own .pth files (the editable
finder) are never run, the commands run from a temporary folder, and the test
checks that pos_app and its bundled folders are imported from the new venv.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLED = ("ui", "resources", "db")


def _repo_files(folder: str) -> list[str]:
    """Every file under REPO/folder (no caches), as paths relative to that folder."""
    root = REPO / folder
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")
    )


def _env(tmp: Path) -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH, a file keyring and data folders under `tmp`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "FACET_", "_PYI", "PYI"))}
    (tmp / "escpos").mkdir(parents=True, exist_ok=True)
    env.update({
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(tmp / "xdg-data"),
        "ESCPOS_CAPABILITIES_PICKLE_DIR": str(tmp / "escpos"),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONNOUSERSITE": "1",
    })
    return env


def _run(cmd: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, timeout=timeout,
                          capture_output=True, text=True, check=False)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (
        f"{' '.join(result.args)} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}")
    return result.stdout


def _init_and_doctor(command: list[str | Path], tmp: Path) -> dict[str, object]:
    """`<command> init --demo` then `<command> doctor --json` in a new data folder; doctor's report."""
    env, store = _env(tmp), tmp / "store"
    created = json.loads(_ok(_run([*command, "init", "--demo", "--data-dir", store, "--json"], cwd=tmp, env=env)))
    assert created["items"] > 0 and created["staff"] > 0, created
    report = json.loads(_ok(_run([*command, "doctor", "--json", "--data-dir", store], cwd=tmp, env=env)))
    assert report["ok"] is True, report["problems"]
    assert report["schema"]["current"] is True, report["schema"]
    return report


def _smoke(command: list[str | Path], tmp: Path) -> None:
    """`<command> --smoke` (offscreen): makes the demo store, shows the main window, closes it."""
    out = _ok(_run([*command, "--smoke", "--data-dir", tmp / "smoke-store"], cwd=tmp, env=_env(tmp), timeout=120))
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(e.get("event") == "ready" for e in events), out


# ---------------------------------------------------------------- configuration (fast)


def test_every_package_folder_is_listed_in_pyproject() -> None:
    """pyproject.toml lists pos_app's packages by hand; a folder missing there is missing from the wheel."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        path.parent.relative_to(REPO).as_posix().replace("/", ".")
        for path in (REPO / "pos_app").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    missing = sorted(on_disk - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml, or the wheel leaves them out"
    gone = sorted(name for name in listed - on_disk if not name.startswith("pos_app._data."))
    assert not gone, f"{gone} are listed in [tool.setuptools] packages in pyproject.toml but have no .py file"
    assert {f"pos_app._data.{name}": name for name in BUNDLED} == config["package-dir"]


# ---------------------------------------------------------------- wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built the way a release is: sdist first, then the wheel from the sdist."""
    out = tmp_path_factory.mktemp("dist")
    _ok(_run([sys.executable, "-m", "build", "--outdir", out, REPO], cwd=out, timeout=600))
    (built,) = out.glob("*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_the_bundled_folders_and_every_module(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    required = {
        "pos_app/_data/db/versions/0001_initial_schema.py",
        "pos_app/_data/db/env.py",
        "pos_app/_data/db/script.py.mako",
        "pos_app/_data/db/demo/catalog.json",
    }
    for folder in BUNDLED:
        required |= {f"pos_app/_data/{folder}/{name}" for name in _repo_files(folder)}
    required |= {f"pos_app/{name}" for name in _repo_files("pos_app") if name.endswith(".py")}
    assert not sorted(required - names), f"missing from {wheel.name}: {sorted(required - names)}"
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if n.split("/")[0] in ("tests", "ui", "resources", "db", "benchmarks")]


@pytest.fixture(scope="module")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv holding only the wheel; the dependencies come from this test run's site-packages."""
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=venv.parent))
    python = venv / "bin" / "python"
    _ok(_run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
              "--disable-pip-version-check", "--quiet", wheel], cwd=venv.parent))
    site = Path(_ok(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         cwd=venv.parent)).strip())
    ours = sysconfig.get_paths()
    (site / "_facet_test_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in dict.fromkeys((ours["purelib"], ours["platlib"]))), encoding="utf-8")
    return venv


@pytest.mark.slow
def test_installed_wheel_creates_and_checks_the_demo_store(wheel_venv: Path, tmp_path: Path) -> None:
    where = json.loads(_ok(_run([wheel_venv / "bin" / "python", "-c", (
        "import json, pos_app, pos_app.paths as p;"
        "print(json.dumps({'package': pos_app.__file__,"
        " 'bundled': {n: str(p.bundled(n)) for n in ('ui', 'resources', 'db')}}))"
    )], cwd=tmp_path, env=_env(tmp_path))))
    package = Path(where["package"]).parent
    assert package.is_relative_to(wheel_venv), f"pos_app came from {package}, not from the wheel"
    for name, folder in where["bundled"].items():
        assert Path(folder) == package / "_data" / name

    report = _init_and_doctor([wheel_venv / "bin" / "pos-app"], tmp_path)
    assert report["counts"]["items"] > 0


_RENDER_FROM_THE_WHEEL = """
import io, json, pdfplumber, pos_app
from reportlab.pdfbase import pdfmetrics
from pos_app.documents import fonts
from pos_app.documents.tags import LABEL_STOCKS, Tag, render_tag_sheet
pdf = render_tag_sheet([Tag("S-1", "S-1", "$1.00", "Łódź Nguyễn Şule", "王小明")], LABEL_STOCKS["avery-l7160"],
                       store_name="Zoë Ørsted")  # a label big enough to name the store
with pdfplumber.open(io.BytesIO(pdf)) as doc:
    text = doc.pages[0].extract_text()
print(json.dumps({"package": pos_app.__file__, "text": text,
                  "fonts": [pdfmetrics.getFont(n).face.filename for n in (fonts.REGULAR, fonts.BOLD, fonts.CJK)]}))
"""


@pytest.mark.slow
def test_installed_wheel_sets_pdfs_in_the_fonts_it_carries(wheel_venv: Path, tmp_path: Path) -> None:
    done = json.loads(_ok(_run([wheel_venv / "bin" / "python", "-c", _RENDER_FROM_THE_WHEEL], cwd=tmp_path,
                               env=_env(tmp_path))))
    fonts_folder = Path(done["package"]).parent / "_data" / "resources" / "fonts"
    assert fonts_folder.is_relative_to(wheel_venv)
    assert [Path(f).parent for f in done["fonts"]] == [fonts_folder] * 3
    assert "Łódź Nguyễn Şule" in done["text"] and "王小明" in done["text"] and "Zoë Ørsted" in done["text"]


@pytest.mark.slow
def test_installed_wheel_opens_and_closes_the_main_window(wheel_venv: Path, tmp_path: Path) -> None:
    _smoke([wheel_venv / "bin" / "pos-app"], tmp_path)


# ---------------------------------------------------------------- desktop bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """dist/facet built from build.spec (about 40 s): the folder holding the `facet` executable."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is a test dependency: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("pyinstaller")
    started = time.monotonic()
    _ok(_run([sys.executable, "-m", "PyInstaller", REPO / "build.spec", "--noconfirm", "--log-level", "WARN",
              "--distpath", out / "dist", "--workpath", out / "work"], cwd=out, timeout=900))
    print(f"desktop bundle built in {time.monotonic() - started:.0f} s")
    yield out / "dist" / "facet"


@pytest.mark.slow
def test_bundle_carries_facet_folders_and_library_data(bundle: Path) -> None:
    internal = bundle / "_internal"  # sys._MEIPASS of a one-folder build
    missing = [f"{folder}/{name}" for folder in BUNDLED for name in _repo_files(folder)
               if not (internal / folder / name).is_file()]
    assert not missing, f"missing from the bundle: {missing}"
    for data in ("escpos/capabilities.json", "babel/global.dat", "babel/locale-data/en_US.dat",
                 "stripe/data/ca-certificates.crt", "reportlab/fonts"):
        assert (internal / data).exists(), f"{data} is missing from the bundle"
    assert list(internal.glob("keyrings.alt-*.dist-info/entry_points.txt")), "keyrings.alt's entry points are missing"
    heavy = [p.name for p in (internal / "PySide6" / "Qt" / "lib").glob("libQt6*")
             if p.name.startswith(("libQt6WebEngine", "libQt6Quick", "libQt6Qml", "libQt63D", "libQt6Multimedia"))]
    assert not heavy, f"unused Qt libraries in the bundle: {heavy}"


@pytest.mark.slow
def test_bundle_runs_the_cli(bundle: Path, tmp_path: Path) -> None:
    facet = bundle / "facet"
    assert "pos-app" in _ok(_run([facet, "--help"], cwd=tmp_path, env=_env(tmp_path), timeout=60))
    _init_and_doctor([facet], tmp_path)


@pytest.mark.slow
def test_bundle_opens_and_closes_the_main_window(bundle: Path, tmp_path: Path) -> None:
    _smoke([bundle / "facet"], tmp_path)
