"""An appraisal says one thing about its value, and its last lines never sit alone on a page.

The demo's final fair-market-value appraisal (AP-<year>-0009) once said
"Fair market value" in its facts and "replacement cost ... for insurance" in
its limiting conditions, and printed its verification line alone on page 2.
Read back with pdfplumber, page by page, from the real demo store and from
documents built to land the page break at every point near the end.
"""

from __future__ import annotations

import io

import pdfplumber
import pypdfium2
import pytest

from pos_app import app
from pos_app.documents.appraisal_pdf import render_appraisal_pdf
from pos_app.domain.appraisals import Purpose, conditions_purpose_conflict, standard_limiting_conditions
from pos_app.domain.errors import ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import appraisals
from tests.conftest import actor_for
from tests.integration.test_appraisal_pdf import CODE, appraisal
from tests.integration.test_appraisal_records import FORM, STONES, TODAY


def pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [" ".join((page.extract_text() or "").split()) for page in pdf.pages]


def demo_appraisal(facet: app.Facet, purpose: Purpose, status: str) -> str:
    conn = facet.connection()
    try:
        (appraisal_id,), = conn.execute("SELECT id FROM appraisals WHERE purpose = ? AND status = ?",
                                        (purpose.value, status)).fetchall()
    finally:
        conn.close()
    return str(appraisal_id)


def assert_the_verification_line_is_not_alone(pages: list[str], conditions: str) -> None:
    """The page with the verification code also holds the limiting conditions' heading and their last words."""
    [page] = [text for text in pages if "Verification code:" in text]
    body = page[:page.index("Verification code:")]
    assert "Limiting conditions" in body and " ".join(conditions.split()[-6:]) in body, page


# ---------------------------------------------------------------- the demo's fair-market-value appraisal


def test_the_demos_fair_market_value_appraisal_says_fair_market_value_throughout(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    doc = appraisals.document(demo_appraisal(demo_facet, Purpose.FAIR_MARKET, "final"), uow=demo_facet.uow(),
                              actor=appraiser)
    assert doc.purpose == "Fair market value"
    assert doc.limiting_conditions == standard_limiting_conditions(Purpose.FAIR_MARKET)
    text = " ".join(pages_text(render_appraisal_pdf(doc)))
    assert "Purpose Fair market value" in text
    assert "states the fair market value of the piece described" in text
    assert "It is not a retail replacement cost, nor an insurance value." in text
    assert "estimated retail replacement cost" not in text and "for insurance" not in text


@pytest.mark.parametrize("certificate_pages", [False, True], ids=["appraisal", "with certificate summary"])
def test_the_demos_fair_market_value_appraisal_keeps_its_verification_line_with_its_conditions(
        demo_facet: app.Facet, certificate_pages: bool) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    doc = appraisals.document(demo_appraisal(demo_facet, Purpose.FAIR_MARKET, "final"), uow=demo_facet.uow(),
                              actor=appraiser)
    pages = pages_text(render_appraisal_pdf(doc, certificate_pages=certificate_pages))
    assert_the_verification_line_is_not_alone(pages, doc.limiting_conditions)
    appraisal_pages = [text for text in pages if "Certificate summary" not in text]
    assert len(appraisal_pages) == 2 and len(pages) == (3 if certificate_pages else 2)
    assert "Appraised value" in appraisal_pages[0] and "Appraiser" in appraisal_pages[0]
    assert appraisal_pages[1].startswith("Limiting conditions")  # the whole block went over, heading first
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in text


def test_every_demo_appraisals_conditions_agree_with_its_purpose(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    listed = appraisals.list_appraisals(reader=demo_facet.store.appraisals, actor=appraiser, uow=demo_facet.uow())
    assert {r.purpose for r in listed} == {p.value for p in Purpose}
    for row in listed:
        spec = appraisals.get(row.id, uow=demo_facet.uow(), actor=appraiser).spec
        assert spec.limiting_conditions == standard_limiting_conditions(spec.purpose), row.number
        assert conditions_purpose_conflict(spec.purpose, spec.limiting_conditions) is None


# ---------------------------------------------------------------- wherever the page breaks


def _lengthened(reps: int, conditions: str) -> list[str]:
    """The pages of an appraisal without photos or stones whose description has `reps` more sentences: each
    pushes its end down about a line, so some `reps` put the page's foot where the verification line would be."""
    doc = appraisal(description="A halo pendant. " + "Hand-engraved scrollwork along the bail. " * reps,
                    limiting_conditions=conditions, photos=(), certificates=(), stones=())
    pdf = pypdfium2.PdfDocument(render_appraisal_pdf(doc))  # pdfium's text: a sweep of renders stays quick
    return [" ".join(page.get_textpage().get_text_range().split()) for page in pdf]


def test_the_verification_line_never_stands_alone_wherever_the_page_breaks() -> None:
    conditions = standard_limiting_conditions(Purpose.INSURANCE)
    pages_seen = set()
    for reps in range(8, 24):  # the page count goes from 1 to 2 in here (asserted below)
        pages = _lengthened(reps, conditions)
        pages_seen.add(len(pages))
        assert_the_verification_line_is_not_alone(pages, conditions)
        assert f"Verification code: {CODE}" in pages[-1]
    assert pages_seen == {1, 2}  # the sweep did cross the page's foot


def test_without_conditions_the_verification_line_goes_with_the_signature() -> None:
    pages_seen = set()
    for reps in range(20, 36):
        pages = _lengthened(reps, "")
        pages_seen.add(len(pages))
        [page] = [text for text in pages if "Verification code:" in text]
        assert "Appraised value" in page and "Priya Nair, GIA Graduate Gemologist Appraiser" in page
    assert pages_seen == {1, 2}


# ---------------------------------------------------------------- a final appraisal cannot contradict itself


def test_finalizing_refuses_conditions_that_state_another_purposes_value(demo_facet: app.Facet) -> None:
    appraiser = actor_for(demo_facet, Role.APPRAISER)
    form = {**FORM, "purpose": "fair_market_value",
            "limiting_conditions": standard_limiting_conditions(Purpose.INSURANCE)}
    draft = appraisals.create_draft(form, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    with pytest.raises(ValidationError) as refused:
        appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser)
    assert refused.value.field == "limiting_conditions"
    assert "insurance replacement" in str(refused.value) and "fair market value" in str(refused.value)
    assert appraisals.get(draft.id, uow=demo_facet.uow(), actor=appraiser).status == "draft"  # nothing changed

    fixed = {**form, "limiting_conditions": standard_limiting_conditions(Purpose.FAIR_MARKET)}
    appraisals.update_draft(draft.id, fixed, STONES, uow=demo_facet.uow(), actor=appraiser, today=TODAY)
    assert appraisals.finalize(draft.id, uow=demo_facet.uow(), actor=appraiser).status == "final"


def test_the_insurance_wording_is_still_the_stores_default_setting() -> None:
    from pos_app.services.settings import DEFAULT_LIMITING_CONDITIONS, SETTINGS

    assert SETTINGS["appraisals.limiting_conditions"].default == DEFAULT_LIMITING_CONDITIONS
    assert DEFAULT_LIMITING_CONDITIONS == standard_limiting_conditions(Purpose.INSURANCE)
