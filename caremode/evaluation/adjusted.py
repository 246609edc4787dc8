"""Adjusted comparisons of modes (E18): logistic regression of recovery and of reliable
improvement on the course's mode, adjusted for baseline severity (PHQ-9 + GAD-7 at the first
paired date), age band and deprivation quintile. statsmodels' binomial GLM on courses grouped by
those covariates (the same likelihood as one row per course). Pure: works on `course_rows`.

Mode is not randomised: these odds ratios remain associations, not effects of the mode.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from caremode.evaluation.comparisons import REFERENCE_MODE
from caremode.evaluation.measures import SMALL

MINIMUM_COURSES: Final = 20  # a model on fewer courses is not fitted
OUTCOMES: Final = {
    # outcome: (successes column, which courses: every course or those at caseness at the start)
    "recovery": ("recovered", True),
    "reliable_improvement": ("improved", False),
}
ADJUSTED_FOR: Final = ("baseline severity (PHQ-9 + GAD-7)", "age band", "deprivation quintile")


def _design(frame: pd.DataFrame, reference_mode: str) -> pd.DataFrame:
    """Intercept, mode (reference: `reference_mode`), baseline, age band and quintile dummies
    (reference: the largest group of each)."""
    columns: dict[str, Any] = {"const": np.ones(len(frame))}
    for mode in sorted(set(frame["mode"]) - {reference_mode}):
        columns[f"mode[{mode}]"] = (frame["mode"] == mode).astype(float).to_numpy()
    columns["baseline"] = frame["baseline"].astype(float).to_numpy()
    for name in ("age_band", "imd_quintile"):
        sizes = frame.groupby(name)["courses"].sum()
        largest = sizes.idxmax()
        for level in sorted(set(frame[name]) - {largest}):
            columns[f"{name}[{level}]"] = (frame[name] == level).astype(float).to_numpy()
    return pd.DataFrame(columns)


def _fit(frame: pd.DataFrame, successes: str, reference_mode: str) -> Any:
    import statsmodels.api as sm

    design = _design(frame, reference_mode)
    # Columns that are constant (a level no course in this model has) carry no information.
    design = design.loc[:, (design.std() > 0) | (design.columns == "const")]
    outcome = np.column_stack(
        [frame[successes].to_numpy(), (frame["courses"] - frame[successes]).to_numpy()]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.GLM(outcome, design, family=sm.families.Binomial()).fit(), design


def adjusted_comparisons(
    rows: Sequence[dict[str, Any]], *, reference_mode: str = REFERENCE_MODE
) -> list[dict[str, Any]]:
    """Per outcome and mode (against `reference_mode`): the adjusted odds ratio with its 95%
    interval, the unadjusted one, and the number of courses in the model and in that mode.
    A mode with fewer than 5 courses, or a model on fewer than 20, is reported without figures
    and with the reason."""
    found: list[dict[str, Any]] = []
    for outcome, (successes, caseness_only) in OUTCOMES.items():
        chosen = [r for r in rows if r["at_caseness"] or not caseness_only]
        frame = pd.DataFrame(chosen)
        by_mode = frame.groupby("mode")["courses"].sum().to_dict() if chosen else {}
        kept = {m for m, n in by_mode.items() if n >= SMALL}
        total = int(sum(n for m, n in by_mode.items() if m in kept))

        def note(
            mode: str, reason: str, courses: int, outcome: str = outcome, total: int = total
        ) -> dict[str, Any]:
            return {
                "outcome": outcome,
                "mode": mode,
                "reference_mode": reference_mode,
                "courses": courses if courses >= SMALL else None,
                "model_courses": total,
                "odds_ratio": None,
                "ci95": None,
                "unadjusted_odds_ratio": None,
                "unadjusted_ci95": None,
                "adjusted_for": list(ADJUSTED_FOR),
                "note": reason,
            }

        if reference_mode not in kept or total < MINIMUM_COURSES:
            reason = (
                f"fewer than {MINIMUM_COURSES} courses"
                if total < MINIMUM_COURSES
                else f"fewer than {SMALL} courses in the reference mode"
            )
            found += [note(m, reason, int(n)) for m, n in sorted(by_mode.items())]
            continue
        frame = frame[frame["mode"].isin(kept)].reset_index(drop=True)
        try:
            model, design = _fit(frame, successes, reference_mode)
            crude, _crude_design = _fit(
                frame.assign(baseline=0, age_band="all", imd_quintile="all"),
                successes,
                reference_mode,
            )
        except (ValueError, np.linalg.LinAlgError) as error:
            found += [note(m, f"the model could not be fitted ({error})", by_mode[m]) for m in kept]
            continue
        low, high = model.conf_int(0.05).T.to_numpy()
        crude_low, crude_high = crude.conf_int(0.05).T.to_numpy()
        names = list(design.columns)
        crude_names = list(_crude_design.columns)
        for mode in sorted(kept - {reference_mode}):
            term = f"mode[{mode}]"
            entry = note(mode, "", int(by_mode[mode]))
            if term in names and term in crude_names:
                i, j = names.index(term), crude_names.index(term)
                estimates = (model.params.iloc[i], low[i], high[i])
                if all(math.isfinite(v) and abs(v) < 20 for v in estimates):
                    entry |= {
                        "odds_ratio": math.exp(model.params.iloc[i]),
                        "ci95": [math.exp(low[i]), math.exp(high[i])],
                        "unadjusted_odds_ratio": math.exp(crude.params.iloc[j]),
                        "unadjusted_ci95": [math.exp(crude_low[j]), math.exp(crude_high[j])],
                        "note": "an association, not an effect of the mode",
                    }
                else:
                    entry["note"] = "not estimable (every course in this mode had one outcome)"
            found.append(entry)
        for mode in sorted(set(by_mode) - kept):
            found.append(note(mode, f"fewer than {SMALL} courses", int(by_mode[mode])))
    return found
