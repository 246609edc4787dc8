"""The equity measures over all offered contacts, by mode and by group (E17, E18).

Counting is one Ibis expression per dimension (DuckDB runs it); the statistics are then computed
on the counts in Python (`stats`), so the heavy work scales with the data and the rest with the
number of groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ibis
from ibis import _
from ibis.expr.types import Table

from caremode.core import codes
from caremode.evaluation import stats
from caremode.evaluation.outcome_rules import outcome_numerators

MODE_ORDER = ("face_to_face", "telephone", "video", "text", "email", "talk_type", "other")
# measure: (numerator statuses, denominator statuses); None means every offered contact.
MEASURES: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "attendance_rate": (("5", "6"), None),
    "dna_rate": (("3",), None),
    "patient_cancellation_rate": (("2",), None),
    "provider_cancellation_rate": (("4",), None),
    "late_not_seen_rate": (("7",), None),
}
AGE_BANDS = (
    (0, 17, "Under 18"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, 200, "65 or over"),
)
SMALL = 5


def standardise(t: Table) -> Table:
    """Mode, outcome and the group of each dimension, from MHSDS codes."""
    mapping = {**codes.CONS_MECHANISM_TO_MODE, **codes.LEGACY_CONS_MECHANISM}
    mode = t.ConsMechanismMH.cases(*mapping.items(), else_="other")
    first = t.EthnicCategory.substr(0, 1)
    upper = {code: group for code, (_label, group) in codes.ETHNIC_CATEGORIES.items()}
    ethnicity = ibis.cases(
        (t.EthnicCategory == "99", "Unknown"),
        else_=first.cases(
            *[(code, group) for code, group in upper.items() if len(code) == 1], else_="Unknown"
        ),
    )
    age = t.AgeCareContDate.try_cast("int32")
    age_band = ibis.cases(
        *[((age >= low) & (age <= high), label) for low, high, label in AGE_BANDS], else_="Unknown"
    )
    identity = t.GenderIDCode.cases(
        ("1", "Male"), ("2", "Female"), ("3", "Non-binary"), ("4", "Other"), else_=None
    )
    stated = t.Gender.cases(("1", "Male"), ("2", "Female"), ("9", "Indeterminate"), else_=None)
    decile = t.IMD_Decile.try_cast("int32")
    return t.mutate(
        mode=mode,
        status=t.AttendStatus,
        tech=t.TechFailure,
        dim_ethnicity=ethnicity,
        dim_age_band=age_band,
        dim_gender=identity.coalesce(stated, ibis.literal("Unknown")),
        dim_imd_quintile=ibis.cases(
            (decile.notnull(), ((decile + 1) // 2).cast("string")), else_="Unknown"
        ),
        dim_rurality=t.Rurality.coalesce(ibis.literal("Unknown")),
        dim_interpreter=t.InterpreterPresentInd.cases(
            ("Y", "Interpreter present"), ("N", "No interpreter"), else_="Unknown"
        ),
        dim_access_need=t.AccessNeeds.coalesce(ibis.literal("")),
    )


DIMENSIONS = (
    "ethnicity",
    "age_band",
    "gender",
    "imd_quintile",
    "rurality",
    "access_need",
    "interpreter",
)
# Columns are named dim_<dimension>: DuckDB matches names case-insensitively, and the extract
# already has columns such as Gender.
COLUMN = {dimension: f"dim_{dimension}" for dimension in DIMENSIONS}


KEYS = ("mode", "status", "tech", *COLUMN.values())
TALLIES = ("offered", "attended", "s2", "s3", "s4", "s7", "tech_known", "tech_yes")


def _by_group(t: Table) -> Table:
    """One row per (dimension, group) a row of `t` belongs to: every dimension side by side, so
    that one query groups them all. A row with several access needs counts once in each."""
    listed = ibis.cases((t.dim_access_need == "", "none_recorded"), else_=t.dim_access_need)
    sources = [t.mutate(dimension=ibis.literal("overall"), group=ibis.literal("All"))]
    for dimension in DIMENSIONS:
        # "none_recorded" before splitting: engines disagree on splitting an empty string.
        group = listed.split(";").unnest() if dimension == "access_need" else t[COLUMN[dimension]]
        sources.append(t.mutate(dimension=ibis.literal(dimension), group=group))
    return ibis.union(*sources, distinct=False)


def _with_all_modes(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Add mode `all` to counts by mode: counts are additive, so it is their sum."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        total = totals.setdefault(
            (row["dimension"], row["group"]),
            {"dimension": row["dimension"], "group": row["group"], "mode": "all"}
            | dict.fromkeys(fields, 0),
        )
        for name in fields:
            total[name] += row[name]
    return rows + list(totals.values())


def count_groups(t: Table) -> list[dict[str, Any]]:
    """Counts per (dimension, group, mode), with mode `all` for every mode together.

    The contacts are first counted once by every combination of mode, outcome and group (a few
    thousand rows however many contacts there are); each dimension's counts are sums over that.
    """
    cube = t.group_by(KEYS).aggregate(n=_.count()).cache()
    rows = _by_group(cube)
    status, n = rows.status, rows.n

    def weighted(condition: ibis.expr.types.BooleanValue) -> ibis.expr.types.IntegerValue:
        return ibis.cases((condition, n), else_=0).sum()

    counts = rows.group_by(["dimension", "group", "mode"]).aggregate(
        offered=n.sum(),
        attended=weighted(status.isin(["5", "6"])),
        s2=weighted(status == "2"),
        s3=weighted(status == "3"),
        s4=weighted(status == "4"),
        s7=weighted(status == "7"),
        tech_known=weighted(rows.tech.notnull()),
        tech_yes=weighted(rows.tech == "Y"),
    )
    found = [
        {
            "dimension": r["dimension"],
            "group": r["group"],
            "mode": r["mode"],
            **{name: int(r[name] or 0) for name in TALLIES},
        }
        for r in counts.to_pyarrow().to_pylist()
    ]
    return _with_all_modes(found, TALLIES)


REMOTE = ("telephone", "video", "text", "email")
MISSED = ("2", "3", "4", "7")
FOLLOW_UP_DAYS = 90


def count_disengagement(t: Table) -> list[dict[str, Any]]:
    """People whose first missed remote contact was followed by no attended contact within 90
    days (E17), by group and by the mode of that missed contact. Only missed contacts with 90
    days of data after them count, so recent ones do not look like disengagement."""
    dated = t.mutate(day=t.CareContDate.cast("date"))
    last_day = dated.day.max().as_scalar()
    missed = dated.filter(dated.mode.isin(REMOTE) & dated.status.isin(MISSED))
    earliest = missed.group_by("Person_ID").aggregate(first_missed=missed.day.min())
    # The mode and groups as recorded on that first missed contact (min breaks a same-day tie the
    # same way on every engine).
    first = (
        missed.join(
            earliest, [missed.Person_ID == earliest.Person_ID, missed.day == earliest.first_missed]
        )
        .group_by(["Person_ID", "first_missed"])
        .aggregate(missed_mode=_.mode.min(), **{c: _[c].min() for c in COLUMN.values()})
    )
    first = first.filter(first.first_missed + ibis.interval(days=FOLLOW_UP_DAYS) <= last_day)
    attended = dated.filter(dated.status.isin(["5", "6"])).select(
        attended_person="Person_ID", attended_day="day"
    )
    joined = first.left_join(
        attended,
        [
            first.Person_ID == attended.attended_person,
            attended.attended_day > first.first_missed,
            attended.attended_day <= first.first_missed + ibis.interval(days=FOLLOW_UP_DAYS),
        ],
    )
    per_person = joined.group_by(["Person_ID", "missed_mode", *COLUMN.values()]).aggregate(
        reengaged=joined.attended_person.notnull().any()
    )
    cohort = (
        per_person.group_by(["missed_mode", "reengaged", *COLUMN.values()])
        .aggregate(n=_.count())
        .cache()
    )
    rows = _by_group(cohort)
    counts = rows.group_by(["dimension", "group", "missed_mode"]).aggregate(
        people=rows.n.sum(), disengaged=ibis.cases((~rows.reengaged, rows.n), else_=0).sum()
    )
    found = [
        {
            "dimension": r["dimension"],
            "group": r["group"],
            "mode": r["missed_mode"],
            "people": int(r["people"] or 0),
            "disengaged": int(r["disengaged"] or 0),
        }
        for r in counts.to_pyarrow().to_pylist()
    ]
    return _with_all_modes(found, ("people", "disengaged"))


def count_declined(t: Table) -> list[dict[str, Any]]:
    """People who decline each remote mode, among those whose view of it is recorded (CareMode's
    own preferences: `mode` from ConsMechanismMH, the current preference in `status`). Declining
    is counted where it is stated, so it sits beside the contacts that were offered (E17)."""
    cube = (
        t.filter(t.mode.isin(REMOTE))
        .group_by(["mode", "status", *COLUMN.values()])
        .aggregate(n=_.count())
        .cache()
    )
    rows = _by_group(cube)
    counts = rows.group_by(["dimension", "group", "mode"]).aggregate(
        asked=rows.n.sum(), declined=ibis.cases((rows.status == "declines", rows.n), else_=0).sum()
    )
    return [
        {
            "dimension": r["dimension"],
            "group": r["group"],
            "mode": r["mode"],
            "asked": int(r["asked"] or 0),
            "declined": int(r["declined"] or 0),
        }
        for r in counts.to_pyarrow().to_pylist()
    ]


def count_all(t: Table) -> list[dict[str, Any]]:
    """Contact counts and disengagement counts of a standardised table, merged."""
    return merge_counts(count_groups(t), count_disengagement(t))


def merge_counts(
    contacts: list[dict[str, Any]], *others: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Add counts of people (disengagement, declined modes) to the contact counts of the same
    dimension, group and mode; a group with no contacts there gets zero contact counts."""
    by_key = {(r["dimension"], r["group"], r["mode"]): dict(r) for r in contacts}
    for rows in others:
        for row in rows:
            key = (row["dimension"], row["group"], row["mode"])
            target = by_key.setdefault(
                key,
                {
                    **dict.fromkeys(TALLIES, 0),
                    "dimension": key[0],
                    "group": key[1],
                    "mode": key[2],
                },
            )
            target.update({k: v for k, v in row.items() if k not in ("dimension", "group", "mode")})
    return list(by_key.values())


@dataclass(frozen=True)
class Options:
    suppress: bool = True
    reference: dict[str, str] | None = None  # dimension → reference group


def _numerators(row: dict[str, Any]) -> Iterator[tuple[str, int, int]]:
    if row.get("offered", 0):  # a row of courses only (mode `mixed`) has no contact counts
        yield "attendance_rate", row["attended"], row["offered"]
        yield "dna_rate", row["s3"], row["offered"]
        yield "patient_cancellation_rate", row["s2"], row["offered"]
        yield "provider_cancellation_rate", row["s4"], row["offered"]
        yield "late_not_seen_rate", row["s7"], row["offered"]
    if row.get("tech_known"):
        yield "tech_failure_rate", row["tech_yes"], row["tech_known"]
    if row.get("people"):
        yield "disengagement_rate", row["disengaged"], row["people"]
    if row.get("asked"):
        yield "declined_rate", row["declined"], row["asked"]
    yield from outcome_numerators(row)


def _rounded(count: int) -> int | None:
    return None if count < SMALL else int((count + 2.5) // 5 * 5)


def _references(counts: list[dict[str, Any]], chosen: dict[str, str]) -> dict[tuple[str, str], str]:
    """The reference group of each (dimension, measure): the one configured, else the largest by
    that measure's denominator (over every mode together where there is such a row)."""
    totals: dict[tuple[str, str, str], list[int]] = {}
    for r in counts:
        for measure, _numerator, denominator in _numerators(r):
            sizes = totals.setdefault((r["dimension"], measure, r["group"]), [0, 0])
            sizes[0 if r["mode"] == "all" else 1] += denominator
    reference: dict[tuple[str, str], str] = {}
    for (dimension, measure, group), size in sorted(totals.items(), key=lambda kv: str(kv[0])):
        best = reference.get((dimension, measure))
        if dimension in chosen:
            reference[(dimension, measure)] = chosen[dimension]
        elif best is None or size > totals[(dimension, measure, best)]:
            reference[(dimension, measure)] = group
    return reference


def compute_measures(counts: list[dict[str, Any]], options: Options) -> list[dict[str, Any]]:
    """Rates with Wilson 95% and 99.8% intervals, ratios to the reference group with Katz
    intervals, and flags; small numbers suppressed as MHSDS publications do."""
    by_key = {(r["dimension"], r["group"], r["mode"]): r for r in counts}
    reference = _references(counts, options.reference or {})
    measures = []
    order = {m: i for i, m in enumerate(("all", *MODE_ORDER))}
    for r in sorted(
        counts,
        key=lambda r: (
            r["dimension"] != "overall",
            r["dimension"],
            str(r["group"]),
            order.get(r["mode"], 99),
        ),
    ):
        for measure, numerator, denominator in _numerators(r):
            ref_group = reference.get((r["dimension"], measure), r["group"])
            ref_row = by_key.get((r["dimension"], ref_group, r["mode"]))
            ref_counts = {m: (n, d) for m, n, d in _numerators(ref_row)} if ref_row else {}
            suppressed = options.suppress and (numerator < SMALL or denominator < SMALL)
            ci95 = stats.wilson(numerator, denominator, stats.Z95)
            ci998 = stats.wilson(numerator, denominator, stats.Z998)
            ratio95 = ratio998 = None
            ratio = None
            if r["dimension"] != "overall" and measure in ref_counts and r["group"] != ref_group:
                rn, rd = ref_counts[measure]
                found95 = stats.ratio_interval(numerator, denominator, rn, rd, stats.Z95)
                found998 = stats.ratio_interval(numerator, denominator, rn, rd, stats.Z998)
                if found95 and found998:
                    ratio, ratio95 = found95
                    ratio998 = found998[1]
            if r["group"] == ref_group and r["dimension"] != "overall":
                ratio = 1.0  # the reference group against itself
            flag = stats.flag(ratio998)
            if suppressed:
                measures.append(
                    {
                        "dimension": r["dimension"],
                        "group": r["group"],
                        "mode": r["mode"],
                        "measure": measure,
                        "numerator": _rounded(numerator),
                        "denominator": _rounded(denominator),
                        "value": None,
                        "ci95": None,
                        "ci998": None,
                        "reference_group": ref_group,
                        "ratio": None,
                        "ratio_ci95": None,
                        "ratio_ci998": None,
                        "flag": "suppressed",
                    }
                )
                continue
            measures.append(
                {
                    "dimension": r["dimension"],
                    "group": r["group"],
                    "mode": r["mode"],
                    "measure": measure,
                    "numerator": _rounded(numerator) if options.suppress else numerator,
                    "denominator": _rounded(denominator) if options.suppress else denominator,
                    "value": numerator / denominator if denominator else None,
                    "ci95": list(ci95) if ci95 else None,
                    "ci998": list(ci998) if ci998 else None,
                    "reference_group": ref_group,
                    "ratio": ratio,
                    "ratio_ci95": list(ratio95) if ratio95 else None,
                    "ratio_ci998": list(ratio998) if ratio998 else None,
                    "flag": flag,
                }
            )
    return measures
