"""The retention run (sharing-rules.md 6): personal data is deleted when it is no longer
needed. Daily (`coordination.tasks.apply_retention`, `manage.py apply_retention`):

1. cases whose citizen left the band or track without a decision close when the countdown
   has run (their retention clock started the day the citizen left);
2. closed cases past their forum's retention period, unless on hold, are deleted with
   everything that hangs off them;
3. concern reports screened out, or never opened into a case, are deleted after their
   period;
4. citizens with nothing left (no case, concern report or consent) are deleted, their
   related persons with them.

Each chunk is one transaction: the anonymous counts the statistics need are kept first
(`RetiredCount`), then the rows are deleted table by table with one statement each (so the
queries per chunk are constant and no row outside the chunk is locked), and one receipt per
deleted case, concern report and citizen is written to the audit log (ids and counts, never
content). A run that is stopped half way has deleted whole chunks; the next run finds the
rest, because the selection is the state of the data. The audit log itself is kept: the
events of what was shared on which basis outlive the content, as its own retention says.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from coordination import audit, lifecycle, statistics
from coordination.models import AuditEvent as AuditEventType
from coordination.models import (
    Case,
    Citizen,
    ConcernReport,
    RetiredCount,
)
from coordination.services import erasure

# Progress: (stage, done, total) after each chunk; the command draws it.
Progress = Callable[[str, int, int], None]


@dataclass
class RetentionSummary:
    """What a run did (or, dry, would do): counts only."""

    run: str
    dry_run: bool
    closed_aged_out: int = 0
    cases: int = 0
    cases_held: int = 0
    concerns: int = 0
    citizens: int = 0
    chunks: int = 0
    rows: Counter[str] = field(default_factory=Counter)

    def as_detail(self) -> dict[str, Any]:
        return {**asdict(self), "rows": dict(sorted(self.rows.items()))}


def _close_aged_out(pk: int, now: dt.datetime, run: str) -> bool:
    """Close one aged-out case whose countdown has run (checked again under the lock: a
    decision may have come meanwhile). Its retention clock starts the day the citizen left."""
    today = timezone.localdate(now)
    with transaction.atomic():
        case = (
            Case.objects.open()
            .select_for_update(of=("self",))
            .select_related("citizen", "forum")
            .filter(pk=pk)
            .first()
        )
        day = lifecycle.leaves_on(case) if case is not None else None
        if case is None or day is None or not lifecycle.countdown_over(case, today):
            return False
        Case.objects.filter(pk=pk).update(
            status=Case.Status.CLOSED,
            closed_at=now,
            closure_code="aged_out",
            retention_from=lifecycle.local_midnight(day),
        )
        audit.write_event(
            actor=None,
            action=audit.Action.CHANGE,
            obj=case,
            purpose="retention",
            detail={"change": "case_close", "code": "aged_out", "automatic": True, "run": run},
        )
    return True


# --- 2-4. Deleting in chunks ----------------------------------------------------------------


def _keep_counts(cases: list[int], reports: list[int], now: dt.datetime) -> None:
    """The anonymous counts of what is about to go (statistics.contributions)."""
    kept = statistics.contributions(
        Case.objects.filter(pk__in=cases) if cases else None,
        ConcernReport.objects.filter(pk__in=reports) if reports else None,
    )
    RetiredCount.objects.bulk_create(
        RetiredCount(
            month=key.month,
            forum_id=key.forum_id,
            indicator=key.indicator,
            breakdown=key.breakdown,
            value=value,
            retired_at=now,
        )
        for key, value in sorted(kept.items())
        if value
    )


def _receipt(obj: Model, run: str, **detail: Any) -> AuditEventType:
    """The audit receipt of one deleted case, concern report or citizen: ids and counts."""
    return audit.build_event(
        actor=None,
        action=audit.Action.DELETE,
        obj=obj,
        purpose="retention",
        detail={"run": run, **detail},
    )


def _receipts(
    summary: RetentionSummary, rows: Counter[str], gone: list[int], receipts: list[AuditEventType]
) -> None:
    """A chunk's receipts (its cases or concern reports, and the citizens that went with
    them) in one insert, inside the chunk's transaction; and the chunk counted."""
    audit.insert_events(receipts + [_receipt(Citizen(pk=pk), summary.run) for pk in gone])
    summary.citizens += len(gone)
    summary.rows.update(rows)
    summary.chunks += 1


def _case_chunk(ids: list[int], now: dt.datetime, summary: RetentionSummary) -> None:
    today = timezone.localdate(now)
    with transaction.atomic():
        # Checked again under the lock: a hold placed, or a run beside this one, since the
        # ids were read (skip_locked: never wait for a user working on a case).
        cases = list(
            lifecycle.due_cases(today)
            .filter(pk__in=ids)
            .select_for_update(of=("self",), skip_locked=True)
            .values_list("pk", "citizen_id", "forum_id", "closed_at", "closure_code")
        )
        ids = [pk for pk, *_rest in cases]
        if not ids:
            return
        reports = list(ConcernReport.objects.filter(case_id__in=ids).values_list("pk", flat=True))
        held = erasure.rows_per_case(ids)
        _keep_counts(ids, reports, now)
        rows: Counter[str] = Counter()
        citizens = sorted({citizen for _pk, citizen, *_rest in cases})
        gone = erasure.erase(ids, reports, citizens, rows)
        _receipts(
            summary,
            rows,
            gone,
            [
                _receipt(
                    Case(pk=pk, citizen_id=citizen),
                    summary.run,
                    forum=forum,
                    closed_on=timezone.localtime(closed_at).date() if closed_at else None,
                    closure_code=code,
                    rows=held[pk],
                )
                for pk, citizen, forum, closed_at, code in cases
            ],
        )
    summary.cases += len(ids)


def _concern_chunk(ids: list[int], now: dt.datetime, summary: RetentionSummary) -> None:
    today = timezone.localdate(now)
    with transaction.atomic():
        reports = list(
            lifecycle.due_concerns(today)
            .filter(pk__in=ids)
            .select_for_update(of=("self",), skip_locked=True)
            .values_list("pk", "citizen_id", "forum_id", "decision")
        )
        ids = [pk for pk, *_rest in reports]
        if not ids:
            return
        _keep_counts([], ids, now)
        rows: Counter[str] = Counter()
        citizens = sorted({citizen for _pk, citizen, *_rest in reports if citizen})
        gone = erasure.erase([], ids, citizens, rows)
        _receipts(
            summary,
            rows,
            gone,
            [
                _receipt(
                    ConcernReport(pk=pk, citizen_id=citizen),
                    summary.run,
                    forum=forum,
                    decision=decision,
                )
                for pk, citizen, forum, decision in reports
            ],
        )
    summary.concerns += len(ids)


def _citizen_chunk(ids: list[int], now: dt.datetime, summary: RetentionSummary) -> None:
    with transaction.atomic():
        ids = list(
            lifecycle.due_citizens(now)
            .filter(pk__in=ids)
            .select_for_update(of=("self",), skip_locked=True)
            .values_list("pk", flat=True)
        )
        rows: Counter[str] = Counter()
        gone = erasure.erase_citizens(ids, rows)
        _receipts(summary, rows, gone, [])


def _in_chunks(
    stage: str,
    rows: QuerySet[Any],
    chunk: Callable[[list[int], dt.datetime, RetentionSummary], None],
    *,
    now: dt.datetime,
    size: int,
    summary: RetentionSummary,
    progress: Progress | None,
) -> None:
    """Walk `rows` by id (so a row skipped, held meanwhile or locked, is not read again)."""
    total, done, after = rows.count(), 0, 0
    if progress:
        progress(stage, 0, total)
    while True:
        ids = list(rows.filter(pk__gt=after).values_list("pk", flat=True)[:size])
        if not ids:
            break
        chunk(ids, now, summary)
        done, after = done + len(ids), ids[-1]
        if progress:
            progress(stage, min(done, total), total)


def apply_retention(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> RetentionSummary:
    """One retention run (see the module): returns what it did, or with `dry_run` what it
    would do, writing nothing. Ends with a summary event in the audit log."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    size = chunk_size or settings.RETENTION_CHUNK_SIZE
    summary = RetentionSummary(run=uuid.uuid4().hex[:12], dry_run=dry_run)
    closing = lifecycle.aged_out_to_close(today)
    summary.closed_aged_out = len(closing)
    summary.cases_held = lifecycle.held_cases(today).count()
    if dry_run:
        summary.cases = lifecycle.due_cases(today).count()
        summary.concerns = lifecycle.due_concerns(today).count()
        summary.citizens = lifecycle.would_delete_citizens(today, now)
        return summary
    summary.closed_aged_out = sum(_close_aged_out(case.pk, now, summary.run) for case in closing)
    options: dict[str, Any] = {"now": now, "size": size, "summary": summary, "progress": progress}
    _in_chunks("cases", lifecycle.due_cases(today), _case_chunk, **options)
    _in_chunks("concerns", lifecycle.due_concerns(today), _concern_chunk, **options)
    _in_chunks("citizens", lifecycle.due_citizens(now), _citizen_chunk, **options)
    event = audit.build_event(
        actor=None,
        action=audit.Action.DELETE,
        purpose="retention",
        detail={"retention_run": summary.as_detail()},
    )
    event.object_type = "retention_run"
    audit.insert_events([event])
    return summary
