"""Appraisals on a real store: numbering, drafts, finalizing, and corrections as new versions."""

from __future__ import annotations

import datetime as dt

import pytest

from pos_app import app
from pos_app.domain.errors import Conflict, PermissionDenied, ValidationError
from pos_app.domain.money import Money
from pos_app.domain.permissions import Role
from pos_app.services import appraisals
from tests.conftest import actor_for

TODAY = dt.date(2026, 11, 25)
FORM = {"purpose": "insurance", "appraised_on": "2026-11-20", "style": "halo", "metal": "18k white",
        "gram_weight": "6.42", "chain_length_in": "18", "clasp": "lobster",
        "description": "An 18k white gold halo pendant necklace with a round brilliant center.",
        "value": "18,500.00", "limiting_conditions": "Stones graded as mounted."}
STONES = [{"role": "center", "shape": "round", "count": "1", "carat": "1.02", "color": "G", "clarity": "VS1",
           "cut": "excellent", "measurements": "6.45 x 6.48 x 3.98 mm"},
          {"role": "side", "shape": "round", "count": "18", "carat": "0.36", "color": "H", "clarity": "SI1"}]


def test_a_draft_is_numbered_by_year_and_becomes_final(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    conn = demo_facet.connection()
    (used,), = conn.execute("SELECT count(DISTINCT number) FROM appraisals WHERE number LIKE 'AP-2026-%'")
    conn.close()
    first = appraisals.create_draft(FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    second = appraisals.create_draft(FORM, [], uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    assert (first.number, second.number) == (f"AP-2026-{used + 1:04d}", f"AP-2026-{used + 2:04d}")
    assert first.status == "draft" and first.spec.value == Money(1_850_000)
    assert [(s.role.value, s.count, s.carat_points) for s in first.spec.stones] == [("center", 1, 102),
                                                                                   ("side", 18, 36)]
    changed = appraisals.update_draft(first.id, {**FORM, "value": "19,000"}, STONES[:1], uow=demo_facet.uow(),
                                      actor=appraiser, today=TODAY)
    assert changed.spec.value == Money(1_900_000) and len(changed.spec.stones) == 1
    final = appraisals.finalize(first.id, uow=demo_facet.uow(), actor=appraiser)
    assert final.status == "final" and final.finalized_at is not None
    assert final.retain_until == dt.date(2036, 11, 20)


def test_a_final_appraisal_never_changes_a_correction_is_a_new_version(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    draft = appraisals.create_draft(FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    final = appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)
    with pytest.raises(Conflict, match="final and never changes"):
        appraisals.update_draft(final.id, {**FORM, "value": "1.00"}, [], uow=demo_facet.uow(), actor=appraiser,
                                today=TODAY)
    v2 = appraisals.correct(final.id, uow=demo_facet.uow(), actor=appraiser)
    assert (v2.number, v2.version, v2.supersedes_id, v2.status) == (final.number, 2, final.id, "draft")
    with pytest.raises(Conflict, match="already has version 2"):
        appraisals.correct(final.id, uow=demo_facet.uow(), actor=appraiser)
    appraisals.update_draft(v2.id, {**FORM, "value": "17,900.00"}, STONES, uow=demo_facet.uow(), actor=appraiser,
                            today=TODAY)
    appraisals.finalize(v2.id, uow=demo_facet.uow(), actor=appraiser)
    with demo_facet.uow() as uow:
        old, new = uow.appraisals.get(final.id), uow.appraisals.get(v2.id)
    assert old is not None and new is not None
    assert old.spec.value == Money(1_850_000) and new.spec.value == Money(1_790_000)
    assert old.status == new.status == "final"


def test_a_final_appraisal_needs_a_value_a_description_and_credentials(demo_facet: app.Facet) -> None:
    appraiser, owner = actor_for(demo_facet, Role.APPRAISER), actor_for(demo_facet, Role.OWNER)
    no_value = appraisals.create_draft({**FORM, "value": ""}, [], uow=demo_facet.uow(), actor=appraiser,
                                       today=TODAY)
    with pytest.raises(ValidationError, match="value"):
        appraisals.finalize(no_value.id, uow=demo_facet.uow(), actor=appraiser)
    by_owner = appraisals.create_draft(FORM, [], uow=demo_facet.uow(), actor=owner, today=TODAY)
    with pytest.raises(ValidationError, match="credentials"):
        appraisals.finalize(by_owner.id, uow=demo_facet.uow(), actor=owner)


@pytest.mark.parametrize(("form", "stones", "field"), [
    ({**FORM, "purpose": "curiosity"}, [], "purpose"),
    ({**FORM, "appraised_on": "2027-01-01"}, [], "appraised_on"),
    ({**FORM, "value": "-5"}, [], "value"),
    ({**FORM, "chain_length_in": "90"}, [], "chain_length_in"),
    (FORM, [{"role": "center", "clarity": "VVS9"}], "stone 1 clarity"),
    (FORM, [{"role": "side", "count": "0"}], "stone 1 count"),
    (FORM, [STONES[0], {"carat": "0"}], "stone 2 carat"),
])
def test_bad_input_names_the_field_and_writes_nothing(demo_facet: app.Facet, form: dict[str, str],
                                                     stones: list[dict[str, str]], field: str) -> None:
    count = demo_facet.connection().execute("SELECT count(*) FROM appraisals").fetchone()[0]
    with pytest.raises(ValidationError) as caught:
        appraisals.create_draft(form, stones, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.APPRAISER),
                                today=TODAY)
    assert caught.value.field == field
    assert demo_facet.connection().execute("SELECT count(*) FROM appraisals").fetchone()[0] == count


def test_clerks_cannot_write_appraisals_and_writers_need_the_finalize_permission(demo_facet: app.Facet) -> None:
    with pytest.raises(PermissionDenied):
        appraisals.create_draft(FORM, [], uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.CLERK),
                                today=TODAY)
    draft = appraisals.create_draft(FORM, [], uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.APPRAISER),
                                    today=TODAY)
    with pytest.raises(PermissionDenied):
        appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=actor_for(demo_facet, Role.MANAGER))


# ---------------------------------------------------------------- the printed appraisal and its check

import io  # noqa: E402
import json as _json  # noqa: E402
from pathlib import Path  # noqa: E402

import pdfplumber  # noqa: E402
import pypdfium2  # noqa: E402
import zxingcpp  # noqa: E402

from pos_app import cli  # noqa: E402
from pos_app.documents.appraisal_pdf import render_appraisal_pdf  # noqa: E402


def _text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_the_final_appraisal_prints_every_field_and_a_qr_code_that_checks_out(demo_facet: app.Facet,
                                                                             tmp_path: Path) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    draft = appraisals.create_draft(FORM, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    draft_pdf = render_appraisal_pdf(appraisals.document(draft.id, uow=demo_facet.uow(), actor=appraiser))
    assert "DRAFT" in _text(draft_pdf)
    final = appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)
    doc = appraisals.document(final.id, uow=demo_facet.uow(), actor=appraiser)
    data = render_appraisal_pdf(doc)
    text = _text(data)
    for expected in ("Jane Ellen", final.number, "November 20, 2026", "Insurance replacement", "Store inventory",
                     "Halo", "18k White Gold", "6.42 g", "18 in", "lobster", "halo pendant necklace",
                     "Center stone", "1.02 ct", "VS1", "6.45 x 6.48 x 3.98 mm", "Side stones", "18",
                     "$18,500.00", "Eighteen thousand, five hundred dollars and zero cents", "Priya Nair",
                     "GIA Graduate Gemologist", "Stones graded as mounted.", "page 1 of 1"):
        assert expected in text, expected
    assert "DRAFT" not in text
    image = pypdfium2.PdfDocument(data)[0].render(scale=3).to_pil()
    image.save(tmp_path / "appraisal.png")
    [qr] = [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert qr.text == doc.qr_payload and qr.text.startswith(f"{final.number} v1 ")
    code = qr.text.split()[-1]
    assert appraisals.verify(final.number.lower(), code, uow=demo_facet.uow(), actor=appraiser)[0]
    # printing the same final appraisal again gives the same content
    assert _text(render_appraisal_pdf(appraisals.document(final.id, uow=demo_facet.uow(),
                                                          actor=appraiser))) == text

    # an edit behind Facet's back no longer matches the paper
    conn = demo_facet.connection()
    conn.execute("UPDATE appraisals SET value_cents = 2500000 WHERE id = ?", (final.id,))
    conn.close()
    matches, message = appraisals.verify(final.number, code, uow=demo_facet.uow(), actor=appraiser)
    assert not matches and "altered" in message


@pytest.mark.usefixtures("cli_owner")
def test_print_and_verify_from_the_command_line(capsys: pytest.CaptureFixture[str], demo_dir: Path,
                                                tmp_path: Path) -> None:
    facet = app.open_facet(demo_dir)
    try:
        appraiser = actor_for(facet, Role.APPRAISER)
        draft = appraisals.create_draft(FORM, STONES, uow=facet.uow(), actor=appraiser, today=TODAY)
        number = appraisals.finalize(draft.id, uow=facet.uow(), actor=appraiser).number
    finally:
        facet.close()
    pdf = tmp_path / "ap.pdf"
    assert cli.main(["appraisals", "print", number, "--pdf", str(pdf), "--json",
                     "--data-dir", str(demo_dir)]) == 0
    code = _json.loads(capsys.readouterr().out)["verification_code"].split()[-1]
    assert number in _text(pdf.read_bytes())
    assert cli.main(["appraisals", "verify", number, code, "--data-dir", str(demo_dir)]) == 0
    assert "matches" in capsys.readouterr().out
    assert cli.main(["appraisals", "verify", number, "000000000000", "--data-dir", str(demo_dir)]) == 1
    assert cli.main(["appraisals", "print", "AP-1999-0099", "--pdf", str(tmp_path / "x.pdf"),
                     "--data-dir", str(demo_dir)]) == 2


@pytest.mark.usefixtures("cli_owner")
def test_the_list_finds_by_number_sku_or_certificate_and_shows_drafts_waiting(
        capsys: pytest.CaptureFixture[str], demo_dir: Path) -> None:
    from pos_app.services import certificates

    facet = app.open_facet(demo_dir)
    try:
        appraiser = actor_for(facet, Role.APPRAISER)
        item, sku = facet.connection().execute(
            "SELECT id, sku FROM items WHERE id NOT IN (SELECT item_id FROM appraisals WHERE item_id IS NOT NULL) "
            "ORDER BY sku LIMIT 1").fetchone()
        cert = certificates.add_certificate({"lab": "IGI", "report_number": "LG612345678", "carat": "1.02",
                                             "origin": "lab grown"}, uow=facet.uow(), actor=appraiser, today=TODAY)
        first = appraisals.create_draft(FORM, [{**STONES[0], "certificate_id": cert.id}], uow=facet.uow(),
                                        actor=appraiser, today=TODAY, item_id=item)
        appraisals.finalize(first.id, uow=facet.uow(), actor=appraiser)
        appraisals.correct(first.id, uow=facet.uow(), actor=appraiser)
        second = appraisals.create_draft(FORM, [], uow=facet.uow(), actor=appraiser, today=TODAY)
        with pytest.raises(PermissionDenied):
            appraisals.list_appraisals(reader=facet.store.appraisals, actor=actor_for(facet, Role.CLERK), uow=facet.uow())
    finally:
        facet.close()

    def listed(*extra: str) -> list[tuple[str, int, str, bool]]:
        assert cli.main(["appraisals", "list", "--json", "--data-dir", str(demo_dir), *extra]) == 0
        rows = _json.loads(capsys.readouterr().out)["appraisals"]
        return [(r["number"], r["version"], r["status"], r["superseded"]) for r in rows]

    a, b = first.number, second.number
    assert [r for r in listed() if r[0] in (a, b)] == [(b, 1, "draft", False), (a, 2, "draft", False), (a, 1, "final", True)]
    assert [r for r in listed("--drafts") if r[0] in (a, b)] == [(b, 1, "draft", False), (a, 2, "draft", False)]
    assert all(r[2] == "draft" for r in listed("--drafts"))
    assert [r[:2] for r in listed("--search", sku)] == [(a, 2), (a, 1)]
    assert [r[:2] for r in listed("--search", "612345678")] == [(a, 2), (a, 1)]


def test_records_past_ten_years_are_erased_and_the_rest_kept(demo_facet: app.Facet) -> None:
    from pos_app.services import certificates

    appraiser, officer = actor_for(demo_facet, Role.APPRAISER), actor_for(demo_facet, Role.PRIVACY_OFFICER)
    old_cert = certificates.add_certificate({"lab": "GIA", "report_number": "1152345678", "report_date": "2015-06-01",
                                             "carat": "1.10"}, uow=demo_facet.uow(), actor=appraiser, today=TODAY,
                                            scan=b"%PDF-1.4 old scan")
    new_cert = certificates.add_certificate({"lab": "GIA", "report_number": "2152345678", "report_date": "2024-06-01",
                                             "carat": "0.90"}, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    old = appraisals.create_draft({**FORM, "appraised_on": "2014-05-02"}, STONES, uow=demo_facet.uow(),
                                  actor=appraiser, today=TODAY)
    old = appraisals.finalize(old.id, uow=demo_facet.uow(), actor=appraiser)
    kept = appraisals.create_draft(FORM, [{**STONES[0], "certificate_id": old_cert.id},
                                          {**STONES[1], "certificate_id": new_cert.id}],
                                   uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    kept = appraisals.finalize(kept.id, uow=demo_facet.uow(), actor=appraiser)
    assert old.retain_until == dt.date(2024, 5, 2)
    with pytest.raises(PermissionDenied):
        appraisals.erase_expired(uow=demo_facet.uow(), actor=appraiser, today=TODAY)

    assert appraisals.erase_expired(uow=demo_facet.uow(), actor=officer, today=TODAY) == (1, 1)
    conn = demo_facet.connection()
    assert [r[0] for r in conn.execute("SELECT id FROM appraisals WHERE id IN (?, ?)", (old.id, kept.id))] == [
        kept.id]
    assert [r[0] for r in conn.execute("SELECT id FROM certificates WHERE id IN (?, ?)",
                                       (old_cert.id, new_cert.id))] == [new_cert.id]
    assert conn.execute("SELECT count(*) FROM appraisal_stones WHERE appraisal_id = ?", (old.id,)).fetchone()[0] == 0
    links = [r[0] for r in conn.execute("SELECT certificate_id FROM appraisal_stones WHERE appraisal_id = ? "
                                        "ORDER BY role", (kept.id,))]
    assert links == [None, new_cert.id]
    tombstones = {r[0] for r in conn.execute("SELECT row_id FROM outbox WHERE op = 'delete'")}
    assert {old.id, old_cert.id} <= tombstones
    assert appraisals.erase_expired(uow=demo_facet.uow(), actor=officer, today=TODAY) == (0, 0)
