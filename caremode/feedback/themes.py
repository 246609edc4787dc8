"""Themes by mode and group: how often each theme occurs in what people said about each mode, by
group and by month, and the excerpts behind each, anonymised (docs/themes.md).

**The themes of an excerpt** (`agreed_themes`) are the codes the coders agreed:

- where the excerpt has been reconciled, the reconciled code(s);
- otherwise, where two or more coders coded it, the codes every one of them gave;
- otherwise none: an excerpt coded by one coder only, or not coded, is not counted yet (the
  page says how many are waiting).

A merged code is counted as the code it became (`codebook.current`), so a theme's count does not
split when the codebook is revised. Each excerpt counts once for each of its themes.

**Suppression** (TH6): every count leaves here through `core.suppression.suppress_count` as
CareMode publishes small numbers (under 5 is `*`, others rounded to 5), and the excerpts behind a
count are shown only when that count is at least 5: a theme said by fewer than 5 people about a
mode (in a group) shows neither its number nor its words. **Anonymisation** (TH7): every
excerpt shown or exported passes through `anonymise.anonymise` with the names CareMode holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from caremode.core import codes
from caremode.core.suppression import THRESHOLD, suppress_count
from caremode.feedback.anonymise import anonymiser
from caremode.feedback.models import Code, Coding, Excerpt, ExcerptSource, Reconciliation

NOT_RECORDED: Final = "Not recorded"
ALL_MODES: Final = "All modes"
EXCERPTS_SHOWN: Final = 3  # per theme and mode on the page, and in the evaluation report
EXCERPTS_SHOWN_FOR_ONE_THEME: Final = 20
PERIODS: Final[dict[str, tuple[str, int | None]]] = {
    # value: (label, months back including this one; None for everything)
    "3": ("The last 3 months", 3),
    "6": ("The last 6 months", 6),
    "12": ("The last 12 months", 12),
    "all": ("All time", None),
}
DEFAULT_PERIOD: Final = "12"


def _ethnic_group(e: Excerpt) -> str:
    found = codes.ETHNIC_CATEGORIES.get(e.ethnic_category)
    return found[1] if found else NOT_RECORDED


def _deprivation(e: Excerpt) -> str:
    if e.imd_decile is None:
        return NOT_RECORDED
    quintile = (e.imd_decile + 1) // 2
    suffix = {1: " (most deprived)", 5: " (least deprived)"}.get(quintile, "")
    return f"Quintile {quintile}{suffix}"


def _language(e: Excerpt) -> str:
    if not e.main_language:
        return NOT_RECORDED
    return "English" if e.main_language == "en" else "A language other than English"


# The groups an excerpt can be counted by: what it keeps of the person when it was given
# (`excerpts.add_excerpt`); carers' and staff excerpts have no person's groups ("Not recorded").
# Access needs are not kept with an excerpt, so themes cannot be counted by access need.
DIMENSIONS: Final[dict[str, tuple[str, Callable[[Excerpt], str]]]] = {
    "source": ("Who said it", lambda e: ExcerptSource(e.source).label),
    "ethnicity": ("Ethnic group", _ethnic_group),
    "age_band": ("Age band", lambda e: e.age_band or NOT_RECORDED),
    "deprivation": ("Deprivation (IMD quintile)", _deprivation),
    "language": ("Main language", _language),
}


@dataclass(frozen=True)
class ThemedExcerpt:
    """An excerpt with its agreed themes, its mode, month and groups; no person, no team."""

    pk: int
    text: str
    source: str
    mode: str
    month: dt.date
    groups: Mapping[str, str]
    themes: frozenset[str]


def _resolver(all_codes: Iterable[Code]) -> Callable[[int], Code]:
    by_pk = {c.pk: c for c in all_codes}

    def resolve(pk: int) -> Code:
        code, seen = by_pk[pk], {pk}
        while code.merged_into_id is not None and code.merged_into_id not in seen:
            seen.add(code.merged_into_id)
            code = by_pk[code.merged_into_id]
        return code

    return resolve


def agreed_themes(excerpt_ids: Iterable[int], *, codebook: Iterable[Code]) -> dict[int, set[str]]:
    """Excerpt id -> the keys of its agreed themes (see the module); excerpts with none left out.
    Two queries whatever the number of excerpts."""
    ids = list(excerpt_ids)
    resolve = _resolver(codebook)
    reconciled: dict[int, set[str]] = defaultdict(set)
    through = Reconciliation.codes.through.objects.filter(reconciliation__excerpt_id__in=ids)
    for excerpt_id, code_id in through.values_list("reconciliation__excerpt_id", "code_id"):
        reconciled[excerpt_id].add(resolve(code_id).key)
    by_coder: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for excerpt_id, coder_id, code_id in Coding.objects.filter(excerpt_id__in=ids).values_list(
        "excerpt_id", "coder_id", "code_id"
    ):
        by_coder[excerpt_id][coder_id].add(resolve(code_id).key)
    themes: dict[int, set[str]] = dict(reconciled)
    for excerpt_id, coders in by_coder.items():
        if excerpt_id in themes or len(coders) < 2:
            continue
        common = set.intersection(*coders.values())
        if common:
            themes[excerpt_id] = common
    return themes


def first_month(period: str, *, today: dt.date) -> dt.date | None:
    """The first month a period covers, counting this month as one; None for all time."""
    months = PERIODS[period][1]
    if months is None:
        return None
    index = today.year * 12 + today.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def themed_excerpts(*, since: dt.date | None = None) -> tuple[list[ThemedExcerpt], int]:
    """The excerpts from `since` (a month) with agreed themes, newest first, and how many others
    in the period were coded but are not agreed yet (a handful of queries)."""
    excerpts = Excerpt.objects.only(
        "pk",
        "text",
        "source",
        "mode",
        "month",
        "ethnic_category",
        "age_band",
        "imd_decile",
        "main_language",
    ).order_by("-month", "-pk")
    if since is not None:
        excerpts = excerpts.filter(month__gte=since)
    found = list(excerpts)
    coded = set(
        Coding.objects.filter(excerpt__in=[e.pk for e in found]).values_list(
            "excerpt_id", flat=True
        )
    )
    themes = agreed_themes([e.pk for e in found if e.pk in coded], codebook=Code.objects.all())
    themed = [
        ThemedExcerpt(
            pk=e.pk,
            text=e.text,
            source=e.source,
            mode=e.mode,
            month=e.month,
            groups={name: group(e) for name, (_label, group) in DIMENSIONS.items()},
            themes=frozenset(themes[e.pk]),
        )
        for e in found
        if e.pk in themes
    ]
    return themed, len(coded - set(themes))


def mode_label(mode: str) -> str:
    return codes.MODES[mode][1] if mode in codes.MODES else "Mode not recorded"


@dataclass(frozen=True)
class Filters:
    """What the themes page shows: one mode or all, one group dimension or none (and one group
    within it for the excerpts), a period, one theme or all. Unknown values fall back to the
    defaults, so a hand-edited address still shows a page."""

    mode: str = ""
    dimension: str = ""
    group: str = ""
    period: str = DEFAULT_PERIOD
    theme: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, theme_keys: Iterable[str]) -> Filters:
        mode = query.get("mode", "")
        dimension = query.get("dimension", "")
        period = query.get("period", DEFAULT_PERIOD)
        theme = query.get("theme", "")
        return cls(
            mode=mode if mode in codes.MODES else "",
            dimension=dimension if dimension in DIMENSIONS else "",
            group=query.get("group", "")[:80] if dimension in DIMENSIONS else "",
            period=period if period in PERIODS else DEFAULT_PERIOD,
            theme=theme if theme in set(theme_keys) else "",
        )

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass
class ThemeCounts:
    """The unsuppressed counts of one selection (never leave this module unsuppressed)."""

    modes: list[str]
    groups: list[str]
    months: list[dt.date]
    by_mode: dict[str, dict[str, int]] = field(default_factory=dict)  # theme -> mode -> n
    by_group: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    by_month: dict[str, dict[dt.date, int]] = field(default_factory=dict)
    excerpts: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def count_themes(themed: Iterable[ThemedExcerpt], filters: Filters) -> ThemeCounts:
    """Count each theme by mode (all groups, or within the chosen group), by group and mode
    (with a dimension), and by month (within the chosen mode and group); keep the texts behind
    each theme and mode, newest first. Pure."""
    chosen = [
        t
        for t in themed
        if (not filters.theme or filters.theme in t.themes)
        and (not filters.mode or t.mode == filters.mode)
    ]
    modes = sorted({t.mode for t in chosen}, key=_mode_order)
    groups = sorted({t.groups[filters.dimension] for t in chosen}) if filters.dimension else []
    months = sorted({t.month for t in chosen})
    counts = ThemeCounts(modes=modes, groups=groups, months=months)
    in_group = [
        t
        for t in chosen
        if not (filters.dimension and filters.group) or t.groups[filters.dimension] == filters.group
    ]
    for t in in_group:
        for theme in t.themes:
            if filters.theme and theme != filters.theme:
                continue
            by_mode = counts.by_mode.setdefault(theme, {})
            by_mode[t.mode] = by_mode.get(t.mode, 0) + 1
            by_month = counts.by_month.setdefault(theme, {})
            by_month[t.month] = by_month.get(t.month, 0) + 1
            counts.excerpts.setdefault((theme, t.mode), []).append(t.text)
    if filters.dimension:
        for t in chosen:
            for theme in t.themes:
                if filters.theme and theme != filters.theme:
                    continue
                cells = counts.by_group.setdefault(theme, {}).setdefault(
                    t.groups[filters.dimension], {}
                )
                cells[t.mode] = cells.get(t.mode, 0) + 1
    return counts


def _mode_order(mode: str) -> int:
    order = list(codes.MODES)
    return order.index(mode) if mode in order else len(order)


def shown_excerpts(
    texts: list[str], *, count: int, anonymise: Callable[[str], str], limit: int
) -> list[str]:
    """The excerpts behind one count, anonymised, or none when the count is under the threshold
    (TH6, TH7): the words of fewer than 5 people are not shown, as their number is not."""
    if count < THRESHOLD:
        return []
    return [anonymise(text) for text in texts[:limit]]


@dataclass(frozen=True)
class ThemeInfo:
    key: str
    label: str
    evidence: tuple[str, ...]


def published(
    counts: ThemeCounts,
    filters: Filters,
    *,
    codebook: Mapping[str, ThemeInfo],
    names: Iterable[str],
) -> dict[str, Any]:
    """The selection as it may be shown or downloaded: every count suppressed, excerpts only
    behind counts of at least 5 and anonymised. Themes in codebook order."""
    anonymise = anonymiser(names)
    limit = EXCERPTS_SHOWN_FOR_ONE_THEME if filters.theme else EXCERPTS_SHOWN
    order = [k for k in codebook if k in counts.by_mode or k in counts.by_group]
    modes = [(m, mode_label(m)) for m in counts.modes]
    by_mode = [
        {
            "theme": codebook[key],
            "cells": [suppress_count(counts.by_mode.get(key, {}).get(m, 0)) for m, _l in modes],
            "total": suppress_count(sum(counts.by_mode.get(key, {}).values())),
        }
        for key in order
    ]
    by_group = [
        {
            "theme": codebook[key],
            "rows": [
                {
                    "group": group,
                    "cells": [
                        suppress_count(counts.by_group[key].get(group, {}).get(m, 0))
                        for m, _l in modes
                    ],
                }
                for group in counts.groups
                if group in counts.by_group[key]
            ],
        }
        for key in order
        if key in counts.by_group
    ]
    by_month = [
        {
            "theme": codebook[key],
            "cells": [
                suppress_count(counts.by_month.get(key, {}).get(month, 0))
                for month in counts.months
            ],
        }
        for key in order
        if key in counts.by_month
    ]
    said = []
    for mode, label in modes:
        themes = []
        for key in order:
            n = counts.by_mode.get(key, {}).get(mode, 0)
            texts = shown_excerpts(
                counts.excerpts.get((key, mode), []), count=n, anonymise=anonymise, limit=limit
            )
            if texts:
                themes.append({"theme": codebook[key], "count": suppress_count(n), "texts": texts})
        said.append({"mode": mode, "label": label, "themes": themes})
    return {
        "modes": modes,
        "groups": counts.groups,
        "months": counts.months,
        "by_mode": by_mode,
        "by_group": by_group,
        "by_month": by_month,
        "said": said,
    }


CSV_COLUMNS: Final = ("Table", "Theme", "Label", "Mode", "Dimension", "Group", "Month", "Excerpts")


def csv_rows(shown: Mapping[str, Any], filters: Filters) -> list[list[str]]:
    """The page's tables as one long CSV (suppressed as on the page; no excerpts' words)."""
    dimension = DIMENSIONS[filters.dimension][0] if filters.dimension else ""
    group = filters.group if filters.dimension else ""
    rows: list[list[str]] = [list(CSV_COLUMNS)]
    for row in shown["by_mode"]:
        theme = row["theme"]
        for (_mode, label), cell in zip(shown["modes"], row["cells"], strict=True):
            rows.append(["by mode", theme.key, theme.label, label, dimension, group, "", cell])
    for table in shown["by_group"]:
        theme = table["theme"]
        for entry in table["rows"]:
            for (_mode, label), cell in zip(shown["modes"], entry["cells"], strict=True):
                rows.append(
                    ["by group", theme.key, theme.label, label, dimension, entry["group"], "", cell]
                )
    mode = mode_label(filters.mode) if filters.mode else ALL_MODES
    for row in shown["by_month"]:
        theme = row["theme"]
        for month, cell in zip(shown["months"], row["cells"], strict=True):
            rows.append(
                ["by month", theme.key, theme.label, mode, dimension, group, f"{month:%Y-%m}", cell]
            )
    return rows


def load_codebook() -> dict[str, ThemeInfo]:
    """The codebook's themes as counts are given under (one query)."""
    return codebook_info(Code.objects.all())


def codebook_info(all_codes: Iterable[Code]) -> dict[str, ThemeInfo]:
    """The codes in use (the themes counts are given under), in key order."""
    return {
        c.key: ThemeInfo(c.key, c.label, tuple(c.evidence))
        for c in sorted(all_codes, key=lambda c: c.key)
        if c.merged_into_id is None
    }


def export_rows(
    themed: Iterable[ThemedExcerpt],
    *,
    codebook: Mapping[str, ThemeInfo],
    names: Iterable[str],
    reference: Callable[[int], str],
) -> list[dict[str, str]]:
    """The rows of the themes file (`codes.THEME_COLUMNS`): one per excerpt and agreed theme,
    the excerpt under a pseudonym (`reference`), its text anonymised and left empty where fewer
    than 5 excerpts of its mode carry the theme (TH6, TH7), so the file can go where the
    evaluation goes. Oldest month first."""
    themed = sorted(themed, key=lambda t: (t.month, t.pk))
    cell: dict[tuple[str, str], int] = defaultdict(int)
    for t in themed:
        for theme in t.themes:
            cell[(t.mode, theme)] += 1
    anonymise = anonymiser(names)
    rows = []
    for t in themed:
        text = ""
        for theme in sorted(t.themes):
            if theme not in codebook:
                continue
            if cell[(t.mode, theme)] >= THRESHOLD and not text:
                text = anonymise(t.text)
            info = codebook[theme]
            rows.append(
                {
                    "ExcerptRef": reference(t.pk),
                    "Month": f"{t.month:%Y-%m}",
                    "Mode": t.mode,
                    "Source": t.source,
                    "Theme": info.key,
                    "ThemeLabel": info.label,
                    "Evidence": ";".join(info.evidence),
                    "Text": text if cell[(t.mode, theme)] >= THRESHOLD else "",
                }
            )
    return rows
