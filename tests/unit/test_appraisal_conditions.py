"""An appraisal's limiting conditions say what kind of value it states, and that follows its purpose."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pos_app.domain.appraisals import (
    AppraisalSpec,
    Purpose,
    check_final,
    conditions_purpose_conflict,
    standard_limiting_conditions,
)
from pos_app.domain.errors import ValidationError
from pos_app.domain.money import Money

SAYS = {
    Purpose.INSURANCE: "states the estimated retail replacement cost of the piece described, on its effective date, "
                       "for insurance.",
    Purpose.FAIR_MARKET: "states the fair market value of the piece described, on its effective date: the price "
                         "at which it would change hands between a willing buyer and a willing seller",
    Purpose.ESTATE: "states the fair market value of the piece described for an estate, on its effective date: "
                    "the price at which it would change hands between a willing buyer",
}


@pytest.mark.parametrize("purpose", list(Purpose))
def test_each_purposes_conditions_state_its_own_kind_of_value(purpose: Purpose) -> None:
    conditions = standard_limiting_conditions(purpose)
    assert SAYS[purpose] in conditions
    assert conditions_purpose_conflict(purpose, conditions) is None
    for other in Purpose:
        if other is not purpose:
            assert SAYS[other] not in conditions
            assert conditions_purpose_conflict(other, conditions) is purpose


def test_only_insurance_conditions_speak_of_replacement_and_re_appraisal() -> None:
    insurance, fair, estate = (standard_limiting_conditions(p) for p in
                               (Purpose.INSURANCE, Purpose.FAIR_MARKET, Purpose.ESTATE))
    assert "re-appraised every two to three years" in insurance
    for text in (fair, estate):
        assert "for insurance" not in text and "The value holds on its effective date only." in text
        assert "It is not a retail replacement cost, nor an insurance value." in text


def test_a_store_may_word_its_own_conditions_as_long_as_they_do_not_state_another_value() -> None:
    assert conditions_purpose_conflict(Purpose.FAIR_MARKET, "Stones graded as mounted.") is None
    assert conditions_purpose_conflict(Purpose.ESTATE, "Not its replacement cost.") is None


SPEC = AppraisalSpec(purpose=Purpose.FAIR_MARKET, appraised_on=dt.date(2026, 11, 20),
                     effective_on=dt.date(2026, 11, 20), style=None, metal=None, gram_weight_cg=None,
                     chain_length_tenths=None, clasp="", description="A pendant.", value=Money(1_850_000),
                     notes="", limiting_conditions=standard_limiting_conditions(Purpose.INSURANCE), stones=())


def test_a_final_appraisal_cannot_state_another_purposes_value() -> None:
    with pytest.raises(ValidationError) as refused:
        check_final(SPEC, appraiser_credentials="GIA Graduate Gemologist")
    assert refused.value.field == "limiting_conditions"
    assert str(refused.value) == ("limiting_conditions: state a value for insurance replacement, but this "
                                  "appraisal's purpose is fair market value: use that purpose's conditions")
    fixed = dataclasses.replace(SPEC, limiting_conditions=standard_limiting_conditions(Purpose.FAIR_MARKET))
    check_final(fixed, appraiser_credentials="GIA Graduate Gemologist")
