"""Outcomes by mode on hand-made courses: every rule of the definition, at its edges."""

from __future__ import annotations

import json
from pathlib import Path

import ibis
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.evaluation.comparisons import references, with_mode_dimension
from caremode.evaluation.inputs import read_extract
from caremode.evaluation.measures import Options, compute_measures, count_all, standardise
from caremode.evaluation.outcome_rules import DIALOG_LIFE_RELIABLE_CHANGE
from caremode.evaluation.outcomes import evaluate_outcomes, phq_gad_courses
from caremode.evaluation.scores import read_scores

CONTACTS = "Person_ID,UniqCareContID,CareContDate,ConsMechanismMH,AttendStatus,EthnicCategory"
SCORES = "Person_ID,AssessmentDate,Measure,Score,UniqCareContID,Source"
MODE_CODE = {"face_to_face": "01", "telephone": "02", "video": "11"}


class Files:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.contacts = [CONTACTS]
        self.scores = [SCORES]

    def contact(self, person: str, day: str, mode: str, status: str = "5", ethnic: str = "A"):
        n = len(self.contacts)
        self.contacts.append(f"{person},{n},2026-{day},{MODE_CODE[mode]},{status},{ethnic}")

    def pair(self, person: str, day: str, phq: int, gad: int) -> None:
        self.scores += [
            f"{person},2026-{day},PHQ9,{phq},,checkin",
            f"{person},2026-{day},GAD7,{gad},,checkin",
        ]

    def score(self, person: str, day: str, measure: str, value: object) -> None:
        self.scores.append(f"{person},2026-{day},{measure},{value},,contact")

    def write(self) -> tuple[Path, Path]:
        contacts, scores = self.folder / "contacts.csv", self.folder / "scores.csv"
        contacts.write_text("\n".join(self.contacts) + "\n")
        scores.write_text("\n".join(self.scores) + "\n")
        return contacts, scores


def run(files: Files) -> list[dict]:
    contacts_path, scores_path = files.write()
    con = ibis.duckdb.connect()
    contacts = standardise(read_extract(contacts_path, con=con).table)
    scores = read_scores(scores_path, con=con).table
    counts = evaluate_outcomes(scores, contacts, count_all(contacts))["counts"]
    return compute_measures(
        with_mode_dimension(counts), Options(suppress=False, reference=references(None))
    )


def courses(files: Files) -> dict[str, dict]:
    contacts_path, scores_path = files.write()
    con = ibis.duckdb.connect()
    contacts = standardise(read_extract(contacts_path, con=con).table)
    scores = read_scores(scores_path, con=con).table
    rows = phq_gad_courses(scores, contacts).to_pyarrow().to_pylist()
    return {r["Person_ID"]: r for r in rows}


def one(measures, **where) -> dict:
    (found,) = [m for m in measures if all(m[k] == v for k, v in where.items())]
    return found


def test_a_recovered_course_by_telephone(tmp_path):
    f = Files(tmp_path)
    f.pair("p", "01-05", 15, 12)
    f.contact("p", "01-05", "telephone")
    f.contact("p", "01-19", "telephone")
    f.pair("p", "02-02", 5, 5)
    (course,) = courses(f).values()
    assert course["course_mode"] == "telephone"
    assert (course["at_caseness"], course["recovered"], course["improved"]) == (True, True, True)
    assert course["reliably_recovered"] and not course["deteriorated"]
    measures = run(f)
    for measure in ("recovery_rate", "reliable_improvement_rate", "reliable_recovery_rate"):
        row = one(measures, dimension="overall", mode="telephone", measure=measure)
        assert (row["numerator"], row["denominator"], row["value"]) == (1, 1, 1.0)
    row = one(measures, dimension="overall", mode="all", measure="reliable_deterioration_rate")
    assert (row["numerator"], row["denominator"]) == (0, 1)


def test_one_paired_date_is_not_a_course(tmp_path):
    f = Files(tmp_path)
    f.pair("p", "01-05", 15, 12)
    f.score("p", "02-02", "PHQ9", 4)  # GAD-7 not scored that day: not a paired date
    f.contact("p", "01-06", "video")
    f.contact("p", "01-20", "video")
    assert courses(f) == {}


def test_one_attended_contact_is_not_a_course_and_missed_ones_do_not_count(tmp_path):
    f = Files(tmp_path)
    f.pair("p", "01-05", 15, 12)
    f.contact("p", "01-06", "video")
    f.contact("p", "01-13", "video", status="3")  # did not attend
    f.contact("p", "01-20", "video", status="2")  # cancelled
    f.pair("p", "02-02", 5, 5)
    assert courses(f) == {}


def test_contacts_outside_the_course_window_do_not_count(tmp_path):
    f = Files(tmp_path)
    f.contact("p", "01-02", "video")  # before the first paired date
    f.pair("p", "01-05", 15, 12)
    f.contact("p", "01-05", "telephone")  # on the first date: inside
    f.pair("p", "02-02", 5, 5)
    f.contact("p", "02-03", "video")  # after the last
    assert courses(f) == {}
    f.contact("p", "02-02", "telephone")  # on the last date: inside
    assert courses(f)["p"]["course_mode"] == "telephone"


def test_course_mode_needs_more_than_half(tmp_path):
    f = Files(tmp_path)
    for person, modes in {
        "half": ["video", "video", "telephone", "telephone"],
        "most": ["video", "video", "video", "telephone"],
    }.items():
        f.pair(person, "01-05", 15, 12)
        for i, mode in enumerate(modes):
            f.contact(person, f"01-{6 + i:02d}", mode)
        f.pair(person, "02-02", 12, 10)
    found = courses(f)
    assert found["half"]["course_mode"] == "mixed"
    assert found["most"]["course_mode"] == "video"
    measures = run(f)
    mixed = one(measures, dimension="overall", mode="mixed", measure="reliable_improvement_rate")
    assert mixed["denominator"] == 1
    overall = one(measures, dimension="overall", mode="all", measure="reliable_improvement_rate")
    assert overall["denominator"] == 2
    # A course of mixed mode has no contact measures of its own.
    assert not [m for m in measures if m["mode"] == "mixed" and m["measure"] == "dna_rate"]


def test_groups_come_from_the_first_contact_of_the_course(tmp_path):
    f = Files(tmp_path)
    f.contact("p", "01-02", "video", ethnic="N")  # before the course: not its first contact
    f.pair("p", "01-05", 15, 12)
    f.contact("p", "01-06", "video", ethnic="H")
    f.contact("p", "01-20", "video", ethnic="A")
    f.pair("p", "02-02", 5, 5)
    assert courses(f)["p"]["dim_ethnicity"] == "Asian or Asian British"


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        # (PHQ-9, GAD-7) first and last → (at caseness, recovered, improved, deteriorated)
        ((15, 12), (9, 7), (True, True, True, False)),  # 6 and 5 down: reliable
        ((15, 12), (10, 7), (True, False, True, False)),  # PHQ-9 10 still caseness; GAD-7 -5
        ((15, 12), (10, 9), (True, False, False, False)),  # 5 and 3 down: neither reliable
        ((9, 7), (9, 3), (False, False, True, False)),  # GAD-7 down exactly 4: reliable
        ((9, 7), (9, 4), (False, False, False, False)),  # GAD-7 down 3: not
        ((5, 5), (11, 5), (False, False, False, True)),  # PHQ-9 up exactly 6: deteriorated
        ((5, 7), (12, 3), (False, False, False, False)),  # one up, one down: neither
        ((9, 8), (9, 7), (True, True, False, False)),  # GAD-7 8 is caseness; 7 is not
        ((10, 0), (9, 0), (True, True, False, False)),  # PHQ-9 10 is caseness; 9 is not
    ],
)
def test_caseness_and_reliable_change_at_their_edges(tmp_path, first, last, expected):
    f = Files(tmp_path)
    f.pair("p", "01-05", *first)
    f.contact("p", "01-06", "face_to_face")
    f.contact("p", "01-20", "face_to_face")
    f.pair("p", "02-02", *last)
    c = courses(f)["p"]
    assert (c["at_caseness"], c["recovered"], c["improved"], c["deteriorated"]) == expected
    assert c["reliably_recovered"] == (expected[1] and expected[2])


def test_the_course_runs_from_the_first_to_the_last_paired_date(tmp_path):
    f = Files(tmp_path)
    f.pair("p", "01-05", 15, 12)
    f.contact("p", "01-06", "video")
    f.pair("p", "01-15", 14, 12)  # a middle date: not the last
    f.contact("p", "01-20", "video")
    f.score("p", "03-01", "PHQ9", 2)  # unpaired: does not end the course
    f.pair("p", "02-02", 4, 3)
    c = courses(f)["p"]
    assert (c["phq_first"], c["gad_first"], c["phq_last"], c["gad_last"]) == (15, 12, 4, 3)


def test_dialog_mean_change_and_reliable_change(tmp_path):
    f = Files(tmp_path)
    changes = {"a": (3.0, 5.0), "b": (3.5, 5.14), "c": (4.0, 5.63), "d": (5.0, 4.0)}
    for person, (start, end) in changes.items():
        f.score(person, "01-05", "DIALOG", f"{start:.2f}")
        f.contact(person, "01-06", "video")
        f.contact(person, "01-20", "video")
        f.score(person, "02-02", "DIALOG", f"{end:.2f}")
    from caremode.evaluation.comparisons import dialog_changes

    contacts_path, scores_path = f.write()
    con = ibis.duckdb.connect()
    contacts = standardise(read_extract(contacts_path, con=con).table)
    counts = evaluate_outcomes(
        read_scores(scores_path, con=con).table, contacts, count_all(contacts)
    )["counts"]
    (overall,) = [
        d
        for d in dialog_changes(counts, suppress=False)
        if d["dimension"] == "overall" and d["mode"] == "all"
    ]
    deltas = [end - start for start, end in changes.values()]
    assert overall["people"] == 4
    assert overall["mean_change"] == pytest.approx(sum(deltas) / 4)
    assert overall["ci95"][0] < overall["mean_change"] < overall["ci95"][1]
    assert round(DIALOG_LIFE_RELIABLE_CHANGE, 2) == 1.64
    measures = compute_measures(counts, Options(suppress=False))
    up = one(measures, dimension="overall", mode="all", measure="dialog_reliable_improvement_rate")
    # 2.00 and 1.64 are reliable; 1.63 is not.
    assert (up["numerator"], up["denominator"]) == (2, 4)


def test_modes_are_compared_with_face_to_face(tmp_path):
    f = Files(tmp_path)
    for i in range(40):
        mode = "face_to_face" if i % 2 else "telephone"
        person = f"p{i}"
        f.pair(person, "01-05", 15, 12)
        f.contact(person, "01-06", mode, status="3" if i % 4 == 0 else "5")
        f.contact(person, "01-13", mode)
        f.contact(person, "01-20", mode)
        recovered = i % 2 or i % 10 == 0
        f.pair(person, "02-02", *((4, 3) if recovered else (14, 11)))
    measures = run(f)
    phone = one(measures, dimension="mode", group="telephone", mode="all", measure="recovery_rate")
    assert phone["reference_group"] == "face_to_face"
    assert phone["value"] == pytest.approx(4 / 20)
    assert phone["ratio"] == pytest.approx(0.2)
    assert phone["ratio_ci95"][0] < 0.2 < phone["ratio_ci95"][1]
    assert phone["flag"] == "lower"
    dna = one(measures, dimension="mode", group="telephone", mode="all", measure="dna_rate")
    assert dna["denominator"] == 60 and dna["numerator"] == 10
    same = one(measures, dimension="mode", group="face_to_face", mode="all", measure="dna_rate")
    assert same["ratio"] == 1.0


def test_bad_score_rows_are_named_and_nothing_is_written(tmp_path):
    f = Files(tmp_path)
    f.contact("p", "01-06", "video")
    f.pair("p", "01-05", 15, 12)
    f.score("p", "01-07", "PHQ9", 28)
    f.score("p", "01-07", "GAD7", "4.5")
    f.score("p", "01-07", "DIALOG", "0.5")
    f.score("p", "02-30", "DIALOG", "4.25")
    f.score("p", "01-07", "CORE10", "4")
    f.scores.append(" ,2026-01-07,PHQ9,4,,sms")
    contacts, scores = f.write()
    out = tmp_path / "out"
    with pytest.raises(CommandError) as caught:
        call_command("evaluate", str(contacts), "--outcomes", str(scores), "--out", str(out))
    message = str(caught.value)
    for expected in (
        "in column Score: row 4: '28'; row 5: '4.5'; row 6: '0.5'",
        "in column AssessmentDate: row 7: '2026-02-30'",
        "unknown measure (expected PHQ9, GAD7 or DIALOG) in column Measure: row 8: 'CORE10'",
        "missing value in column Person_ID: row 9: ' '",
        "not checkin or contact in column Source: row 9: 'sms'",
    ):
        assert expected in message
    assert not out.exists()
    call_command(
        "evaluate", str(contacts), "--outcomes", str(scores), "--out", str(out), "--skip-invalid"
    )
    results = json.loads((out / "results.json").read_text())
    assert results["scores"] == 2
    assert any(s.startswith("scores: ") and "row 4: '28'" in s for s in results["skipped"])


def test_the_command_writes_outcomes_adjusted_and_dialog(tmp_path):
    import random

    rng = random.Random(4)
    f = Files(tmp_path)
    for i in range(400):
        mode = rng.choice(["face_to_face", "telephone", "video"])
        person = f"p{i}"
        phq, gad = rng.randint(8, 24), rng.randint(6, 20)
        f.pair(person, "01-05", phq, gad)
        f.score(person, "01-05", "DIALOG", f"{rng.uniform(2, 5):.2f}")
        f.contact(person, "01-06", mode, ethnic=rng.choice("AANH"))
        f.contact(person, "01-13", mode)
        f.contact(person, "01-20", mode)
        chance = 0.55 if mode == "face_to_face" else 0.35
        better = rng.random() < chance
        last = (max(0, phq - 9), max(0, gad - 7)) if better else (phq, gad)
        f.pair(person, "02-02", *last)
        f.score(person, "02-02", "DIALOG", f"{rng.uniform(3, 6):.2f}")
    contacts, scores = f.write()
    out = tmp_path / "out"
    call_command("evaluate", str(contacts), "--outcomes", str(scores), "--out", str(out))
    results = json.loads((out / "results.json").read_text())
    assert {m["measure"] for m in results["measures"]} >= {
        "recovery_rate",
        "reliable_improvement_rate",
        "reliable_deterioration_rate",
        "reliable_recovery_rate",
    }
    adjusted = {(a["outcome"], a["mode"]): a for a in results["adjusted"]}
    phone = adjusted[("reliable_improvement", "telephone")]
    assert phone["reference_mode"] == "face_to_face" and phone["odds_ratio"] < 1
    assert phone["ci95"][0] < phone["odds_ratio"] < phone["ci95"][1]
    assert phone["model_courses"] == 400 and phone["courses"] > 100
    assert results["dialog"][0]["dimension"] == "overall"
    html = (out / "report.html").read_text()
    assert "associations" in html and "Outcomes by mode" in html


def _many_courses(folder: Path) -> tuple[Path, Path]:
    import random

    rng = random.Random(9)
    f = Files(folder)
    for i in range(300):
        person = f"p{i}"
        modes = rng.choice(
            [
                ["video"] * 3,
                ["telephone"] * 2 + ["video"],
                ["face_to_face"] * 2,
                ["face_to_face", "video"],
            ]
        )
        f.pair(person, "01-05", rng.randint(5, 24), rng.randint(4, 20))
        f.score(person, "01-05", "DIALOG", f"{rng.uniform(2, 5):.2f}")
        for k, mode in enumerate(modes):
            f.contact(person, f"01-{6 + 3 * k:02d}", mode, status=rng.choice("5556"))
        f.pair(person, "02-02", rng.randint(0, 24), rng.randint(0, 20))
        f.score(person, "02-02", "DIALOG", f"{rng.uniform(2, 7):.2f}")
    return f.write()


@pytest.mark.parametrize("backend", ["postgres", "spark"])
def test_outcomes_are_identical_on_every_engine(tmp_path, backend):
    import os
    import shutil

    if backend == "postgres" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("Needs DATABASE_URL pointing at PostgreSQL (CI sets it).")
    if backend == "spark" and not shutil.which("java"):
        pytest.skip("Spark needs Java 17 or later on PATH.")
    contacts, scores = _many_courses(tmp_path)
    found = {}
    for engine in ("duckdb", backend):
        out = tmp_path / engine
        call_command(
            "evaluate",
            str(contacts),
            "--outcomes",
            str(scores),
            "--out",
            str(out),
            "--no-suppress",
            "--backend",
            engine,
        )
        found[engine] = json.loads((out / "results.json").read_text())
    duck, other = found["duckdb"], found[backend]
    assert duck["measures"] == other["measures"]
    assert duck["dialog"] == other["dialog"]
    assert duck["adjusted"] == other["adjusted"]
    recovery = [m for m in duck["measures"] if m["measure"] == "recovery_rate"]
    assert {m["mode"] for m in recovery} >= {"video", "mixed", "all"}
