"""`caremode evaluate --mhs201 … --mhs001 …`: the MHSDS v6 pair read as the flat extract, each
file checked by row and column, the two joined on Person_ID; the interface refuses half a pair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caremode.core import mhsds
from caremode.evaluation.inputs import InputError
from caremode.evaluation.mhsds_pair import read_mhsds_pair


def write(path: Path, table: str, rows: list[dict[str, str]]) -> Path:
    columns = mhsds.columns(table)
    lines = [",".join(columns)] + [",".join(row.get(c, "") for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mpi(person: str, **values: str) -> dict[str, str]:
    return {
        "LocalPatientID": person,
        "Person_ID": person,
        "EthnicCategory": "A",
        "Gender": "2",
        "GenderIDCode": "2",
        "LanguageCodePreferred": "en",
        "IMD_Decile": "3",
    } | values


def contact(n: int, person: str, **values: str) -> dict[str, str]:
    return {
        "CareContactID": str(n),
        "CareContDate": "2026-11-05",
        "CareContTime": "10:30:00",
        "ConsMechanismMH": "11",
        "AttendStatus": "5",
        "ClinContDurOfCareCont": "50",
        "InterpreterPresentInd": "4",
        "Person_ID": person,
        "UniqCareContID": str(n),
        "AgeCareContDate": "40",
    } | values


@pytest.fixture
def pair(tmp_path):
    def make(contacts, people=None):
        people = people if people is not None else [mpi("p1"), mpi("p2", EthnicCategory="N")]
        return (
            write(tmp_path / "MHS201CareContact.csv", mhsds.MHS201, contacts),
            write(tmp_path / "MHS001MPI.csv", mhsds.MHS001, people),
        )

    return make


def test_the_pair_becomes_the_flat_extracts_columns(pair):
    mhs201, mhs001 = pair(
        [
            contact(1, "p1"),
            contact(2, "p2", InterpreterPresentInd="1", AttendStatus="3", CareContTime="23:15:00"),
            contact(3, "p2", InterpreterPresentInd="", ClinContDurOfCareCont=""),
        ]
    )
    checked = read_mhsds_pair(mhs201, mhs001)
    assert checked.rows == 3
    rows = checked.table.order_by("UniqCareContID").to_pyarrow().to_pylist()
    assert [r["EthnicCategory"] for r in rows] == ["A", "N", "N"]
    assert [r["InterpreterPresentInd"] for r in rows] == ["N", "Y", None]
    assert [r["CareContTime"] for r in rows] == ["10:30", "23:15", "10:30"]
    assert [r["AttendStatus"] for r in rows] == ["5", "3", "5"]
    assert {r["Rurality"] for r in rows} == {None}  # MHSDS does not carry it


def test_a_person_missing_from_mhs001_is_named_by_row(pair):
    mhs201, mhs001 = pair([contact(1, "p1"), contact(2, "p9")])
    with pytest.raises(InputError) as error:
        read_mhsds_pair(mhs201, mhs001)
    assert "not in the MHS001MPI file in column Person_ID: row 3: 'p9'" in str(error.value)
    kept = read_mhsds_pair(mhs201, mhs001, skip_invalid=True)
    assert kept.rows == 1
    assert kept.skipped == [
        "MHS201CareContact: not in the MHS001MPI file in column Person_ID: row 3: 'p9'"
    ]


def test_bad_care_contact_values_are_named_by_row_and_column(pair):
    mhs201, mhs001 = pair(
        [
            contact(1, "p1", CareContTime="10:30"),
            contact(2, "p1", InterpreterPresentInd="Y"),
            contact(3, "p1", CareContDate="2026-02-30"),
            contact(4, "p1", ClinContDurOfCareCont="1441"),
            contact(5, "p1", AttendStatus="1"),
        ]
    )
    with pytest.raises(InputError) as error:
        read_mhsds_pair(mhs201, mhs001)
    message = str(error.value)
    assert "The MHS201CareContact file has problems" in message
    assert "malformed time (expected hh:mm:ss) in column CareContTime: row 2: '10:30'" in message
    assert "unknown code in column InterpreterPresentInd: row 3: 'Y'" in message
    assert "malformed date (expected YYYY-MM-DD) in column CareContDate: row 4" in message
    assert "in column ClinContDurOfCareCont: row 5: '1441'" in message
    assert "unknown code in column AttendStatus: row 6: '1'" in message


def test_a_person_twice_in_mhs001_or_a_bad_code_there_is_named(pair):
    mhs201, mhs001 = pair(
        [contact(1, "p1")], people=[mpi("p1"), mpi("p1"), mpi("p3", EthnicCategory="Q")]
    )
    with pytest.raises(InputError) as error:
        read_mhsds_pair(mhs201, mhs001)
    message = str(error.value)
    assert "The MHS001MPI file has problems" in message
    assert "duplicate identifier in column Person_ID: row 2: 'p1'; row 3: 'p1'" in message
    assert "unknown code in column EthnicCategory: row 4: 'Q'" in message


def test_the_v5_attendance_header_is_read_too(tmp_path, pair):
    mhs201, mhs001 = pair([contact(1, "p1"), contact(2, "p2", AttendStatus="2")])
    text = mhs201.read_text().replace("AttendStatus", "AttendOrDNACode", 1)
    mhs201.write_text(text)
    assert read_mhsds_pair(mhs201, mhs001).rows == 2


def test_evaluate_reads_the_pair(tmp_path, pair):
    mhs201, mhs001 = pair([contact(n, f"p{1 + n % 2}") for n in range(1, 13)])
    out = tmp_path / "out"
    call_command(
        "evaluate", "--mhs201", str(mhs201), "--mhs001", str(mhs001), "--out", str(out),
        "--only", "results", "--no-suppress",
    )  # fmt: skip
    results = json.loads((out / "results.json").read_text())
    assert results["contacts"] == 12
    assert results["input"] == f"{mhs201} + {mhs001}"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ((), "Name the contacts to evaluate"),
        (("--mhs201", "a.csv"), "--mhs201 and --mhs001 go together"),
        (("--mhs001", "b.csv"), "--mhs201 and --mhs001 go together"),
        (("extract.csv", "--mhs201", "a.csv", "--mhs001", "b.csv"), "not both"),
    ],
)
def test_half_a_pair_or_both_inputs_are_refused(tmp_path, args, says):
    with pytest.raises(CommandError, match=says):
        call_command("evaluate", *args, "--out", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
