"""Suggested codes by constant comparison: a new excerpt is compared with every excerpt already
coded and with each code's codebook example; the codes of the most similar are suggested, ranked,
each with its evidence. Advisory only: a coder accepts or rejects each suggestion.

Text is compared by TF-IDF over word uni- and bigrams joined with character 3–5-grams within
words (scikit-learn), which copes with misspellings and word forms in short free text;
docs/themes.md gives the measured comparison with word-only TF-IDF.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from caremode.feedback.codebook import codes_in_use, current
from caremode.feedback.models import Coding

MOST = 5  # suggestions per excerpt
NEIGHBOURS = 10  # the most similar coded texts whose codes are considered


@dataclass(frozen=True)
class Suggestion:
    code: str
    label: str
    evidence: tuple[str, ...]
    score: float

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "label": self.label,
            "evidence": list(self.evidence),
            "score": round(self.score, 2),
        }


@dataclass(frozen=True)
class CodeInfo:
    label: str
    evidence: tuple[str, ...]


def word_and_char_vectoriser() -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ]
    )


def word_only_vectoriser() -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 1), sublinear_tf=True)


class Suggester:
    """Compares texts with a fixed coded set: `texts[i]` was given the codes `labels[i]`."""

    def __init__(
        self,
        texts: Sequence[str],
        labels: Sequence[Sequence[str]],
        codes: dict[str, CodeInfo],
        *,
        vectoriser: FeatureUnion | TfidfVectorizer | None = None,
    ) -> None:
        if len(texts) != len(labels):
            raise ValueError("one set of codes per text")
        self.labels = [tuple(ls) for ls in labels]
        self.codes = codes
        self.vectoriser = vectoriser if vectoriser is not None else word_and_char_vectoriser()
        matrix = self.vectoriser.fit_transform(list(texts))
        self.parts = len(getattr(self.vectoriser, "transformer_list", [None]))
        self.matrix = matrix.tocsr()

    def similarities(self, queries: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each query with each coded text (mean over the vectorisers)."""
        vectors = self.vectoriser.transform(list(queries))
        return np.asarray((vectors @ self.matrix.T).todense()) / self.parts

    def suggest(self, queries: Sequence[str], *, most: int = MOST) -> list[list[Suggestion]]:
        found = []
        for row in self.similarities(queries):
            top = np.argsort(-row, kind="stable")[:NEIGHBOURS]
            best: dict[str, float] = {}
            for index in top:
                if row[index] <= 0:
                    break
                for code in self.labels[index]:
                    if code in self.codes and row[index] > best.get(code, 0.0):
                        best[code] = float(row[index])
            ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:most]
            found.append(
                [
                    Suggestion(code, self.codes[code].label, self.codes[code].evidence, score)
                    for code, score in ranked
                ]
            )
        return found


def from_database(*, excluding: Collection[int] = ()) -> Suggester:
    """The codebook's examples and every coded excerpt (merged codes read as their successor),
    as the coded set. Works on a freshly migrated database: the seeded examples are there.

    `excluding` names excerpts left out of the coded set: the coding page leaves out the excerpt
    being coded, whose other coders' codes would otherwise come back as its best suggestions and
    break blind coding (hazard TH5)."""
    in_use = {c.key: c for c in codes_in_use()}
    codes = {k: CodeInfo(c.label, tuple(c.evidence)) for k, c in in_use.items()}
    texts = [c.example for c in in_use.values()]
    labels: list[list[str]] = [[k] for k in in_use]
    by_excerpt: dict[int, tuple[str, set[str]]] = {}
    rows = Coding.objects.exclude(excerpt_id__in=list(excluding))
    for row in rows.select_related("excerpt", "code__merged_into"):
        text, keys = by_excerpt.setdefault(row.excerpt_id, (row.excerpt.text, set()))
        keys.add(current(row.code).key)
    for text, keys in by_excerpt.values():
        texts.append(text)
        labels.append(sorted(keys))
    return Suggester(texts, labels, codes)
