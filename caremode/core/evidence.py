"""The findings CareMode is built on, E1–E23, as data: the pages that cite them link here.

The words are docs/evidence.md's, row for row (`tests/test_docs.py` keeps the two the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Finding:
    id: str
    theme: str
    text: str
    sources: tuple[str, ...]


SOURCES: Final[dict[str, str]] = {
    "L21": (
        "Liberati E, Richards N, Parker J, Willars J, Scott D, Boydell N, Pinfold V, Martin"
        " G, Dixon-Woods M, Jones PB. Remote care for mental health: qualitative study with"
        " service users, carers and staff during the COVID-19 pandemic. medRxiv preprint, "
        "2021, doi:10.1101/2021.01.18.21250032 (CC-BY 4.0). Interviews in June to August "
        "2020 with 65 people: 20 service users, 10 carers and 35 staff of NHS secondary "
        "mental-health services."
    ),
    "J22": (
        "How mental health trusts in England adapted and responded to the COVID-19 "
        "pandemic. Journal of Health Services Research & Policy, published online 8 August "
        "2022. 52 interviews with senior managers, clinicians, patient representatives and "
        "commissioners in four trusts."
    ),
}

FINDINGS: Final[tuple[Finding, ...]] = (
    Finding(
        "E1",
        "Modes of contact",
        (
            "The move to remote care happened in a few weeks. Telephone came first; secure,"
            " approved video took longer to arrive because of governance doubts and "
            "unfamiliar tools. Face to face, video, telephone, text and email all ended up "
            "in use side by side."
        ),
        ("L21",),
    ),
    Finding(
        "E2",
        "Modes of contact",
        (
            "Most service users could live with remote care but plainly preferred face to "
            "face; some liked not travelling (an hour's appointment stays an hour, not half"
            " a day). Remote care is one option, never the default."
        ),
        ("L21",),
    ),
    Finding(
        "E3",
        "Modes of contact",
        (
            "Some people, especially for psychological therapy, turned remote care down and"
            " waited to be seen in person. Saying no is a choice to record, not a reason to"
            " lose sight of someone."
        ),
        ("L21",),
    ),
    Finding(
        "E4",
        "Relationships, assessment and risk",
        (
            "A therapeutic relationship is hard to start remotely with a clinician one has "
            "never met; the good remote experiences mostly came where a relationship "
            "already existed. Keeping the same clinician matters."
        ),
        ("L21",),
    ),
    Finding(
        "E5",
        "Relationships, assessment and risk",
        (
            "Some psychologists found that people who had never had face-to-face therapy "
            "accepted remote therapy more readily: there was no jolt of changing mode."
        ),
        ("L21",),
    ),
    Finding(
        "E6",
        "Relationships, assessment and risk",
        (
            "Remote contact loses non-verbal cues, eye contact and the protected space of "
            "the therapy room; sessions from home blur boundaries on both sides. "
            "Trauma-processing work was judged so poorly suited to remote delivery that it "
            "was paused."
        ),
        ("L21",),
    ),
    Finding(
        "E7",
        "Relationships, assessment and risk",
        (
            "Assessing someone and noticing deterioration (for example depression turning "
            "towards mania) is harder remotely. Video beats telephone but is still a weak "
            "substitute; the telephone shows no body language or tension at all. Acutely "
            "unwell people were the hardest to assess remotely."
        ),
        ("L21",),
    ),
    Finding(
        "E8",
        "Relationships, assessment and risk",
        (
            "Using a telephone triage to decide who needed to be seen in person sometimes "
            "delayed the fuller assessment."
        ),
        ("L21",),
    ),
    Finding(
        "E9",
        "Relationships, assessment and risk",
        (
            "Staff could not see the home and had to rely on what people told them. Someone"
            " in an unsafe home (domestic abuse, for example) may be unable to talk freely "
            "on a remote call."
        ),
        ("L21",),
    ),
    Finding(
        "E10",
        "Carers",
        (
            "Carers often felt shut out of remote meetings and assessments, so things a "
            "carer would have raised went unnoticed and unrecorded. People without a "
            "supporter with them (in care homes, for example) were at a disadvantage. "
            "Carers must be able to take part in any mode, with the service user's consent."
        ),
        ("L21",),
    ),
    Finding(
        "E11",
        "Reliability of the service",
        (
            "Remote appointments were moved, started late or not followed up more often; "
            "agreed weekly calls stopped with no warning; one person was discharged by "
            "letter, another left for weeks without a handover. Not knowing what would "
            "happen was itself harmful."
        ),
        ("L21",),
    ),
    Finding(
        "E12",
        "Reliability of the service",
        (
            "Without the journey to and from an appointment there was no time to process a "
            "session; staff doing remote contacts back to back lost time to reflect."
        ),
        ("L21",),
    ),
    Finding(
        "E13",
        "Reliability of the service",
        (
            "Some remote sessions were more intense and finished early. Remote care makes "
            "shorter, more frequent contacts and following up missed appointments easier, "
            "though service users did not say that follow-up actually happened."
        ),
        ("L21",),
    ),
    Finding(
        "E14",
        "Who gets left behind",
        (
            "Remote care can work against: people with hearing or communication "
            "difficulties; people who find a screen or phone distressing (anxiety, autism);"
            " people unused to or wary of technology, including some older people and "
            "people with paranoia or delusions about it; people who cannot pay for a device"
            " or data; and people who need help with English, sometimes whole communities."
        ),
        ("L21",),
    ),
    Finding(
        "E15",
        "Who gets left behind",
        (
            "Remote care also helps some people: those shielding or clinically vulnerable, "
            "and those with mobility problems or long, expensive journeys (no parking, "
            "rooms up stairs)."
        ),
        ("L21",),
    ),
    Finding(
        "E16",
        "Who gets left behind",
        (
            "Poor connectivity (Wi-Fi, mobile signal) broke calls, with sound one way only "
            "or no video, more so in rural areas."
        ),
        ("L21",),
    ),
    Finding(
        "E17",
        "Who gets left behind",
        (
            "Judging remote care only by the contacts that took place is biased: the remote"
            " contacts that were missed, cancelled or declined have to be counted as well."
        ),
        ("L21",),
    ),
    Finding(
        "E18",
        "Who gets left behind",
        (
            "Digital changes can leave vulnerable groups out and widen health inequalities;"
            " each change needs a rigorous look at whether it works and at its effect on "
            "social exclusion."
        ),
        ("J22",),
    ),
    Finding(
        "E19",
        "Deciding together",
        (
            "The mode of contact should be decided with the person, negotiated, and this "
            "happened less during the pandemic. The decision should depend on the kind of "
            "encounter (psychotherapy, psychiatric review, medication monitoring or change,"
            " care coordination) and on which remote option is meant (telephone, video, "
            "text, email)."
        ),
        ("L21",),
    ),
    Finding(
        "E20",
        "Deciding together",
        (
            "What people prefer changes with their circumstances and their mental health, "
            "so decisions need reviewing. People wanted to be told beforehand that remote "
            "care would feel different, and how to cope with that."
        ),
        ("L21",),
    ),
    Finding(
        "E21",
        "Staff and organisations",
        (
            "Staff need training for each remote platform, designed together with service "
            "users and carers."
        ),
        ("L21",),
    ),
    Finding(
        "E22",
        "Staff and organisations",
        (
            "Working remotely cut down the informal sharing of knowledge and the watching "
            "out for each other that keep a team safe."
        ),
        ("L21",),
    ),
    Finding(
        "E23",
        "Staff and organisations",
        (
            "Trusts reorganised services quickly and set up new ways of working together; "
            "staff wellbeing suffered, most of all for staff from minority ethnic "
            "backgrounds."
        ),
        ("J22",),
    ),
)
FINDINGS_BY_ID: Final = {finding.id: finding for finding in FINDINGS}
