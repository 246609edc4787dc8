"""Suggested codes for many excerpts against a coded set, beside a brute-force comparison
measured in the same run on the same texts: each excerpt compared with every coded text one pair
at a time (the overlap of their word sets), the codes of the ten most similar kept. The ratio is
how much faster the TF-IDF matrix comparison is. No database: synthetic texts built from phrases.

    .venv/bin/python benchmarks/suggest_codes.py            # 1,000 excerpts against 500 coded
    .venv/bin/python benchmarks/suggest_codes.py --full     # 10,000 against 5,000
    .venv/bin/python benchmarks/suggest_codes.py --excerpts 10000 --coded 5000   # the same
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from caremode.feedback.suggestions import NEIGHBOURS, CodeInfo, Suggester  # noqa: E402

PHRASES = {
    "C14": ["the signal kept dropping", "the video froze", "wifi was bad", "sound one way only"],
    "C08": ["nobody asked my mother", "the carer was left out", "I was not on the call"],
    "C01": ["I would rather be seen in person", "face to face is better", "sit in a room"],
    "C09": ["the call was moved", "they never rang back", "the weekly calls stopped"],
    "C12": ["hard of hearing", "could not follow the words", "the interpreter was missing"],
    "C02": ["no bus to catch", "saved the parking", "no travelling for an hour"],
}
FILLER = ["today", "again", "honestly", "this time", "at home", "last week", "for me"]


def texts(rng: random.Random, n: int) -> tuple[list[str], list[list[str]]]:
    made, labels = [], []
    keys = sorted(PHRASES)
    for _ in range(n):
        codes = rng.sample(keys, rng.choice([1, 1, 2]))
        words = [rng.choice(PHRASES[c]) for c in codes] + rng.sample(FILLER, 2)
        rng.shuffle(words)
        made.append(" ".join(words))
        labels.append(codes)
    return made, labels


def brute_force(queries: list[str], coded: list[str], labels: list[list[str]]) -> list[list[str]]:
    """Each query against every coded text, one pair at a time: the Jaccard overlap of their word
    sets (the union's size from the two sizes and the intersection, not built), the ten highest
    kept with a heap rather than a full sort, so the baseline is not slowed by waste."""
    sets = [(s, len(s)) for s in (frozenset(t.split()) for t in coded)]
    found = []
    for query in queries:
        words = frozenset(query.split())
        size = len(words)
        scores = []
        for s, n in sets:
            shared = len(words & s)
            scores.append(shared / (size + n - shared))
        top = heapq.nlargest(NEIGHBOURS, range(len(scores)), key=scores.__getitem__)
        found.append(sorted({c for i in top for c in labels[i]}))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="10,000 excerpts against 5,000 coded")
    parser.add_argument("--excerpts", type=int, help="excerpts to suggest codes for (1,000)")
    parser.add_argument("--coded", type=int, help="coded excerpts to compare with (500)")
    args = parser.parse_args()
    queries_n, coded_n = (10_000, 5_000) if args.full else (1_000, 500)
    queries_n, coded_n = args.excerpts or queries_n, args.coded or coded_n
    if queries_n < 1 or coded_n < NEIGHBOURS:
        parser.error(f"--excerpts must be at least 1 and --coded at least {NEIGHBOURS}")
    rng = random.Random(15)
    coded, labels = texts(rng, coded_n)
    queries, _ = texts(rng, queries_n)
    codes = {k: CodeInfo(k, ("E1",)) for k in PHRASES}

    start = time.perf_counter()
    suggester = Suggester(coded, labels, codes)
    found = []
    for i in range(0, len(queries), 500):  # in batches, as the command could
        found.extend(suggester.suggest(queries[i : i + 500]))
    tfidf = time.perf_counter() - start

    start = time.perf_counter()
    brute_force(queries, coded, labels)
    brute = time.perf_counter() - start

    print(f"{queries_n:,} excerpts against {coded_n:,} coded")
    print(f"TF-IDF suggestions: {tfidf:.2f} s; brute force: {brute:.2f} s")
    print(f"ratio (brute force / TF-IDF): {brute / tfidf:.1f}")
    assert len(found) == queries_n


if __name__ == "__main__":
    main()
