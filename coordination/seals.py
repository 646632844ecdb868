"""Sealing, verifying and purging the audit log.

Each event is signed when it is inserted (`audit.event_digest`: a keyed HMAC over its
content). A beat task then seals windows of *committed* events: a seal holds the window's
ids and an HMAC over their (id, digest) pairs, and is chained to the seal before it. No lock
is taken on insert, because nothing is chained at insert time (architecture.md, known pitfalls).

`audit_verify` recomputes all of it and names the first event or seal that was altered,
inserted or removed. The retention purge is the one path that deletes events: it deletes
whole sealed windows older than the retention period, with the append-only triggers
suspended inside its transaction, and leaves a signed receipt event; the seals stay (they
hold no personal data), so the chain still verifies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pgtrigger
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from coordination import audit
from coordination.models import AuditEvent, AuditSeal

GENESIS = "0" * 64
PROTECTED_TABLES = (AuditEvent._meta.db_table, AuditSeal._meta.db_table)


# --- Hashing --------------------------------------------------------------------------


def id_runs(ids: Iterable[int]) -> list[list[int]]:
    """[1, 2, 3, 7, 8] -> [[1, 3], [7, 8]]; ids must be ascending."""
    runs: list[list[int]] = []
    for pk in ids:
        if runs and pk == runs[-1][1] + 1:
            runs[-1][1] = pk
        else:
            runs.append([pk, pk])
    return runs


def _ids_in(runs: list[list[int]]) -> Iterator[int]:
    for first, last in runs:
        yield from range(first, last + 1)


def events_hash(pairs: Iterable[tuple[int, str]]) -> str:
    mac = hmac.new(settings.AUDIT_HMAC_KEY.encode(), digestmod=hashlib.sha256)
    for pk, digest in pairs:
        mac.update(f"{pk}:{digest}\n".encode())
    return mac.hexdigest()


def seal_hash(seal: AuditSeal) -> str:
    payload = [
        seal.previous_hash,
        seal.first_event_id,
        seal.last_event_id,
        seal.event_count,
        seal.id_runs,
        seal.last_event_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        seal.sealed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        seal.events_hash,
    ]
    return audit.hmac_hex(json.dumps(payload, separators=(",", ":")).encode())


# --- Sealing --------------------------------------------------------------------------


def audit_seal(
    *, now: dt.datetime | None = None, window: int | None = None, limit: int | None = None
) -> int:
    """Seal the committed events not sealed yet, `window` at a time; returns seals made.

    Only events older than AUDIT_SEAL_GRACE_SECONDS are sealed, and only an unbroken run of
    them in id order, so a request still committing a lower id is never passed over. Two
    runs at once cannot fork the chain: `previous_hash` is unique, and the loser stops."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.AUDIT_SEAL_GRACE_SECONDS)
    window = window or settings.AUDIT_SEAL_WINDOW
    made = 0
    while limit is None or made < limit:
        try:
            with transaction.atomic():
                if not _seal_next(cutoff, window):
                    break
        except IntegrityError:
            break  # another sealing run chained this window first
        made += 1
    return made


def _seal_next(cutoff: dt.datetime, window: int) -> bool:
    last = AuditSeal.objects.order_by("-pk").first()
    rows = list(
        AuditEvent.objects.filter(pk__gt=last.last_event_id if last else 0)
        .order_by("pk")
        .values_list("pk", "digest", "occurred_at")[:window]
    )
    ready = []
    for row in rows:
        if row[2] > cutoff:
            break
        ready.append(row)
    if not ready:
        return False
    seal = AuditSeal(
        first_event_id=ready[0][0],
        last_event_id=ready[-1][0],
        event_count=len(ready),
        id_runs=id_runs(pk for pk, _, _ in ready),
        last_event_at=max(at for _, _, at in ready),
        events_hash=events_hash((pk, digest) for pk, digest, _ in ready),
        previous_hash=last.hash if last else GENESIS,
    )
    seal.hash = seal_hash(seal)
    seal.save(force_insert=True)
    return True


# --- Verifying ------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One finding of `audit_verify`: what is wrong, and with which event or seal."""

    kind: str  # event_altered, event_inserted, event_missing, seal_altered, chain_broken, ...
    message: str
    event_id: int | None = None
    seal_id: int | None = None


@dataclass
class Verification:
    events: int = 0
    seals: int = 0
    purged_through: int = 0
    head: str = GENESIS

    def __post_init__(self) -> None:
        self.problems: list[Problem] = []

    @property
    def ok(self) -> bool:
        return not self.problems


def _purge_floor() -> int:
    """The newest event id a valid purge receipt covers (0 when nothing was purged)."""
    floor = 0
    for receipt in AuditEvent.objects.filter(action=AuditEvent.Action.PURGE):
        if receipt.digest == audit.event_digest(receipt):
            floor = max(floor, int(receipt.detail.get("through_event", 0)))
    return floor


class _Window:
    def __init__(self, seal: AuditSeal, purged: bool) -> None:
        self.seal = seal
        self.purged = purged
        self.pairs: list[tuple[int, str]] = []

    def close(self, report: Callable[[Problem], None]) -> None:
        if self.purged:
            return
        seal = self.seal
        seen = {pk for pk, _ in self.pairs}
        expected = set(_ids_in(seal.id_runs))
        for pk in sorted(expected - seen):
            report(Problem("event_missing", f"event {pk} sealed by seal {seal.pk} is missing",
                           event_id=pk, seal_id=seal.pk))  # fmt: skip
        for pk in sorted(seen - expected):
            report(Problem("event_inserted", f"event {pk} was inserted into seal {seal.pk}'s "
                           "window after sealing", event_id=pk, seal_id=seal.pk))  # fmt: skip
        if seen == expected and events_hash(self.pairs) != seal.events_hash:
            report(Problem("window_altered", f"the events sealed by seal {seal.pk} were "
                           "reordered or re-signed", seal_id=seal.pk))  # fmt: skip


def audit_verify(progress: Callable[[int], None] | None = None) -> Verification:
    """Recompute every digest, window and seal; `progress(n)` is called per 10,000 events."""
    result = Verification(purged_through=_purge_floor())
    report = result.problems.append
    seals = list(AuditSeal.objects.order_by("pk"))
    result.seals = len(seals)
    previous_hash, previous_last, previous_pk = GENESIS, 0, None
    for seal in seals:
        if seal.hash != seal_hash(seal):
            report(Problem("seal_altered", f"seal {seal.pk} was altered", seal_id=seal.pk))
        if seal.previous_hash != previous_hash:
            after = f"seal {previous_pk}" if previous_pk else "the start of the chain"
            report(Problem("chain_broken", f"seal {seal.pk} does not follow {after} (a seal "
                           "between them was removed, or one was inserted or altered)",
                           seal_id=seal.pk))  # fmt: skip
        if seal.first_event_id <= previous_last:
            report(Problem("chain_broken", f"seal {seal.pk} overlaps the window before it",
                           seal_id=seal.pk))  # fmt: skip
        previous_hash, previous_last, previous_pk = seal.hash, seal.last_event_id, seal.pk
    result.head = previous_hash
    for digest in (
        AuditEvent.objects.values("digest")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("digest", flat=True)[:50]
    ):
        copies = list(AuditEvent.objects.filter(digest=digest).values_list("pk", flat=True))
        report(Problem("event_inserted", f"events {', '.join(map(str, copies))} are copies of "
                       "one event", event_id=copies[-1]))  # fmt: skip

    windows = iter(_Window(s, s.last_event_id <= result.purged_through) for s in seals)
    current = next(windows, None)
    stray: list[int] = []  # a run of events outside every sealed window, reported as one

    def report_stray() -> None:
        if stray:
            which = (
                f"event {stray[0]} lies"
                if len(stray) == 1
                else (f"events {stray[0]}-{stray[-1]} lie")
            )
            report(Problem("event_inserted", f"{which} outside every sealed window (inserted, "
                           "or their seal was removed)", event_id=stray[0]))  # fmt: skip
            stray.clear()

    fields = ["pk", "digest", *audit.DIGEST_FIELDS]
    for values in AuditEvent.objects.order_by("pk").values(*fields).iterator(chunk_size=5000):
        pk = values["pk"]
        result.events += 1
        if progress and result.events % 10_000 == 0:
            progress(10_000)
        if values["digest"] != audit.digest_of(values):
            report(Problem("event_altered", f"event {pk} was altered (its digest no longer "
                           "matches its content)", event_id=pk))  # fmt: skip
        while current is not None and current.seal.last_event_id < pk:
            current.close(report)
            current = next(windows, None)
        if current is not None and current.seal.first_event_id <= pk:
            report_stray()
            current.pairs.append((pk, values["digest"]))
        elif current is not None and pk > result.purged_through:
            stray.append(pk)
    report_stray()
    if progress:
        progress(result.events % 10_000)
    while current is not None:
        current.close(report)
        current = next(windows, None)
    result.problems.sort(key=_position)
    return result


def _position(problem: Problem) -> tuple[int, int]:
    # Seal problems first (the chain is what everything else hangs on), then by event id.
    if problem.event_id is None:
        return (0, problem.seal_id or 0)
    return (1, problem.event_id)


# --- Purging --------------------------------------------------------------------------


@contextlib.contextmanager
def triggers_suspended(*, truncate: bool = False) -> Iterator[None]:
    """Lift the append-only triggers for the current transaction only (`truncate` also
    lifts the TRUNCATE guard: only the test suite's table flush asks for that).

    PostgreSQL: pgtrigger's ignore, which marks the session's statements so the triggers let
    them through. SQLite: drop the triggers and create them again from their own SQL before
    the transaction commits; if it rolls back, the drop is rolled back with it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("triggers may only be suspended inside a transaction")
    if connection.vendor == "postgresql":
        uris = ["coordination.AuditEvent:audit_event_append_only",
                "coordination.AuditSeal:audit_seal_append_only"]  # fmt: skip
        if truncate:
            uris += ["coordination.AuditEvent:audit_event_no_truncate",
                     "coordination.AuditSeal:audit_seal_no_truncate"]  # fmt: skip
        with pgtrigger.ignore(*uris):
            yield
        return
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(PROTECTED_TABLES))
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "  # noqa: S608
            f"AND tbl_name IN ({placeholders})",
            list(PROTECTED_TABLES),
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, sql in triggers:
            cursor.execute(sql)


def audit_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the sealed events older than AUDIT_RETENTION_DAYS; returns how many.

    Only whole sealed windows go, oldest first, so the chain verifies afterwards; the signed
    receipt event names the last event and seal purged, and verify_audit trusts no absence
    beyond what a receipt covers."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    floor = _purge_floor()
    through: tuple[int, int] | None = None
    windows = AuditSeal.objects.filter(last_event_id__gt=floor).order_by("pk")
    for seal_pk, last_event_id, last_event_at in windows.values_list(
        "pk", "last_event_id", "last_event_at"
    ).iterator():
        if last_event_at >= cutoff:
            break
        through = (seal_pk, last_event_id)
    if through is None:
        return 0
    with transaction.atomic():
        with triggers_suspended():
            deleted, _ = AuditEvent.objects.filter(pk__gt=floor, pk__lte=through[1]).delete()
        audit.write_event(
            actor=None,
            action=AuditEvent.Action.PURGE,
            purpose="retention",
            detail={
                "through_seal": through[0],
                "through_event": through[1],
                "deleted": deleted,
                "cutoff": cutoff.isoformat(),
                "retention_days": settings.AUDIT_RETENTION_DAYS,
            },
        )
    return deleted


def describe(result: Verification) -> dict[str, Any]:
    """A summary fit for a log line or JSON output (ids only: no personal data)."""
    return {
        "events": result.events,
        "seals": result.seals,
        "purged_through": result.purged_through,
        "head": result.head,
        "problems": [p.message for p in result.problems],
    }
