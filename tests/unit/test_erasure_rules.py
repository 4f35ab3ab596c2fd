"""The erasure's rules: which words identify a customer in free text, and what the law keeps until when."""

from __future__ import annotations

import datetime as dt

from pos_app.domain import erasure as rules
from pos_app.domain.erasure import Identity

JANE = Identity(first_name="Jane", last_name="Doe-Smith", email="jane.doe@example.com", phone="+12125550123",
                addresses=("12 Main Street, Apt 4\nNew York, NY 10001", ""))


def test_needles_cover_the_name_both_ways_the_contacts_and_the_street_line_longest_first() -> None:
    words = rules.needles(JANE)
    assert {"Jane Doe-Smith", "Doe-Smith, Jane", "Jane", "Doe-Smith", "jane.doe@example.com", "jane.doe",
            "+12125550123", "2125550123", "(212) 555-0123", "212-555-0123", "12 Main Street", "NY 10001"} <= set(words)
    assert "New York" not in words  # a city many people share is not cut out of anyone's notes
    assert [len(w) for w in words] == sorted((len(w) for w in words), reverse=True)


def test_scrub_cuts_whole_words_case_blind_and_leaves_other_words_alone() -> None:
    words = rules.needles(Identity("Ann", "Lee", "ann@x.example", None, ()))
    text = "Ann Lee asked; ANN wants the Annual sale; call ann@x.example. Lee's ring, Leeds office."
    assert rules.scrub(text, words) == ("[erased] asked; [erased] wants the Annual sale; call [erased]. "
                                         "[erased]'s ring, Leeds office.")
    assert rules.scrub(None, words) is None and rules.scrub("", words) == ""
    assert rules.mentions("note for ann lee", words) and not rules.mentions("Annual", words)


def test_short_name_words_are_not_needles_on_their_own() -> None:
    words = rules.needles(Identity("Al", "Li", None, None, ()))
    assert "Al" not in words and "Li" not in words and "Al Li" in words


def test_kept_records_run_from_the_last_sale_the_retain_dates_and_the_filing() -> None:
    kept = rules.kept_records(today=dt.date(2026, 12, 1), transactions_years=7, last_sale_on=dt.date(2024, 2, 29),
                              sales=3, appraisals_until=dt.date(2036, 11, 20), appraisals=1,
                              certificates_until=None, certificates=0,
                              cash_reports_filed_on=[dt.date(2026, 1, 5), None], requests=2)
    by = {k.category.split(" (")[0]: k for k in kept}
    assert by["Sales and returns"].until == dt.date(2031, 2, 28)  # 29 February, seven years on
    assert by["Appraisals"].until == dt.date(2036, 11, 20)
    assert "Diamond certificates" not in by
    assert by["Cash reports, IRS Form 8300"].until == dt.date(2031, 12, 1)  # unfiled counts from today
    assert by["Your privacy requests"].until == dt.date(2028, 12, 1)
    assert rules.kept_records(today=dt.date(2026, 12, 1), transactions_years=7, last_sale_on=None, sales=0,
                              appraisals_until=None, appraisals=0, certificates_until=None, certificates=0,
                              cash_reports_filed_on=[], requests=0) == []


def test_the_letter_says_what_was_deleted_and_each_kept_record_in_plain_words() -> None:
    kept = [rules.KeptRecord("Sales and returns", 3, "tax law", dt.date(2033, 5, 1))]
    letter = rules.confirmation("Test Jewelers", dt.date(2026, 12, 1), kept)
    assert letter.startswith("Test Jewelers has deleted your personal data on December 1, 2026")
    assert "- Sales and returns: until May 1, 2033 (tax law)." in letter
    assert "We keep no other records about you." in rules.confirmation("T", dt.date(2026, 12, 1), [])


def test_the_log_keys_a_customer_by_a_salted_hash() -> None:
    a, b = rules.customer_hash("s1", "id-1"), rules.customer_hash("s2", "id-1")
    assert a != b and len(a) == 64 and "id-1" not in a
