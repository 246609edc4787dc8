"""Free text made fit to show coders (hazard TH4): pure, no database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from caremode.feedback.anonymise import EMAIL, NAME, NHS_NUMBER, PHONE, anonymise


def test_anonymised_takes_out_names_contact_details_and_nhs_numbers() -> None:
    text = (
        "Dr Patel was kind but megan could not hear. My name is Jo Bloggs, ring me on "
        "07700 900123 or +44 20 7946 0018, or jo.b@example.org. NHS number 943 476 5919. "
        "Asha rang back."
    )
    assert anonymise(text, names=["Megan Smith", "Asha Rao"]) == (
        f"Dr {NAME} was kind but {NAME} could not hear. My name is {NAME}, ring me on "
        f"{PHONE} or {PHONE}, or {EMAIL}. NHS number {NHS_NUMBER}. {NAME} rang back."
    )


def test_words_that_name_nobody_are_kept_as_they_were() -> None:
    text = "The call kept cutting out, and I could not talk freely at home. Call me back in May."
    assert anonymise(text) == text
    assert anonymise("Willow helped.", names=["Will"]) == "Willow helped."  # whole words only


@given(st.text())
def test_anonymising_twice_changes_nothing_more(text: str) -> None:
    once = anonymise(text, names=["Megan"])
    assert anonymise(once, names=["Megan"]) == once
