"""`caremode mhsds_export`: the month's MHSDS v6 tables, one CSV each, written whole or not at all.

The command names who runs it (`--user`); identifiable tables (`--identifiable`) are only for an
active administrator. Reads go through the owning apps' selectors (`scheduling`, `monitoring`);
the files are staged and renamed into place by `evaluation.output.staged`, the same folder
staging `caremode evaluate` uses; the export is audited in the transaction that reads it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from caremode.accounts.models import Role, User
from caremode.audit.models import AuditAction
from caremode.audit.services import record_event, record_list_read
from caremode.core import mhsds
from caremode.core.errors import DomainError
from caremode.evaluation.output import staged
from caremode.interop.mhsds import (
    Identifiers,
    Period,
    care_activity_row,
    care_contact_row,
    contact_assessment_rows,
    mpi_row,
    referral_assessment_rows,
)
from caremode.monitoring.selectors import list_complete_assessments_between
from caremode.scheduling.selectors import list_settled_contacts_between

# Who may take identifiable tables out of CareMode: the role that prepares the trust's returns.
IDENTIFIABLE_ROLES = frozenset({Role.ADMIN})


class MhsdsNotAuthorisedError(DomainError):
    """The named user may not export identifiable MHSDS tables (or does not exist)."""


def check_exporter(*, username: str | None, identifiable: bool) -> User | None:
    """The user running the export: `username` must name an active account; identifiable
    tables need one of `IDENTIFIABLE_ROLES`. Raises MhsdsNotAuthorisedError naming `--user`
    (an unknown name and a wrong role are told apart: this is the operator's console)."""
    if username is None:
        if identifiable:
            raise MhsdsNotAuthorisedError(
                "--identifiable needs --user USERNAME: an active administrator's account, so that "
                "the export is authorised and audited in their name.",
                field="--user",
            )
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise MhsdsNotAuthorisedError(
            f"--user: no active account is called {username!r}.", field="--user"
        )
    if identifiable and user.role not in IDENTIFIABLE_ROLES:
        raise MhsdsNotAuthorisedError(
            f"--user: {username!r} is a {user.get_role_display().lower()}; only an administrator "
            "may export identifiable MHSDS tables. Leave out --identifiable for pseudonymised "
            "tables.",
            field="--user",
        )
    return user


@dataclass
class Tables:
    rows: dict[str, list[dict[str, str]]]
    subject_ids: set[int]


def gather(period: Period, ids: Identifiers) -> Tables:
    """The period's rows of every table CareMode holds data for. People appear in MHS001 once,
    if they have a contact or an assessment in the period."""
    rows: dict[str, list[dict[str, str]]] = {table: [] for table in mhsds.TABLES}
    people: dict[int, Any] = {}
    for contact in list_settled_contacts_between(period.start, period.end).iterator(
        chunk_size=2000
    ):
        people.setdefault(contact.service_user_id, contact.service_user)
        rows[mhsds.MHS201].append(care_contact_row(contact, ids))
    activities: set[int] = set()
    for assessment in list_complete_assessments_between(period.start, period.end):
        people.setdefault(assessment.service_user_id, assessment.service_user)
        if assessment.contact is None:
            rows[mhsds.MHS606].extend(referral_assessment_rows(assessment, ids))
            continue
        if assessment.contact.pk not in activities:
            activities.add(assessment.contact.pk)
            rows[mhsds.MHS202].append(
                care_activity_row(assessment.contact, assessment.service_user, ids)
            )
        rows[mhsds.MHS607].extend(contact_assessment_rows(assessment, ids))
    rows[mhsds.MHS001] = [mpi_row(people[pk], ids) for pk in sorted(people)]
    return Tables(rows=rows, subject_ids=set(people))


def _write(path: Path, table: str, rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        # extrasaction="raise": a row naming a column the table does not have is a bug.
        writer = csv.DictWriter(handle, fieldnames=mhsds.columns(table), restval="")
        writer.writeheader()
        writer.writerows(rows)


@transaction.atomic
def export_mhsds(
    *,
    actor: User | None,
    period: Period,
    out: Path,
    identifiable: bool = False,
    provider: str = "",
    force: bool = False,
) -> dict[str, int]:
    """Write the period's MHSDS v6 tables to the folder `out`, one CSV per table, and return
    the row count of each.

    Preconditions: `actor` passed `check_exporter` (an administrator when `identifiable`).
    Side effects: one audit entry (export: the period, identifiable or not, the counts) and,
    for identifiable tables, one read naming every person written, in the same transaction.
    The folder appears only when every file is complete (`evaluation.output.staged`); an
    `out` holding files is refused unless `force`. Raises `evaluation.output.OutputError`.
    """
    ids = Identifiers(identifiable=identifiable, provider=provider)
    tables = gather(period, ids)
    counts = {table: len(tables.rows[table]) for table in mhsds.TABLES}
    with staged(out, force=force) as staging:
        for table in mhsds.TABLES:
            _write(staging / mhsds.file_name(table), table, tables.rows[table])
        record_event(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type="MHSDS v6 tables",
            object_id=period.label,
            detail={
                "period": period.label,
                "identifiable": identifiable,
                "folder": out.name,
                "rows": counts,
            },
        )
        if identifiable and actor is not None:
            record_list_read(
                actor=actor,
                purpose="identifiable MHSDS export",
                subject_ids=tables.subject_ids,
                detail={"period": period.label},
            )
    return counts
