"""The codebook the service starts from: one or more codes for each theme of the findings
(docs/evidence.md), each with a definition, an example excerpt written for the codebook and the
findings it relates to. The service revises it from here (caremode/feedback/codebook.py)."""

from django.db import migrations
from django.utils import timezone

SEED = (
    ("C01", "Prefers face to face",
     "The person says they would rather be seen in person than remotely.",
     "It was fine on the phone but I'd much rather sit in a room with someone.", ["E2"]),
    ("C02", "No travel needed",
     "Remote contact saved a journey, its time, cost or parking.",
     "Not having to get two buses and find parking meant the hour was just an hour.",
     ["E2", "E15"]),
    ("C03", "Declined remote care",
     "The person turned remote contact down and chose to wait to be seen in person.",
     "I said no to video therapy and waited until I could see her in person.", ["E3"]),
    ("C04", "Relationship hard to build remotely",
     "Starting or keeping a relationship with a clinician was harder without meeting.",
     "I'd never met him before, so talking on the phone felt like talking to a stranger.",
     ["E4", "E5"]),
    ("C05", "Missed cues and lost space",
     "Non-verbal cues, eye contact or the private space of the room were lost.",
     "She couldn't see my face, and at home there was nowhere private to talk.", ["E6"]),
    ("C06", "Assessment harder remotely",
     "Assessing the person or noticing a change in their health was harder remotely.",
     "I don't think they could tell how unwell I was getting over the phone.", ["E7", "E8"]),
    ("C07", "Unsafe or unseen home",
     "Staff could not see the home, or the person could not speak freely from it.",
     "I couldn't say much because my partner was in the next room.", ["E9"]),
    ("C08", "Carer left out",
     "A carer felt shut out of meetings or assessments, or was not asked for their view.",
     "Nobody asked me what I'd noticed at home, and I wasn't on the call.", ["E10"]),
    ("C09", "Appointments moved or dropped",
     "Remote appointments were late, moved, cancelled or not followed up.",
     "The weekly calls just stopped and nobody told me why.", ["E11", "E17"]),
    ("C10", "No time to reflect",
     "Without a journey there was no time to process a session; back-to-back contacts.",
     "One minute I was crying on a video call and the next I was making tea for the kids.",
     ["E12"]),
    ("C11", "Shorter, more frequent contact",
     "Remote contact was more intense, shorter, or made frequent check-ins easier.",
     "Quick calls every few days kept me going better than a long meeting once a month.",
     ["E13"]),
    ("C12", "Communication or sensory barrier",
     "Hearing, speech, language, anxiety or autism made a screen or phone hard to use.",
     "I'm hard of hearing and I couldn't follow what was said on the phone.", ["E14"]),
    ("C13", "Remote care suits my situation",
     "Remote contact helped because of shielding, illness, mobility or caring duties.",
     "With my mobility problems, video meant I didn't have to leave the house.", ["E15"]),
    ("C14", "Poor connection",
     "Wi-Fi or mobile signal broke the call, the sound or the video.",
     "The signal kept dropping and the video froze every few minutes.", ["E16"]),
    ("C15", "No device, data or skills",
     "The person lacked a device, data, a private place or the confidence to use it.",
     "I don't have a smartphone and I ran out of data halfway through.", ["E14", "E18"]),
    ("C16", "Not asked which mode",
     "The mode was decided for the person rather than with them, or not reviewed.",
     "They just rang me; nobody asked if I wanted to come in instead.", ["E19", "E20"]),
    ("C17", "Not told what to expect",
     "The person was not told beforehand how the remote contact would work.",
     "I didn't know it would be a video call until the link arrived that morning.", ["E20"]),
    ("C18", "Staff need training and support",
     "Staff lacked training for the platform, or lost the team's informal support.",
     "We were never shown how to use the system, and I miss talking cases over in the office.",
     ["E21", "E22", "E23"]),
    ("C19", "Only telephone offered",
     "Only a telephone call was offered where video or another mode was wanted.",
     "It was always a phone call; video was never even mentioned.", ["E1"]),
)


def seed(apps, schema_editor):
    Code = apps.get_model("feedback", "Code")
    CodebookEvent = apps.get_model("feedback", "CodebookEvent")
    now = timezone.now()
    for key, label, definition, example, evidence in SEED:
        code = Code.objects.create(
            key=key, label=label, definition=definition, example=example, evidence=evidence
        )
        CodebookEvent.objects.create(
            code=code, change="added", detail={"seeded": True}, by=None, at=now
        )


def unseed(apps, schema_editor):
    Code = apps.get_model("feedback", "Code")
    CodebookEvent = apps.get_model("feedback", "CodebookEvent")
    keys = [row[0] for row in SEED]
    CodebookEvent.objects.filter(code__key__in=keys).delete()
    Code.objects.filter(key__in=keys).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0003_codebook")]

    operations = [migrations.RunPython(seed, unseed)]
