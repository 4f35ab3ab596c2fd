"""Appraisals (services/appraisals.py) on the fakes: drafts, who signs, finalizing, versions, photos, from a sale."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pos_app.domain.appraisals import RETENTION_YEARS, short_hash
from pos_app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from pos_app.domain.permissions import Role
from pos_app.services import appraisals
from pos_app.services.guard import ApprovalNeeded
from tests.fakes.appraisals import FakeAppraisalReader
from tests.fakes.builders import actor, add_customer, add_item, add_sale, staff_id
from tests.fakes.sales import FakeSalesReader, line_id
from tests.fakes.uow import FakeUnitOfWork

APPRAISER, OWNER, CLERK, MANAGER = actor(Role.APPRAISER), actor(Role.OWNER), actor(Role.CLERK), actor(Role.MANAGER)
TODAY = dt.date(2026, 3, 2)
AT = dt.datetime(2026, 3, 2, 16, tzinfo=dt.UTC)
RING = {"description": "Platinum solitaire ring, 1.01 ct round diamond", "value": "5200"}
JPEG, PNG = b"\xff\xd8\xff\xe0 photo", b"\x89PNG\r\n\x1a\n photo"


@pytest.fixture
def uow(uow: FakeUnitOfWork) -> FakeUnitOfWork:
    """The fake store, its appraiser's credentials on file (the owner has none)."""
    row = uow.state.staff[staff_id(Role.APPRAISER)]
    row.record = dataclasses.replace(row.record, credentials="GIA Graduate Gemologist")
    return uow


def draft(uow: FakeUnitOfWork, raw: dict[str, str] = RING, by: object = APPRAISER, **kwargs: object) -> str:
    return appraisals.create_draft(raw, [], uow=uow, actor=by, today=TODAY, **kwargs).id  # type: ignore[arg-type]


# ------------------------------------------------------------ drafts and signing


def test_drafts_are_numbered_by_year_and_audited(uow: FakeUnitOfWork) -> None:
    first, second = draft(uow), draft(uow)
    assert [uow.appraisals.get(i).number for i in (first, second)] == ["AP-2026-0001", "AP-2026-0002"]  # type: ignore[union-attr]
    assert uow.of("appraisal.drafted")[0].summary == {"number": "AP-2026-0001", "stones": 0}
    assert uow.appraisals.get(first).appraiser_id == staff_id(Role.APPRAISER)  # type: ignore[union-attr]


def test_a_draft_of_an_item_that_is_gone_is_refused_and_nothing_is_numbered(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound, match="item no longer exists"):
        draft(uow, item_id="item-gone")
    assert uow.state.appraisals == {} and uow.state.number_sequences == {}


def test_a_clerk_writes_no_appraisals(uow: FakeUnitOfWork) -> None:
    with pytest.raises(PermissionDenied):
        draft(uow, by=CLERK)


def test_finalizing_freezes_the_draft_signed_and_kept_ten_years(uow: FakeUnitOfWork) -> None:
    done = appraisals.finalize(draft(uow), uow=uow, actor=APPRAISER, now=AT)
    assert (done.status, done.finalized_at, done.appraiser_id) == ("final", AT, staff_id(Role.APPRAISER))
    assert done.retain_until == TODAY.replace(year=TODAY.year + RETENTION_YEARS)
    assert uow.of("appraisal.finalized")[0].summary["value_cents"] == 520_000


def test_a_final_appraisal_never_changes(uow: FakeUnitOfWork) -> None:
    final = appraisals.finalize(draft(uow), uow=uow, actor=APPRAISER, now=AT).id
    with pytest.raises(Conflict, match="is final and never changes"):
        appraisals.update_draft(final, {**RING, "value": "9000"}, [], uow=uow, actor=APPRAISER, today=TODAY)
    with pytest.raises(Conflict, match="already final"):
        appraisals.finalize(final, uow=uow, actor=APPRAISER)
    assert uow.appraisals.get(final).spec.value.cents == 520_000  # type: ignore[union-attr]


def test_a_draft_without_a_value_or_description_is_not_finalized(uow: FakeUnitOfWork) -> None:
    for raw, field in (({"description": "Ring"}, "value"), ({"value": "100"}, "description")):
        unfinished = draft(uow, raw)
        with pytest.raises(ValidationError) as refused:
            appraisals.finalize(unfinished, uow=uow, actor=APPRAISER)
        assert refused.value.field == field and uow.appraisals.get(unfinished).status == "draft"  # type: ignore[union-attr]


def test_the_drafting_appraiser_signs_even_when_the_owner_finalizes(uow: FakeUnitOfWork) -> None:
    done = appraisals.finalize(draft(uow), uow=uow, actor=OWNER, now=AT)
    assert done.appraiser_id == staff_id(Role.APPRAISER)


def test_a_draft_by_someone_without_credentials_is_signed_by_the_appraiser_who_finalizes_it(
        uow: FakeUnitOfWork) -> None:
    owners = draft(uow, by=OWNER)
    with pytest.raises(ValidationError, match="Olive Owner's credentials") as refused:
        appraisals.finalize(owners, uow=uow, actor=OWNER)
    assert refused.value.field == "appraiser" and uow.appraisals.get(owners).status == "draft"  # type: ignore[union-attr]
    assert appraisals.finalize(owners, uow=uow, actor=APPRAISER).appraiser_id == staff_id(Role.APPRAISER)


def test_a_necklace_listing_no_stones_is_finalized_only_once_the_appraiser_confirms(uow: FakeUnitOfWork) -> None:
    necklace = draft(uow, {**RING, "style": "solitaire"})
    with pytest.raises(appraisals.FinalizeUnconfirmed, match="lists no stones") as asked:
        appraisals.finalize(necklace, uow=uow, actor=APPRAISER, ask_first=True)
    assert asked.value.warnings and uow.appraisals.get(necklace).status == "draft"  # type: ignore[union-attr]
    assert appraisals.finalize(necklace, uow=uow, actor=APPRAISER).status == "final"


# ------------------------------------------------------------ versions


def test_a_correction_is_a_new_draft_version_superseding_the_final_one_with_its_photos(
        uow: FakeUnitOfWork) -> None:
    v1 = draft(uow)
    appraisals.add_photos(v1, [JPEG], uow=uow, actor=APPRAISER)
    appraisals.finalize(v1, uow=uow, actor=APPRAISER, now=AT)
    v2 = appraisals.correct(v1, uow=uow, actor=APPRAISER)
    assert (v2.number, v2.version, v2.status, v2.supersedes_id) == ("AP-2026-0001", 2, "draft", v1)
    assert uow.appraisals.photo_data(v2.id) == [JPEG]
    assert uow.appraisals.get(v1).status == "final"  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="already has version 2; correct that one"):
        appraisals.correct(v1, uow=uow, actor=APPRAISER)


def test_a_draft_is_changed_directly_not_corrected(uow: FakeUnitOfWork) -> None:
    with pytest.raises(Conflict, match="still a draft"):
        appraisals.correct(draft(uow), uow=uow, actor=APPRAISER)


def test_the_latest_version_is_found_by_number_unless_one_is_named(uow: FakeUnitOfWork) -> None:
    v1 = draft(uow)
    appraisals.finalize(v1, uow=uow, actor=APPRAISER)
    v2 = appraisals.correct(v1, uow=uow, actor=APPRAISER).id
    assert appraisals.find_version(" ap-2026-0001 ", uow=uow) == v2
    assert appraisals.find_version("AP-2026-0001", uow=uow, version=1) == v1
    with pytest.raises(NotFound, match="has no version 3"):
        appraisals.find_version("AP-2026-0001", uow=uow, version=3)
    with pytest.raises(NotFound):
        appraisals.find_version("AP-2026-0099", uow=uow)


def test_a_printed_code_matches_its_final_version_and_says_when_it_was_superseded(uow: FakeUnitOfWork) -> None:
    v1 = appraisals.finalize(draft(uow), uow=uow, actor=APPRAISER, now=AT)
    code = short_hash(appraisals.content(v1))
    assert appraisals.verify("AP-2026-0001", code, uow=uow, actor=APPRAISER) == (
        True, "The paper matches AP-2026-0001 version 1 (the current version).")
    appraisals.correct(v1.id, uow=uow, actor=APPRAISER)
    ok, said = appraisals.verify("AP-2026-0001", code.upper(), uow=uow, actor=APPRAISER)
    assert ok and "superseded: version 2 is current" in said
    assert appraisals.verify("AP-2026-0001", "0000000000", uow=uow, actor=APPRAISER)[0] is False


# ------------------------------------------------------------ photos


def test_photos_are_jpeg_or_png_and_all_or_none_are_saved(uow: FakeUnitOfWork) -> None:
    appraisal = draft(uow)
    with pytest.raises(ValidationError) as refused:
        appraisals.add_photos(appraisal, [JPEG, b"GIF89a"], uow=uow, actor=APPRAISER)
    assert refused.value.field == "photo 2 of 2" and uow.state.appraisal_photos == {}


def test_an_appraisal_has_at_most_six_photos(uow: FakeUnitOfWork) -> None:
    appraisal = draft(uow)
    appraisals.add_photos(appraisal, [PNG] * 5, uow=uow, actor=APPRAISER)
    with pytest.raises(ValidationError, match="at most 6 photos \\(5 already\\)"):
        appraisals.add_photos(appraisal, [JPEG, JPEG], uow=uow, actor=APPRAISER)
    assert len(uow.appraisals.photo_data(appraisal)) == 5


def test_a_final_appraisals_photos_stay_as_they_are(uow: FakeUnitOfWork) -> None:
    appraisal = draft(uow)
    [photo] = appraisals.add_photos(appraisal, [JPEG], uow=uow, actor=APPRAISER)
    appraisals.finalize(appraisal, uow=uow, actor=APPRAISER)
    with pytest.raises(Conflict):
        appraisals.add_photos(appraisal, [PNG], uow=uow, actor=APPRAISER)
    with pytest.raises(Conflict):
        appraisals.remove_photo(photo, uow=uow, actor=APPRAISER)
    assert uow.appraisals.photo_data(appraisal) == [JPEG]


def test_a_photo_is_removed_once(uow: FakeUnitOfWork) -> None:
    [photo] = appraisals.add_photos(draft(uow), [JPEG], uow=uow, actor=APPRAISER)
    appraisals.remove_photo(photo, uow=uow, actor=APPRAISER)
    with pytest.raises(NotFound, match="already removed"):
        appraisals.remove_photo(photo, uow=uow, actor=APPRAISER)


# ------------------------------------------------------------ one click from a sale


def necklace_sale(uow: FakeUnitOfWork, **kwargs: object) -> str:
    ruby = add_customer(uow)
    item = add_item(uow, sku=f"NK-{len(uow.state.items) + 1}")
    uow.photos.add(item, JPEG, "image/jpeg")
    return add_sale(uow, [(item, 1, 250_000, 25_000, 14_063)], customer_id=ruby, **kwargs)  # type: ignore[arg-type]


def from_sale(uow: FakeUnitOfWork, sale_id: str, **kwargs: object) -> list[str]:
    args: dict[str, object] = {"actor": APPRAISER, **kwargs}
    made = appraisals.appraise_sale(sale_id, uow=uow, sales=FakeSalesReader(uow.state), today=TODAY, now=AT,
                                    **args)  # type: ignore[arg-type]
    return [r.id for r in made]


def test_a_sales_necklace_is_appraised_final_at_its_list_price_owned_by_the_customer(uow: FakeUnitOfWork) -> None:
    sale_id = necklace_sale(uow)
    [made] = from_sale(uow, sale_id)
    record = uow.appraisals.get(made)
    assert record is not None and record.status == "final" and record.spec.value.cents == 250_000
    assert (record.owner_customer_id, record.sale_id) == (uow.state.sales[sale_id]["customer_id"], sale_id)
    assert uow.appraisals.photo_data(made) == [JPEG]


def test_asking_again_returns_the_same_appraisals_never_two(uow: FakeUnitOfWork) -> None:
    sale_id = necklace_sale(uow)
    reader = FakeSalesReader(uow.state)
    assert appraisals.sale_appraisals(sale_id, uow=uow, sales=reader, actor=CLERK) == []
    first = from_sale(uow, sale_id)
    assert from_sale(uow, sale_id) == first and len(uow.state.appraisals) == 1
    assert [r.id for r in appraisals.sale_appraisals(sale_id, uow=uow, sales=reader, actor=CLERK)] == first


def test_at_the_counter_an_appraisers_pin_signs_and_a_clerks_does_not(uow: FakeUnitOfWork) -> None:
    sale_id = necklace_sale(uow)
    with pytest.raises(ApprovalNeeded):
        from_sale(uow, sale_id, actor=CLERK)
    with pytest.raises(PermissionDenied, match="cannot sign appraisals"):
        from_sale(uow, sale_id, actor=CLERK, approver=MANAGER)
    [made] = from_sale(uow, sale_id, actor=CLERK, approver=APPRAISER)
    assert uow.appraisals.get(made).appraiser_id == staff_id(Role.APPRAISER)  # type: ignore[union-attr]
    assert uow.of("appraisal.made_from_sale")[0].approved_by == staff_id(Role.APPRAISER)


def test_a_signer_without_credentials_on_file_cannot_sign_from_a_sale(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError) as refused:
        from_sale(uow, necklace_sale(uow), actor=OWNER)
    assert refused.value.field == "appraiser" and uow.state.appraisals == {}


def test_a_voided_or_fully_returned_sale_is_not_appraised(uow: FakeUnitOfWork) -> None:
    voided = necklace_sale(uow)
    uow.state.sales[voided]["status"] = "voided"
    with pytest.raises(Conflict, match="is voided"):
        from_sale(uow, voided)
    sold = necklace_sale(uow)
    item = uow.state.sales[sold]["lines"][0]["item_id"]
    add_sale(uow, [(item, -1, 250_000, -25_000, -14_063)], returns=[line_id(sold, 1)])
    with pytest.raises(Conflict, match="was returned"):
        from_sale(uow, sold)
    assert uow.state.appraisals == {}


# ------------------------------------------------------------ retention and the list


def test_records_past_their_ten_years_are_erased_and_the_erasure_is_audited(uow: FakeUnitOfWork) -> None:
    old = appraisals.finalize(draft(uow), uow=uow, actor=APPRAISER, now=AT)
    kept = draft(uow)
    assert old.retain_until is not None
    later = old.retain_until + dt.timedelta(days=1)
    assert appraisals.erase_expired(uow=uow, actor=actor(Role.PRIVACY_OFFICER), today=later) == (1, 0)
    assert list(uow.state.appraisals) == [kept]
    assert uow.of("retention.appraisals_erased")[0].summary["appraisals"] == 1


def test_the_list_pages_within_sane_limits(uow: FakeUnitOfWork) -> None:
    draft(uow)
    reader = FakeAppraisalReader(uow.state)
    assert len(appraisals.list_appraisals(reader=reader, actor=APPRAISER, uow=uow, drafts_only=True)) == 1
    for bad in ({"limit": 0}, {"offset": -1}):
        with pytest.raises(ValidationError) as refused:
            appraisals.list_appraisals(reader=reader, actor=APPRAISER, uow=uow, **bad)  # type: ignore[arg-type]
        assert refused.value.field == next(iter(bad))


# ------------------------------------------------------------ citing certificates, starting from an item


def certificate(uow: FakeUnitOfWork, number: str, lab: str = "GIA", item_id: str | None = None) -> str:
    return uow.certificates.add({"lab": lab, "report_number": number, "carat_points": 101, "origin": "natural",
                                 "item_id": item_id})


def resolve(uow: FakeUnitOfWork, numbers: list[str], item_id: str | None = None) -> list[str | None]:
    return appraisals.resolve_certificates(numbers, reader=FakeAppraisalReader(uow.state), actor=APPRAISER,
                                           uow=uow, item_id=item_id)


def test_a_stone_cites_its_certificate_by_report_number_and_a_blank_cites_none(uow: FakeUnitOfWork) -> None:
    cert = certificate(uow, "2141234567")
    assert resolve(uow, [" 2141234567 ", ""]) == [cert, None]


def test_a_report_number_not_on_file_is_refused_naming_the_stone(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationError, match="add it first") as refused:
        resolve(uow, ["", "9999999999"])
    assert refused.value.field == "stone 2 certificate"


def test_a_number_on_two_certificates_is_taken_from_the_item_or_refused(uow: FakeUnitOfWork) -> None:
    ring = add_item(uow, sku="RING")
    on_ring = certificate(uow, "123456789", "IGI", item_id=ring)
    certificate(uow, "123456789", "GIA")
    assert resolve(uow, ["123456789"], item_id=ring) == [on_ring]
    with pytest.raises(ValidationError, match="2 certificates have report number 123456789 \\(GIA, IGI\\)"):
        resolve(uow, ["123456789"])


def test_an_appraisal_of_an_item_starts_from_its_record_without_a_value(uow: FakeUnitOfWork) -> None:
    ring = add_item(uow, sku="RING")
    spec = appraisals.item_start(ring, uow=uow, actor=APPRAISER, today=TODAY, conditions="As seen.")
    assert spec.value is None and spec.appraised_on == TODAY and spec.limiting_conditions == "As seen."
    assert uow.state.appraisals == {}
    with pytest.raises(NotFound):
        appraisals.item_start("item-gone", uow=uow, actor=APPRAISER, today=TODAY, conditions="")
