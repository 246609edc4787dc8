"""The dimensions the measures are counted by, named once: one-way, and the two-way groups.
Pure names (no Ibis), so that the report reads them without loading the engine that counted
them."""

from __future__ import annotations

DIMENSIONS = (
    "ethnicity",
    "age_band",
    "gender",
    "imd_quintile",
    "rurality",
    "access_need",
    "interpreter",
    "language",
)
# Two-way groups (seed 1: intersections), named `<first>_<second>`, a group `A / B`. Access need
# by mode is counted under mode `all` only: under a single mode it would repeat `access_need`.
INTERSECTIONS = (
    ("ethnicity", "age_band"),
    ("ethnicity", "imd_quintile"),
    ("access_need", "mode"),
)
INTERSECTION_NAMES = tuple(f"{a}_{b}" for a, b in INTERSECTIONS)
SEPARATOR = " / "
