"""A file the person chose is written whole or not at all."""

from __future__ import annotations

import hashlib
import stat
import zipfile
from pathlib import Path
from typing import IO

import pytest

from pos_app.adapters.files import LocalFiles, write_atomically
from pos_app.domain.errors import ValidationError
from pos_app.services.ports.devices import FileOutput, WrittenFile


def test_the_file_is_replaced_whole_and_no_partial_file_is_left(tmp_path: Path) -> None:
    target = tmp_path / "appraisal.pdf"
    target.write_bytes(b"old")
    assert write_atomically(target, b"%PDF-new") == target
    assert target.read_bytes() == b"%PDF-new" and [p.name for p in tmp_path.iterdir()] == ["appraisal.pdf"]


def test_a_folder_that_cannot_be_written_names_the_field_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "appraisal.pdf"
    target.write_bytes(b"old")
    missing = tmp_path / "no-such-folder" / "appraisal.pdf"
    with pytest.raises(ValidationError) as raised:
        write_atomically(missing, b"%PDF-new", field="--pdf")
    assert raised.value.field == "--pdf" and "cannot write" in str(raised.value)
    assert target.read_bytes() == b"old" and not missing.parent.exists()


def test_a_streamed_file_is_private_moved_into_place_whole_and_its_hash_is_of_what_landed(tmp_path: Path) -> None:
    target = tmp_path / "export.zip"
    target.write_bytes(b"an older export")

    def write(out: IO[bytes]) -> None:
        with zipfile.ZipFile(out, "w") as zf:  # a zip seeks back to its headers: the stream must allow it
            zf.writestr("data.json", "{}")
        assert not target.read_bytes().startswith(b"PK"), "nothing replaces the old file before the end"

    written = LocalFiles().stream_private(target, write, field="out")
    data = target.read_bytes()
    assert written == WrittenFile(target, hashlib.sha256(data).hexdigest(), len(data))
    assert zipfile.ZipFile(target).read("data.json") == b"{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and [p.name for p in tmp_path.iterdir()] == ["export.zip"]


def test_a_stream_stopped_halfway_leaves_no_partial_file_and_the_old_one_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "export.zip"
    target.write_bytes(b"an older export")

    class Cancelled(Exception):
        pass

    def write(out: IO[bytes]) -> None:
        out.write(b"half of it")
        raise Cancelled

    with pytest.raises(Cancelled):
        LocalFiles().stream_private(target, write)
    assert target.read_bytes() == b"an older export" and [p.name for p in tmp_path.iterdir()] == ["export.zip"]
    with pytest.raises(ValidationError) as raised:
        LocalFiles().stream_private(tmp_path / "no-such-folder" / "export.zip", lambda out: None, field="out")
    assert raised.value.field == "out" and "cannot write" in str(raised.value)


def test_the_local_files_are_the_file_output_every_service_and_screen_gets(tmp_path: Path) -> None:
    files: FileOutput = LocalFiles()
    assert files.folder_exists(tmp_path / "x.csv") and not files.folder_exists(tmp_path / "none" / "x.csv")
    assert files.write_csv_atomically(tmp_path / "x.csv", ["a"], [["1"], ["2"]]) == 2
    files.remove(tmp_path / "x.csv")
    files.remove(tmp_path / "x.csv")  # already gone: nothing to do
    assert not (tmp_path / "x.csv").exists()
