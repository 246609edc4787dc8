"""The rules engine, table-driven and by property. No database."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caremode.core import codes
from caremode.decisions.rules import (
    ASSESSMENT_TYPES,
    MODES,
    PREFERENCES,
    RETIRED_RULES,
    RISK_LEVELS,
    RULES,
    RULES_VERSION,
    Context,
    Relationship,
    UnknownCodeError,
    context_from_json,
    recommend,
)

EVIDENCE_IDS = {f"E{n}" for n in range(1, 24)}

# (name, context, expected first mode, modes that must not be first)
SCENARIOS = [
    (
        "stable older person, prefers phone, mobility",
        dict(
            consultation_type="medication_review",
            access_needs=frozenset({"mobility_difficulty"}),
            age=71,
            existing_relationship=True,
            risk_level="low",
            recent_deterioration=False,
            preferences={"video": "accepts", "telephone": "prefers"},
        ),
        "telephone",
        set(),
    ),
    (
        # Age alone cautions nothing (R26 retired): video and telephone tie, as for anyone.
        "older person, routine review, known clinician",
        dict(
            consultation_type="medication_review",
            age=82,
            existing_relationship=True,
            access_needs=frozenset(),
        ),
        "video",
        set(),
    ),
    (
        "first assessment, nothing known",
        dict(consultation_type="initial_assessment"),
        "face_to_face",
        {"text", "email"},
    ),
    (
        "crisis review, prefers text",
        dict(consultation_type="crisis_review", preferences={"text": "prefers"}),
        "face_to_face",
        {"text", "email"},
    ),
    (
        "risk assessment, only remote modes offered",
        dict(consultation_type="risk_assessment", modes_offered=("video", "telephone", "text")),
        "video",
        {"text"},
    ),
    (
        "trauma therapy",
        dict(consultation_type="trauma_focused_therapy", existing_relationship=True),
        "face_to_face",
        {"telephone"},
    ),
    (
        "therapy, never met, accepts video",
        dict(
            consultation_type="psychotherapy",
            existing_relationship=False,
            preferences={"video": "accepts"},
        ),
        "face_to_face",
        set(),
    ),
    (
        "hearing impairment, check-in",
        dict(
            consultation_type="wellbeing_check_in",
            access_needs=frozenset({"hearing_impairment"}),
            existing_relationship=True,
        ),
        "face_to_face",
        {"telephone"},
    ),
    (
        "communication impairment",
        dict(
            consultation_type="care_coordination",
            access_needs=frozenset({"communication_impairment"}),
        ),
        "face_to_face",
        {"telephone"},
    ),
    (
        "screen distress",
        dict(
            consultation_type="care_coordination",
            access_needs=frozenset({"screen_or_phone_distress"}),
        ),
        "face_to_face",
        {"video"},
    ),
    (
        "unfamiliar with technology, no device",
        dict(
            consultation_type="care_coordination",
            access_needs=frozenset({"technology_unfamiliar", "no_suitable_device"}),
        ),
        "face_to_face",
        {"video"},
    ),
    (
        "paranoia about technology",
        dict(
            consultation_type="medication_review",
            access_needs=frozenset({"technology_paranoia"}),
            existing_relationship=True,
        ),
        "face_to_face",
        {"video"},
    ),
    (
        "cannot afford data, poor connectivity, shielding",
        dict(
            consultation_type="care_coordination",
            existing_relationship=True,
            access_needs=frozenset({"cannot_afford_data", "poor_connectivity", "shielding"}),
        ),
        "telephone",
        set(),
    ),
    (
        "no private space, domestic abuse risk",
        dict(
            consultation_type="care_coordination",
            access_needs=frozenset({"no_private_space", "domestic_abuse_risk"}),
        ),
        "face_to_face",
        {"text", "email"},
    ),
    (
        "long journey, routine, known clinician",
        dict(
            consultation_type="medication_review",
            existing_relationship=True,
            access_needs=frozenset({"long_or_costly_journey"}),
        ),
        "video",
        set(),
    ),
    (
        "cognitive impairment",
        dict(
            consultation_type="wellbeing_check_in", access_needs=frozenset({"cognitive_impairment"})
        ),
        "face_to_face",
        {"text", "email"},
    ),
    (
        "interpreter needed",
        dict(consultation_type="care_coordination", main_language="so", interpreter_needed=True),
        "face_to_face",
        {"text", "email"},
    ),
    (
        "group therapy",  # a consultation type of its own (ADR 0011); R06 weighs it
        dict(consultation_type="group_therapy"),
        "face_to_face",
        {"text", "email"},
    ),
    (
        "carer involvement wanted, group",
        dict(consultation_type="group_therapy", carer_involvement_wanted=True),
        "face_to_face",
        {"text", "email"},
    ),
    (
        "high risk, deteriorating",
        dict(consultation_type="care_coordination", risk_level="high", recent_deterioration=True),
        "face_to_face",
        {"telephone", "text", "email"},
    ),
    (
        "discharge planning",
        dict(consultation_type="discharge_planning"),
        "face_to_face",
        {"text", "email"},
    ),
    (
        "declines face to face",
        dict(consultation_type="care_coordination", preferences={"face_to_face": "declines"}),
        "video",
        {"face_to_face"},
    ),
    (
        "therapy with no earlier therapy, prefers video",
        dict(
            consultation_type="psychotherapy",
            existing_relationship=False,
            had_face_to_face_therapy=False,
            preferences={"video": "prefers"},
        ),
        "video",
        set(),
    ),
    (
        # R07 follows the person's history of therapy, not whether they know this clinician.
        "therapy with a new clinician after face-to-face therapy before, prefers video",
        dict(
            consultation_type="psychotherapy",
            existing_relationship=False,
            had_face_to_face_therapy=True,
            preferences={"video": "prefers"},
        ),
        "face_to_face",
        set(),
    ),
    (
        "psychiatric review with a psychiatrist already known",
        dict(
            consultation_type="psychiatric_review",
            relationship=Relationship(attended=5, face_to_face=4, days_since_last=40),
            access_needs=frozenset(),
        ),
        "video",
        {"face_to_face"},
    ),
    (
        # One telephone triage is not rapport (E4).
        "psychiatric review after one telephone triage",
        dict(
            consultation_type="psychiatric_review",
            relationship=Relationship(attended=1, face_to_face=0, days_since_last=10),
        ),
        "face_to_face",
        set(),
    ),
    (
        "carer meeting",
        dict(consultation_type="carer_meeting"),
        "face_to_face",
        {"text", "email"},
    ),
    (
        "rural, routine, known clinician",
        dict(consultation_type="care_coordination", existing_relationship=True, rurality="rural"),
        "telephone",
        set(),
    ),
    (
        "visual impairment, check-in",
        dict(
            consultation_type="wellbeing_check_in",
            access_needs=frozenset({"visual_impairment"}),
        ),
        "face_to_face",
        {"text", "email"},
    ),
    (
        # Safety weighs more than the preference, and the reasons say so (P04, P05).
        "high risk, known clinician, prefers telephone",
        dict(
            consultation_type="medication_review",
            existing_relationship=True,
            risk_level="high",
            preferences={"telephone": "prefers"},
        ),
        "face_to_face",
        {"telephone"},
    ),
    (
        "every offered mode declined",
        dict(
            consultation_type="care_coordination",
            modes_offered=("face_to_face", "telephone"),
            preferences={"face_to_face": "declines", "telephone": "declines"},
        ),
        "face_to_face",
        {"video", "text", "email"},
    ),
]


@pytest.mark.parametrize(
    ("name", "fields", "first", "never_first"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_scenarios(name, fields, first, never_first):
    result = recommend(Context(**fields))
    assert result.top.mode == first, [(r.mode, r.score) for r in result.ranked]
    assert result.top.mode not in never_first
    assert [r.rank for r in result.ranked] == [1, 2, 3, 4, 5]
    assert result.rules_version == RULES_VERSION


def test_every_rule_is_exercised_by_the_scenarios():
    applied = set()
    for _name, fields, _first, _never in SCENARIOS:
        applied |= set(recommend(Context(**fields)).rules_applied)
    assert applied == {rule.id for rule in RULES}


def test_the_example_from_the_brief_explains_itself():
    result = recommend(
        context_from_json(
            {
                "consultation_type": "medication_review",
                "service_user": {
                    "age": 71,
                    "access_needs": ["mobility_difficulty"],
                    "existing_relationship": True,
                    "risk_level": "low",
                    "recent_deterioration": False,
                    "interpreter_needed": False,
                    "carer_involvement_wanted": False,
                    "preferences": {"video": "accepts", "telephone": "prefers"},
                },
            }
        )
    ).as_json()
    top = result["ranked"][0]
    assert top["mode"] == "telephone"
    assert {"rule": "R21", "evidence": ["E15"]}.items() <= {
        k: v for r in top["reasons"] for k, v in r.items() if r["rule"] == "R21"
    }.items()
    assert result["put_in_place"] == top["put_in_place"]
    assert any("preference for" in m for m in result["missing_information"])


def test_missing_information_names_what_to_ask():
    result = recommend(Context(consultation_type="care_coordination", main_language="pl"))
    text = " ".join(result.missing_information)
    for phrase in (
        "Access needs have never been recorded",
        "already knows the clinician",
        "level of risk",
        "recently got worse",
        "carer involved",
        "interpreter is needed",
        "preference for",
    ):
        assert phrase in text
    known = recommend(
        Context(
            consultation_type="care_coordination",
            access_needs=frozenset(),
            main_language="en",
            interpreter_needed=False,
            existing_relationship=True,
            risk_level="low",
            recent_deterioration=False,
            carer_involvement_wanted=False,
            preferences={m: "accepts" for m in MODES},
        )
    )
    assert known.missing_information == ()


def test_what_to_put_in_place_follows_the_mode():
    result = recommend(
        Context(
            consultation_type="care_coordination",
            access_needs=frozenset({"poor_connectivity", "no_private_space"}),
            interpreter_needed=True,
            carer_involvement_wanted=True,
        )
    )
    video = result.for_mode("video").put_in_place
    assert any("telephone fallback" in step for step in video)
    assert any("talk privately" in step for step in video)
    assert any("interpreter" in step for step in video)
    assert any("carer" in step for step in video)
    assert any("guidance" in step for step in video)
    assert not any("guidance" in step for step in result.for_mode("face_to_face").put_in_place)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "consultation_type is required"),
        ({"consultation_type": "tea"}, "unknown consultation_type 'tea'"),
        (
            {"consultation_type": "psychotherapy", "service_user": {"access_needs": ["sad"]}},
            "unknown access need 'sad'",
        ),
        (
            {"consultation_type": "psychotherapy", "service_user": {"risk_level": "extreme"}},
            "unknown risk_level 'extreme'",
        ),
        (
            {
                "consultation_type": "psychotherapy",
                "service_user": {"preferences": {"fax": "prefers"}},
            },
            "unknown mode 'fax' in preferences",
        ),
        (
            {
                "consultation_type": "psychotherapy",
                "service_user": {"preferences": {"video": "loves"}},
            },
            "unknown preference 'loves'",
        ),
        (
            {"consultation_type": "psychotherapy", "service_user": {"shoe_size": 9}},
            "unknown field service_user.shoe_size",
        ),
        ({"consultation_type": "psychotherapy", "modes_offered": []}, "modes_offered is empty"),
    ],
)
def test_unknown_codes_are_named(data, message):
    with pytest.raises(UnknownCodeError, match=re.escape(message)):
        context_from_json(data)


contexts = st.builds(
    Context,
    consultation_type=st.sampled_from(sorted(codes.CONSULTATION_TYPES)),
    access_needs=st.none() | st.frozensets(st.sampled_from(sorted(codes.ACCESS_NEEDS))),
    age=st.none() | st.integers(14, 100),
    main_language=st.none() | st.sampled_from(sorted(codes.LANGUAGES)),
    interpreter_needed=st.none() | st.booleans(),
    existing_relationship=st.none() | st.booleans(),
    risk_level=st.none() | st.sampled_from(RISK_LEVELS),
    recent_deterioration=st.none() | st.booleans(),
    carer_involvement_wanted=st.none() | st.booleans(),
    modes_offered=st.lists(st.sampled_from(MODES), min_size=1, max_size=5, unique=True).map(tuple),
    preferences=st.dictionaries(st.sampled_from(MODES), st.sampled_from(PREFERENCES)),
    relationship=st.none()
    | st.integers(0, 30).flatmap(
        lambda attended: st.builds(
            Relationship,
            attended=st.just(attended),
            face_to_face=st.integers(0, attended),
            days_since_last=st.none() if attended == 0 else st.integers(0, 3000),
        )
    ),
    had_face_to_face_therapy=st.none() | st.booleans(),
    rurality=st.none() | st.sampled_from(sorted(codes.RURALITY)),
    carer_may_join=st.none() | st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(contexts)
def test_properties_of_every_recommendation(context):
    result = recommend(context)
    assert recommend(context) == result  # deterministic
    assert sorted(r.mode for r in result.ranked) == sorted(MODES)
    top = result.top
    assert top.offered  # a mode the service does not offer is never first
    assessment = context.consultation_type in ASSESSMENT_TYPES
    suitable = [m for m in context.modes_offered if not (assessment and m in ("text", "email"))]
    if any(context.preferences.get(m) != "declines" for m in suitable):
        assert top.preference != "declines"
    elif top.preference == "declines":
        assert any(c.rule == "P03" for c in top.cautions)
    if assessment and suitable:
        assert top.mode not in ("text", "email")
    for option in result.ranked:
        for reason in (*option.reasons, *option.cautions):
            assert reason.evidence and set(reason.evidence) <= EVIDENCE_IDS
            assert reason.text


@pytest.mark.parametrize(
    ("relationship", "established"),
    [
        (Relationship(attended=0, face_to_face=0, days_since_last=None), False),
        (Relationship(attended=1, face_to_face=0, days_since_last=3), False),  # one triage call
        (Relationship(attended=1, face_to_face=1, days_since_last=3), False),  # met once
        (Relationship(attended=6, face_to_face=0, days_since_last=7), False),  # never in person
        (Relationship(attended=2, face_to_face=1, days_since_last=365), True),
        (Relationship(attended=9, face_to_face=5, days_since_last=366), False),  # long ago
    ],
)
def test_rapport_needs_several_contacts_one_in_person_and_recent(relationship, established):
    assert relationship.established is established
    context = Context(consultation_type="care_coordination", relationship=relationship)
    # The real history decides over the clinician's yes or no.
    assert (
        Context(
            consultation_type="care_coordination",
            relationship=relationship,
            existing_relationship=not established,
        ).knows_clinician
        is established
    )
    assert ("R08" in recommend(context).rules_applied) is (not established)


def test_the_relationship_is_described_in_plain_words():
    result = recommend(
        Context(
            consultation_type="psychiatric_review",
            relationship=Relationship(attended=4, face_to_face=3, days_since_last=21),
        )
    )
    assert result.relationship == (
        "This clinician has seen the person 4 times (3 face to face), last 3 weeks ago."
    )
    assert result.as_json()["relationship"] == result.relationship
    assert recommend(Context(consultation_type="care_coordination")).relationship is None


def test_a_retired_rule_is_gone_and_its_id_is_never_reused():
    assert "R26" in RETIRED_RULES
    assert not {rule.id for rule in RULES} & set(RETIRED_RULES)
    old = recommend(Context(consultation_type="medication_review", age=90))
    assert "R26" not in old.rules_applied
    assert not old.for_mode("video").cautions


def test_cost_of_data_cautions_video_and_email_and_not_a_call_from_the_service():
    result = recommend(
        Context(
            consultation_type="care_coordination", access_needs=frozenset({"cannot_afford_data"})
        )
    )
    assert any(c.rule == "R17" for c in result.for_mode("email").cautions)
    assert any(c.rule == "R17" for c in result.for_mode("video").cautions)
    assert not any(c.rule == "R17" for c in result.for_mode("telephone").cautions)
    assert any(r.rule == "R17" for r in result.for_mode("telephone").reasons)


def test_citations_say_what_the_evidence_says():
    by_id = {rule.id: rule for rule in RULES}
    # E14 does not mention cognitive impairment; E10 names people without a supporter present.
    assert "E14" not in by_id["R22"].evidence
    assert "did not look at cognitive impairment" in by_id["R22"].explanation
    # Visual impairment is not in the studies, and the rule says so.
    assert "did not report on visual impairment" in by_id["R30"].explanation
    assert by_id["R29"].evidence == ("E16",)


def test_safety_first_halves_a_remote_preference_and_says_so():
    result = recommend(
        Context(
            consultation_type="crisis_review",
            preferences={"telephone": "prefers"},
            access_needs=frozenset(),
        )
    )
    telephone = result.for_mode("telephone")
    assert any(c.rule == "P04" and "counts for half" in c.text for c in telephone.cautions)
    assert any(r.rule == "P05" for r in result.for_mode("face_to_face").reasons)
    calm = recommend(
        Context(consultation_type="care_coordination", preferences={"telephone": "prefers"})
    )
    assert not any(c.rule == "P04" for c in calm.for_mode("telephone").cautions)
    assert calm.for_mode("telephone").score - telephone.score > 3  # the full weight when calm


@pytest.mark.parametrize("consultation_type", sorted(codes.CONSULTATION_TYPES))
def test_a_carer_who_may_join_is_prompted_for_at_assessments_reviews_and_risk(consultation_type):
    result = recommend(Context(consultation_type=consultation_type, carer_may_join=True))
    expected = consultation_type in (ASSESSMENT_TYPES | codes.REVIEW_CONSULTATION_TYPES)
    assert bool(result.prompts) is expected
    if expected:
        assert result.prompts[0].rule == "C01" and result.prompts[0].evidence == ("E10",)
        assert result.as_json()["prompts"][0]["rule"] == "C01"
    assert not recommend(Context(consultation_type=consultation_type, carer_may_join=False)).prompts


def test_the_json_takes_the_history_and_names_a_bad_one():
    context = context_from_json(
        {
            "consultation_type": "psychotherapy",
            "service_user": {
                "relationship": {"attended": 3, "face_to_face": 2, "days_since_last": 12},
                "had_face_to_face_therapy": False,
                "rurality": "rural",
                "carer_may_join": True,
            },
        }
    )
    assert context.knows_clinician is True and context.rurality == "rural"
    with pytest.raises(UnknownCodeError, match="face_to_face must be between 0 and attended"):
        context_from_json(
            {
                "consultation_type": "psychotherapy",
                "service_user": {"relationship": {"attended": 1, "face_to_face": 2}},
            }
        )
    with pytest.raises(UnknownCodeError, match="unknown rurality 'moon'"):
        context_from_json(
            {"consultation_type": "psychotherapy", "service_user": {"rurality": "moon"}}
        )


def test_trauma_therapy_without_face_to_face_offers_to_pause_or_wait_not_only_video():
    remote_only = ["video", "telephone", "text", "email"]
    result = recommend(
        Context(consultation_type="trauma_focused_therapy", modes_offered=remote_only)
    )
    assert [p.rule for p in result.prompts] == ["W01"]
    prompt = result.prompts[0]
    assert prompt.evidence == ("E3", "E6", "E11")
    assert "pause and keep in touch" in prompt.text and "wait for face to face" in prompt.text
    assert result.as_json()["prompts"][0]["rule"] == "W01"
    assert result.rules_version == "2026.12.3"
    # Where face to face is offered, it ranks first and no pause is prompted.
    offered = recommend(Context(consultation_type="trauma_focused_therapy"))
    assert offered.top.mode == "face_to_face" and not offered.prompts
    # Other therapy without face to face is not prompted to pause.
    other = recommend(Context(consultation_type="psychotherapy", modes_offered=remote_only))
    assert not other.prompts
