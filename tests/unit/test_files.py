"""A file the person chose is written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos_app.adapters.files import write_atomically
from pos_app.domain.errors import ValidationError


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
