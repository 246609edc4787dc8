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
from caremode.evaluation import arrow, stats
from caremode.evaluation.dimensions import (  # noqa: F401 - named here for their users
    DIMENSIONS,
    INTERSECTION_NAMES,
    INTERSECTIONS,
    SEPARATOR,
)
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
SMALL = 5
# The fields of every measure row, in the order measures.csv writes them.
FIELDS = (
    "dimension",
    "group",
    "mode",
    "measure",
    "numerator",
    "denominator",
    "people",
    "design_effect",
    "value",
    "ci95",
    "ci998",
    "reference_group",
    "ratio",
    "ratio_ci95",
    "ratio_ci998",
    "p_value",
    "q_value",
    "flag",
)


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
        *[((age >= low) & (age <= high), label) for low, high, label in codes.AGE_BANDS],
        else_="Unknown",
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
        dim_language=t.LanguageCodePreferred.cases(
            *codes.LANGUAGES.items(), else_=t.LanguageCodePreferred
        ).coalesce(ibis.literal("Unknown")),
    )


# Columns are named dim_<dimension>: DuckDB matches names case-insensitively, and the extract
# already has columns such as Gender.
COLUMN = {dimension: f"dim_{dimension}" for dimension in DIMENSIONS}


KEYS = ("mode", "status", "tech", *COLUMN.values())
TALLIES = ("offered", "attended", "s2", "s3", "s4", "s7", "tech_known", "tech_yes")
# Each measure's (numerator, denominator) tallies: per person, the sums of squares and products of
# these give the design effect (stats.design_effect).
PAIRS = {
    "attendance_rate": ("attended", "offered"),
    "dna_rate": ("s3", "offered"),
    "patient_cancellation_rate": ("s2", "offered"),
    "provider_cancellation_rate": ("s4", "offered"),
    "late_not_seen_rate": ("s7", "offered"),
    "tech_failure_rate": ("tech_yes", "tech_known"),
}


def _need_list(t: Table) -> ibis.expr.types.StringValue:
    # "none_recorded" before splitting: engines disagree on splitting an empty string.
    return ibis.cases((t.dim_access_need == "", "none_recorded"), else_=t.dim_access_need)


def group_sources(t: Table, mode_column: str) -> dict[str, Table]:
    """Each dimension's view of `t`, by the dimension's name: its rows with `dimension` and
    `group` added (overall first). A row with several access needs counts once in each.
    `mode_column` holds the mode of the row for the access need by mode groups."""
    listed = _need_list(t)
    sources = {"overall": t.mutate(dimension=ibis.literal("overall"), group=ibis.literal("All"))}
    for dimension in DIMENSIONS:
        group = listed.split(";").unnest() if dimension == "access_need" else t[COLUMN[dimension]]
        sources[dimension] = t.mutate(dimension=ibis.literal(dimension), group=group)
    for first, second in INTERSECTIONS:
        name = f"{first}_{second}"
        if first == "access_need":
            # Unnested first, joined after: Spark allows no expression around a generator.
            needs = t.mutate(dimension=ibis.literal(name), group=listed.split(";").unnest())
            sources[name] = needs.mutate(group=needs.group.concat(SEPARATOR, needs[mode_column]))
        else:
            group = t[COLUMN[first]].concat(SEPARATOR, t[COLUMN[second]])
            sources[name] = t.mutate(dimension=ibis.literal(name), group=group)
    return sources


def _by_group(t: Table, mode_column: str) -> Table:
    """One row per (dimension, group) a row of `t` belongs to: every dimension side by side, so
    that one query groups them all (`group_sources`, unioned)."""
    return ibis.union(*group_sources(t, mode_column).values(), distinct=False)


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


def _second_moments() -> dict[str, tuple[str, str]]:
    """Names of the per-person sums of squares and products: Σy², Σy·n and Σn² of every pair."""
    moments: dict[str, tuple[str, str]] = {}
    for numerator, denominator in PAIRS.values():
        moments[f"sq_{numerator}"] = (numerator, numerator)
        moments[f"x_{numerator}"] = (numerator, denominator)
        moments[f"sq_{denominator}"] = (denominator, denominator)
    return moments


MOMENTS = _second_moments()


def count_groups(t: Table, *, rows: int | None = None) -> list[dict[str, Any]]:
    """Counts per (dimension, group, mode), with mode `all` for every mode together; with the
    number of distinct people and, per person, the sums of squares and products of each
    measure's counts (for the design effect of contacts clustered within people).

    The contacts are first counted once by person, mode and combination of groups (outcomes as
    columns); each dimension's counts are sums over that, first per person, then per group.
    """
    status = t.status

    def tally(condition: ibis.expr.types.BooleanValue) -> ibis.expr.types.IntegerValue:
        # A case rather than a cast: PostgreSQL cannot cast a boolean to bigint.
        return ibis.cases((condition.fill_null(False), 1), else_=0).sum()

    small = _is_small(t, rows)
    # One row per person, mode and combination of groups, the outcomes counted across.
    wide = _kept(
        t.group_by(["Person_ID", "mode", *COLUMN.values()])
        .aggregate(
            offered=_.count(),
            attended=tally(status.isin(["5", "6"])),
            s2=tally(status == "2"),
            s3=tally(status == "3"),
            s4=tally(status == "4"),
            s7=tally(status == "7"),
            tech_known=tally(t.tech.notnull()),
            tech_yes=tally(t.tech == "Y"),
        )
        .mutate(used_mode=_.mode),
        small=small,
    )
    # A large extract is counted per person one dimension at a time, by a query each: one hash
    # table of people at a time, rather than every dimension's rows at once (half the time and
    # a fifth of the memory at two million contacts). A small one in one query, where each
    # query's own cost would dominate.
    sources = list(group_sources(wide, "used_mode").values())
    found: list[dict[str, Any]] = []
    for batch in [sources] if small else [[s] for s in sources]:
        found.extend(_count_people_in_groups(ibis.union(*batch, distinct=False)))
    return found


def _is_small(t: Table, rows: int | None) -> bool:
    """Whether `t` (of `rows` contacts, counted here if not given) is counted in one query."""
    return (_count_rows(t) if rows is None else rows) <= ONE_QUERY_ROWS


def _count_rows(t: Table) -> int:
    (counted,) = arrow.rows(t.aggregate(n=_.count()))
    return int(counted["n"])


def _kept(table: Table, *, small: bool) -> Table:
    """`table` computed once and kept where it is queried many times (a large extract); a small
    one is read where it is used, which is quicker than storing it."""
    return table if small else table.cache()


# Above this many contacts, each dimension is counted by its own query, and tables queried many
# times are kept.
ONE_QUERY_ROWS = 100_000


def _people_counts(per_person: Table, keys: list[str]) -> list[dict[str, Any]]:
    """Sum per-person tallies over `keys` (dimension, group, mode): the contact counts, the
    number of people and the per-person sums of squares and products (the design effect)."""
    counts = per_person.group_by(keys).aggregate(
        people=_.count(),
        **{name: per_person[name].sum() for name in TALLIES},
        **{
            name: (per_person[a].cast("float64") * per_person[b].cast("float64")).sum()
            for name, (a, b) in MOMENTS.items()
        },
    )
    dimension, group, mode = keys
    return [
        {
            "dimension": r[dimension],
            "group": r[group],
            "mode": r[mode],
            "contact_people": int(r["people"] or 0),
            **{name: int(r[name] or 0) for name in TALLIES},
            **{name: float(r[name] or 0) for name in MOMENTS},
        }
        for r in arrow.rows(counts)
    ]


def _count_people_in_groups(rows: Table) -> list[dict[str, Any]]:
    """Counts per (dimension, group, mode) of rows from `group_sources`, with mode `all`; per
    person first, for the number of people and the design effect."""
    per_mode = rows.group_by(["dimension", "group", "mode", "Person_ID"]).aggregate(
        **{name: rows[name].sum() for name in TALLIES}
    )
    # Every mode together, per person: summed from the modes, not counted again.
    every_mode = per_mode.group_by(["dimension", "group", "Person_ID"]).aggregate(
        mode=ibis.literal("all"), **{name: per_mode[name].sum() for name in TALLIES}
    )
    per_person = ibis.union(
        # Access need by mode is a group of mode `all` only (see INTERSECTIONS).
        per_mode.filter(per_mode.dimension != "access_need_mode"),
        every_mode.select(per_mode.columns),
        distinct=False,
    )
    return _people_counts(per_person, ["dimension", "group", "mode"])


REMOTE = ("telephone", "video", "text", "email")
MISSED = ("2", "3", "4", "7")
FOLLOW_UP_DAYS = 90


def count_disengagement(t: Table, *, rows: int | None = None) -> list[dict[str, Any]]:
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
    cohort = _kept(
        per_person.group_by(["missed_mode", "reengaged", *COLUMN.values()]).aggregate(n=_.count()),
        small=_is_small(t, rows),
    )
    grouped = _by_group(cohort, "missed_mode")
    counts = grouped.group_by(["dimension", "group", "missed_mode"]).aggregate(
        people=grouped.n.sum(),
        disengaged=ibis.cases((~grouped.reengaged, grouped.n), else_=0).sum(),
    )
    found = [
        {
            "dimension": r["dimension"],
            "group": r["group"],
            "mode": r["missed_mode"],
            "people": int(r["people"] or 0),
            "disengaged": int(r["disengaged"] or 0),
        }
        for r in arrow.rows(counts)
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
    rows = _by_group(cube, "mode")
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
        for r in arrow.rows(counts)
    ]


def _mode_all_only(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Access need by mode is a group of mode `all` only (see INTERSECTIONS)."""
    return [r for r in rows if r["dimension"] != "access_need_mode" or r["mode"] == "all"]


def count_all(t: Table, *, rows: int | None = None) -> list[dict[str, Any]]:
    """Contact counts and disengagement counts of a standardised table (of `rows` contacts, if
    known), merged."""
    rows = _count_rows(t) if rows is None else rows
    return merge_counts(count_groups(t, rows=rows), count_disengagement(t, rows=rows))


def merge_counts(
    contacts: list[dict[str, Any]], *others: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Add counts of people (disengagement, declined modes) to the contact counts of the same
    dimension, group and mode; a group with no contacts there gets zero contact counts."""
    by_key = {(r["dimension"], r["group"], r["mode"]): dict(r) for r in contacts}
    for rows in others:
        for row in _mode_all_only(rows):
            key = (row["dimension"], row["group"], row["mode"])
            target = by_key.setdefault(
                key,
                {
                    **dict.fromkeys(TALLIES, 0),
                    **dict.fromkeys(MOMENTS, 0.0),
                    "contact_people": 0,
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


@dataclass(frozen=True)
class Tally:
    """One measure's counts in one (dimension, group, mode): the numerator and denominator, the
    distinct people they come from, and the design effect of their clustering within people."""

    numerator: int
    denominator: int
    people: int
    design_effect: float


def _tallies(row: dict[str, Any]) -> Iterator[tuple[str, Tally]]:
    contact_people = row.get("contact_people", 0)
    for measure, (numerator, denominator) in PAIRS.items():
        # A row of courses only (mode `mixed`) has no contact counts; nor has a group with no
        # technology question asked.
        if not row.get(denominator):
            continue
        y, n = row[numerator], row[denominator]
        deff = stats.design_effect(
            y,
            n,
            contact_people,
            row.get(f"sq_{numerator}", 0.0),
            row.get(f"x_{numerator}", 0.0),
            row.get(f"sq_{denominator}", 0.0),
        )
        yield measure, Tally(y, n, contact_people, deff)
    # Counted once per person: no clustering within people (design effect 1).
    if row.get("people"):
        yield (
            "disengagement_rate",
            Tally(row["disengaged"], row["people"], row["people"], 1.0),
        )
    if row.get("asked"):
        yield "declined_rate", Tally(row["declined"], row["asked"], row["asked"], 1.0)
    # Courses and DIALOG changes: one per person, so no clustering either.
    for measure, events, courses in outcome_numerators(row):
        yield measure, Tally(events, courses, courses, 1.0)


def _rounded(count: int) -> int | None:
    return None if count < SMALL else int((count + 2.5) // 5 * 5)


def _references(counts: list[dict[str, Any]], chosen: dict[str, str]) -> dict[tuple[str, str], str]:
    """The reference group of each (dimension, measure): the one configured, else the largest by
    that measure's denominator (over every mode together where there is such a row)."""
    totals: dict[tuple[str, str, str], list[int]] = {}
    for r in counts:
        for measure, tally in _tallies(r):
            sizes = totals.setdefault((r["dimension"], measure, r["group"]), [0, 0])
            sizes[0 if r["mode"] == "all" else 1] += tally.denominator
    reference: dict[tuple[str, str], str] = {}
    for (dimension, measure, group), size in sorted(totals.items(), key=lambda kv: str(kv[0])):
        best = reference.get((dimension, measure))
        if dimension in chosen:
            reference[(dimension, measure)] = chosen[dimension]
        elif best is None or size > totals[(dimension, measure, best)]:
            reference[(dimension, measure)] = group
    return reference


def _comparison(tally: Tally, ref: Tally) -> dict[str, Any]:
    """Ratio to the reference group with clustering-aware, edge-valid intervals and the p-value
    of the same score test, on Rao-Scott effective counts."""
    args = (tally.numerator, tally.denominator, tally.design_effect)
    ref_args = (ref.numerator, ref.denominator, ref.design_effect)
    found95 = stats.clustered_ratio_interval(*args, *ref_args, stats.Z95)
    found998 = stats.clustered_ratio_interval(*args, *ref_args, stats.Z998)
    if not (found95 and found998):
        return {"ratio": None, "ratio_ci95": None, "ratio_ci998": None, "p_value": None}
    return {
        "ratio": found95[0],
        "ratio_ci95": list(found95[1]),
        "ratio_ci998": list(found998[1]),
        "p_value": stats.ratio_p_value(
            tally.numerator / tally.design_effect,
            tally.denominator / tally.design_effect,
            ref.numerator / ref.design_effect,
            ref.denominator / ref.design_effect,
        ),
    }


def compute_measures(counts: list[dict[str, Any]], options: Options) -> list[dict[str, Any]]:
    """Rates with Wilson 95% and 99.8% intervals (contact level); ratios to the reference group
    with Miettinen-Nurminen score intervals on Rao-Scott effective counts (clustering of contacts
    within people); q-values (Benjamini-Hochberg) over every comparison made; flags; small
    numbers suppressed as MHSDS publications do."""
    by_key = {(r["dimension"], r["group"], r["mode"]): r for r in counts}
    reference = _references(counts, options.reference or {})
    measures: list[dict[str, Any]] = []
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
        for measure, tally in _tallies(r):
            numerator, denominator = tally.numerator, tally.denominator
            ref_group = reference.get((r["dimension"], measure), r["group"])
            ref_row = by_key.get((r["dimension"], ref_group, r["mode"]))
            ref_tally = dict(_tallies(ref_row)).get(measure) if ref_row else None
            suppressed = options.suppress and (numerator < SMALL or denominator < SMALL)
            row: dict[str, Any] = {
                "dimension": r["dimension"],
                "group": r["group"],
                "mode": r["mode"],
                "measure": measure,
                "numerator": _rounded(numerator) if options.suppress else numerator,
                "denominator": _rounded(denominator) if options.suppress else denominator,
                "people": _rounded(tally.people) if options.suppress else tally.people,
                "design_effect": round(tally.design_effect, 4),
                "reference_group": ref_group,
            }
            if suppressed:
                row.update(
                    numerator=_rounded(numerator),
                    denominator=_rounded(denominator),
                    value=None,
                    ci95=None,
                    ci998=None,
                    ratio=None,
                    ratio_ci95=None,
                    ratio_ci998=None,
                    p_value=None,
                    flag="suppressed",
                )
                measures.append(row)
                continue
            ci95 = stats.wilson(numerator, denominator, stats.Z95)
            ci998 = stats.wilson(numerator, denominator, stats.Z998)
            row.update(
                value=numerator / denominator if denominator else None,
                ci95=list(ci95) if ci95 else None,
                ci998=list(ci998) if ci998 else None,
                ratio=None,
                ratio_ci95=None,
                ratio_ci998=None,
                p_value=None,
            )
            if r["dimension"] != "overall" and r["group"] == ref_group:
                row["ratio"] = 1.0  # the reference group against itself
            elif r["dimension"] != "overall" and ref_tally is not None:
                reference_suppressed = options.suppress and (
                    ref_tally.numerator < SMALL or ref_tally.denominator < SMALL
                )
                if not reference_suppressed:
                    row.update(_comparison(tally, ref_tally))
                    row["_reference_rate"] = ref_tally.numerator / ref_tally.denominator
            measures.append(row)
    return _flagged(measures)


def _flagged(measures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """q-values over the family of every comparison made in the run (each group against its
    reference, in every dimension, mode and measure), then the flags (stats.flag)."""
    tested = [m for m in measures if m.get("p_value") is not None]
    for m, q in zip(tested, stats.benjamini_hochberg([m["p_value"] for m in tested]), strict=True):
        m["q_value"] = q
    for m in measures:
        m.setdefault("q_value", None)
        reference_rate = m.pop("_reference_rate", None)
        if m.get("flag") == "suppressed":
            continue
        m["flag"] = stats.flag(
            tuple(m["ratio_ci998"]) if m["ratio_ci998"] else None,
            m["q_value"],
            tuple(m["ci998"]) if m["ci998"] else None,
            reference_rate,
        )
    return measures
