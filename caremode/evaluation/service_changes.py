"""Before and after a service change (E23, E18): each contact measure by week, by group, with a
segmented (interrupted time series) regression of the weekly rate.

The changes come from `service_changes.csv`, which `caremode extract` writes beside the contacts
(columns `core.codes.SERVICE_CHANGE_COLUMNS`), checked through `inputs.check_table` as the
contacts are (`SERVICE_CHANGES`); a change applies to the contacts whose `Service` column names
its service (every contact when the extract has no `Service` column).

The model, per change, measure, dimension and group (Wagner et al. 2002, J Clin Pharm Ther
27:299; Bernal, Cummins & Gasparrini 2017, Int J Epidemiol 46:348):

    rate_w = β0 + β1·w + β2·after_w + β3·after_w·w + ε_w

with w the week counted from the change (week 0 is the seven days from the change's date),
after_w = 1 from week 0, weighted by the week's offered contacts. β2 is the change in level at
the change and β3 the change in weekly slope. Weekly rates are autocorrelated, so the intervals
use Newey–West (HAC) standard errors (Newey & West 1987, Econometrica 55:703; small-sample
corrected) with floor(4·(T/100)^(2/9)) lags for T weeks (Newey & West 1994), or the ordinary
weighted least squares ones if wider (HAC runs narrow over a few dozen weeks), with a t
distribution on T - 4 degrees of freedom.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import ibis
from ibis import _
from ibis.expr.types import Table

from caremode.core import codes
from caremode.evaluation import arrow
from caremode.evaluation.inputs import (
    ROW,
    CodeList,
    Condition,
    TableSpec,
    malformed_date,
    read_table,
)
from caremode.evaluation.measures import INTERSECTION_NAMES, SMALL, _by_group

WEEKLY_MEASURES: Final = {
    # measure: the weekly count that is its numerator (denominator: offered contacts)
    "attendance_rate": "attended",
    "dna_rate": "s3",
    "patient_cancellation_rate": "s2",
    "provider_cancellation_rate": "s4",
    "late_not_seen_rate": "s7",
}
MINIMUM_WEEKS: Final = 4  # weeks with contacts on each side before a model is fitted
MINIMUM_CONTACTS: Final = 20  # offered contacts on each side before a model is fitted


@dataclass(frozen=True)
class ServiceChange:
    identifier: str
    service: str
    date: dt.date
    summary: str
    modes_before: tuple[str, ...]
    modes_after: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.identifier,
            "service": self.service,
            "date": self.date.isoformat(),
            "summary": self.summary,
            "modes_before": list(self.modes_before),
            "modes_after": list(self.modes_after),
        }


def _checks(t: Table) -> list[Condition]:
    """(kind, column, condition that marks a bad row) for a service-changes file."""
    return [
        (
            "missing value",
            "ServiceChangeID",
            t.ServiceChangeID.isnull() | ~t.ServiceChangeID.re_search(r"\S"),
        ),
        ("missing value", "Service", t.Service.isnull() | ~t.Service.re_search(r"\S")),
        malformed_date(t, "ChangeDate"),
    ]


SERVICE_CHANGES = TableSpec(
    name="service changes file",
    required=codes.SERVICE_CHANGE_COLUMNS,
    optional=(),
    checks=_checks,
    code_lists=tuple(
        CodeList(column, frozenset(codes.MODES), kind="unknown mode")
        for column in ("ModesBefore", "ModesAfter")
    ),
    unique="ServiceChangeID",
    may_be_empty=True,  # the extract writes a header alone when no change is recorded
)


def change_from_row(row: dict[str, Any]) -> ServiceChange:
    """One checked row of `SERVICE_CHANGE_COLUMNS` (strings) as a `ServiceChange`."""

    def modes(column: str) -> tuple[str, ...]:
        return tuple(m for m in (row.get(column) or "").split(";") if m)

    return ServiceChange(
        identifier=str(row["ServiceChangeID"]).strip(),
        service=str(row["Service"]),
        date=dt.date.fromisoformat(str(row["ChangeDate"])),
        summary=row.get("Summary") or "",
        modes_before=modes("ModesBefore"),
        modes_after=modes("ModesAfter"),
    )


def read_changes(
    path: Path | str, *, con: ibis.BaseBackend | None = None, skip_invalid: bool = False
) -> tuple[list[ServiceChange], list[str]]:
    """The service changes in `path` (CSV or Parquet, `SERVICE_CHANGES`, checked by
    `inputs.check_table` as the contacts are) and what was skipped. Raises InputError naming
    the row and column of every problem unless `skip_invalid`, which leaves those rows out."""
    con = con if con is not None and con.name == "duckdb" else ibis.duckdb.connect()
    checked = read_table(path, SERVICE_CHANGES, con=con, skip_invalid=skip_invalid)
    table = checked.table.order_by(ROW).select(*codes.SERVICE_CHANGE_COLUMNS)
    rows = arrow.rows(table) if checked.rows else []
    return (
        [change_from_row(r) for r in rows],
        [f"service changes: {problem}" for problem in checked.skipped],
    )


def weekly_counts(t: Table, change: ServiceChange, *, by_service: bool) -> list[dict[str, Any]]:
    """Offered contacts and each outcome by week from the change, per dimension and group
    (overall, every dimension, and `mode`), for the service's contacts (`by_service`) or all."""
    scope = t.filter(t.Service == change.service) if by_service else t
    day = scope.CareContDate.cast("date")
    dated = scope.mutate(
        week=(day.delta(ibis.date(change.date), unit="day") / 7).floor().cast("int64")
    )
    dims = [c for c in dated.columns if c.startswith("dim_")]
    cube = dated.group_by(["week", "status", "mode", *dims]).aggregate(n=_.count()).cache()
    rows = ibis.union(
        _by_group(cube, "mode"),
        cube.mutate(dimension=ibis.literal("mode"), group=cube.mode),
        distinct=False,
    )

    def weighted(*statuses: str) -> Any:
        return ibis.cases((rows.status.isin(list(statuses)), rows.n), else_=0).sum()

    counts = rows.group_by(["dimension", "group", "week"]).aggregate(
        offered=rows.n.sum(),
        attended=weighted("5", "6"),
        s2=weighted("2"),
        s3=weighted("3"),
        s4=weighted("4"),
        s7=weighted("7"),
    )
    # One-way groups only: the two-way intersections, week by week, are too thin to model.
    counts = counts.filter(~counts.dimension.isin(list(INTERSECTION_NAMES)))
    names = ("offered", "attended", "s2", "s3", "s4", "s7")
    return [
        {
            "dimension": r["dimension"],
            "group": r["group"],
            "week": int(r["week"]),
            **{name: int(r[name] or 0) for name in names},
        }
        for r in arrow.rows(counts)
    ]


def hac_lags(weeks: int) -> int:
    """Newey and West's (1994) rule of thumb for the number of lags: floor(4·(T/100)^(2/9))."""
    return max(1, math.floor(4 * (weeks / 100) ** (2 / 9)))


def segmented_regression(
    weeks: Sequence[int], numerators: Sequence[int], denominators: Sequence[int]
) -> dict[str, Any] | None:
    """Level and slope change at week 0 of the weekly rate, with 95% HAC intervals; None when
    either side has fewer than 4 weeks or 20 contacts."""
    import numpy as np
    import statsmodels.api as sm

    points = [(w, n, d) for w, n, d in zip(weeks, numerators, denominators, strict=True) if d > 0]
    before = [p for p in points if p[0] < 0]
    after = [p for p in points if p[0] >= 0]
    if (
        len(before) < MINIMUM_WEEKS
        or len(after) < MINIMUM_WEEKS
        or sum(p[2] for p in before) < MINIMUM_CONTACTS
        or sum(p[2] for p in after) < MINIMUM_CONTACTS
    ):
        return None
    week = np.array([p[0] for p in points], dtype=float)
    rate = np.array([p[1] / p[2] for p in points])
    weight = np.array([p[2] for p in points], dtype=float)
    post = (week >= 0).astype(float)
    design = np.column_stack([np.ones_like(week), week, post, post * week])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.WLS(rate, design, weights=weight)
        plain = model.fit()
        hac = model.fit(
            cov_type="HAC",
            cov_kwds={"maxlags": hac_lags(len(points)), "use_correction": True},
            use_t=True,
        )
        # Newey-West intervals run narrow over a few dozen weeks (in simulation, about 87% for a
        # nominal 95% on independent weeks), so the wider of the two standard errors is used.
        se = np.fmax(np.nan_to_num(hac.bse, nan=np.inf), plain.bse)
    from scipy.stats import t as student_t

    params = plain.params
    half = float(student_t.ppf(0.975, plain.df_resid)) * se
    low, high = params - half, params + half
    if not all(math.isfinite(v) for v in [*params, *low, *high]):
        return None
    return {
        "weeks_before": len(before),
        "weeks_after": len(after),
        "contacts_before": sum(p[2] for p in before),
        "contacts_after": sum(p[2] for p in after),
        "rate_before": sum(p[1] for p in before) / sum(p[2] for p in before),
        "rate_after": sum(p[1] for p in after) / sum(p[2] for p in after),
        "level_change": float(params[2]),
        "level_ci95": [float(low[2]), float(high[2])],
        "slope_change": float(params[3]),
        "slope_ci95": [float(low[3]), float(high[3])],
        "hac_lags": hac_lags(len(points)),
    }


def _rounded(count: int) -> int | None:
    return None if count < SMALL else int((count + 2.5) // 5 * 5)


def analyse_change(
    weekly: Sequence[dict[str, Any]], change: ServiceChange, *, suppress: bool
) -> dict[str, Any]:
    """The weekly series and the segmented regression of every measure, dimension and group.
    Weekly figures under 5 are suppressed (and the rest rounded) when `suppress`; the models use
    the exact counts but are reported only where each side has 20 contacts or more."""
    series: list[dict[str, Any]] = []
    models: list[dict[str, Any]] = []
    by_group: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in weekly:
        by_group.setdefault((row["dimension"], str(row["group"])), []).append(row)
    for (dimension, group), rows in sorted(
        by_group.items(), key=lambda kv: (kv[0][0] != "overall", kv[0])
    ):
        rows.sort(key=lambda r: r["week"])
        for measure, column in WEEKLY_MEASURES.items():
            for r in rows:
                small = suppress and (r[column] < SMALL or r["offered"] < SMALL)
                series.append(
                    {
                        "dimension": dimension,
                        "group": group,
                        "measure": measure,
                        "week": r["week"],
                        "week_start": (change.date + dt.timedelta(weeks=r["week"])).isoformat(),
                        "numerator": _rounded(r[column]) if suppress else r[column],
                        "denominator": _rounded(r["offered"]) if suppress else r["offered"],
                        "value": None if small else r[column] / r["offered"],
                    }
                )
            fitted = segmented_regression(
                [r["week"] for r in rows], [r[column] for r in rows], [r["offered"] for r in rows]
            )
            if fitted:
                models.append(
                    {"dimension": dimension, "group": group, "measure": measure, **fitted}
                )
    return {"change": change.as_dict(), "series": series, "segmented": models}


def evaluate_changes(
    t: Table, changes: Sequence[ServiceChange], *, suppress: bool
) -> list[dict[str, Any]]:
    """Every change analysed over the standardised contacts `t` (on whichever engine holds it)."""
    if not changes:
        return []
    by_service = bool(arrow.scalar(t.Service.notnull().any()))
    return [
        analyse_change(weekly_counts(t, change, by_service=by_service), change, suppress=suppress)
        for change in changes
    ]
