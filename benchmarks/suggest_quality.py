"""How often the right code is suggested: TF-IDF over word and character n-grams against word-only
TF-IDF, on a fixed set. The coded set is the seeded codebook's examples; held back, one excerpt
per code written in other words (and with the slips free text has). Prints top-1 and top-3 hits.

    .venv/bin/python benchmarks/suggest_quality.py
"""

from __future__ import annotations

import importlib
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from caremode.feedback.suggestions import (  # noqa: E402
    CodeInfo,
    Suggester,
    word_and_char_vectoriser,
    word_only_vectoriser,
)

SEED = importlib.import_module("caremode.feedback.migrations.0004_seed_codebook").SEED
HELD_BACK = {
    "C01": "honestly i prefer seeing someone in person, not on a screen",
    "C02": "no travelling, no bus fare, saved me half a day",
    "C03": "I refused the video sessions and waited for in-person therapy",
    "C04": "hard to trust a clinician I'd never met, felt like a stranger",
    "C05": "she couldnt see my face and there was nowhere private at home",
    "C06": "they didnt notice how unwell I was getting on the phone",
    "C07": "my partner was listening in the next room so I said nothing",
    "C08": "no one asked me as his carer, I wasnt on the call",
    "C09": "appointment moved twice and nobody rang back",
    "C10": "straight from a tearful call to cooking tea, no time to think",
    "C11": "short calls every few days helped more than monthly meetings",
    "C12": "I'm hard of hearing and couldn't follow the call",
    "C13": "with my mobility video means I can stay in the house",
    "C14": "the signal dropped and the vidoe kept freezing",
    "C15": "I ran out of data and have no smartphone",
    "C16": "nobody asked if I wanted to come in, they just phoned",
    "C17": "didn't know it was a video call until the link came",
    "C18": "staff were never trained on the system and miss the office chats",
    "C19": "always a phone call, video was never offered",
}


def hits(vectoriser: object) -> tuple[int, int]:
    codes = {row[0]: CodeInfo(row[1], tuple(row[4])) for row in SEED}
    suggester = Suggester(
        [row[3] for row in SEED], [[row[0]] for row in SEED], codes, vectoriser=vectoriser
    )
    found = suggester.suggest(list(HELD_BACK.values()))
    first = sum(bool(f) and f[0].code == k for k, f in zip(HELD_BACK, found, strict=True))
    three = sum(k in [s.code for s in f[:3]] for k, f in zip(HELD_BACK, found, strict=True))
    return first, three


def main() -> None:
    n = len(HELD_BACK)
    for name, vectoriser in (
        ("word + character n-grams", word_and_char_vectoriser()),
        ("words only", word_only_vectoriser()),
    ):
        first, three = hits(vectoriser)
        print(f"{name}: right code first {first}/{n}, in the top three {three}/{n}")


if __name__ == "__main__":
    main()
