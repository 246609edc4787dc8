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
    RISK_LEVELS,
    RULES,
    RULES_VERSION,
    Context,
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
        "older person, routine review, known clinician",
        dict(
            consultation_type="medication_review",
            age=82,
            existing_relationship=True,
            access_needs=frozenset(),
        ),
        "telephone",
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
            preferences={"video": "prefers"},
        ),
        "video",
        set(),
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
