"""The audit log is append-only, signed and sealed: tampering is refused or named.

"Tampering" is what a database superuser can do: switch the triggers off and change rows.
Each such test runs inside the test's transaction, so the triggers come back afterwards.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from coordination import audit, seals, services, tasks
from coordination.models import AuditEvent, AuditSeal, Contact
from tests.conftest import fresh_cpr

pytestmark = pytest.mark.django_db

EVENTS = AuditEvent._meta.db_table
SEALS = AuditSeal._meta.db_table
LATER = dt.timedelta(hours=1)  # past the sealing grace period


def seal_all(window: int = 200) -> None:
    seals.audit_seal(now=timezone.now() + LATER, window=window)


def raw(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def triggers_off() -> None:
    """What a database superuser can do (inside the test's transaction)."""
    if connection.vendor == "postgresql":
        for table in (EVENTS, SEALS):
            raw(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = [row[0] for row in cursor.fetchall() if row[0].startswith("audit_")]
    for name in names:
        raw(f'DROP TRIGGER "{name}"')


def sealed_event() -> AuditEvent:
    seal_all()
    last = AuditSeal.objects.order_by("pk").last()
    assert last is not None
    return AuditEvent.objects.filter(pk__lte=last.last_event_id).order_by("pk")[3]


# --- Append-only ----------------------------------------------------------------------


@pytest.mark.parametrize("table", [EVENTS, SEALS])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_raw_update_and_delete_are_refused(table: str, statement: str) -> None:
    seal_all()
    before = AuditEvent.objects.count(), AuditSeal.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(statement.format(table=table))
    assert (AuditEvent.objects.count(), AuditSeal.objects.count()) == before


def test_the_orm_cannot_change_or_delete_events_either() -> None:
    event = AuditEvent.objects.order_by("pk").first()
    assert event is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(purpose="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    event.refresh_from_db()
    assert event.purpose != "changed"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite has no TRUNCATE")
@pytest.mark.parametrize("table", [EVENTS, SEALS])
def test_truncate_is_refused_on_postgresql(table: str) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.exists()


def test_an_exact_copy_of_an_event_is_refused() -> None:
    event = AuditEvent.objects.order_by("pk").first()
    assert event is not None
    event.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.bulk_create([event])


# --- Verification ---------------------------------------------------------------------


def test_an_untouched_log_verifies_sealed_and_unsealed() -> None:
    seal_all()
    audit.write_event(actor=None, action=audit.Action.LOGIN_FAILED, detail={"username": "x"})
    result = seals.audit_verify()
    assert result.ok, result.problems
    assert result.seals >= 1
    assert result.events == AuditEvent.objects.count()
    call_command("verify_audit")  # exits 0


def test_an_altered_event_is_named() -> None:
    event = sealed_event()
    triggers_off()
    raw(f"UPDATE {EVENTS} SET purpose = %s WHERE id = %s", ["prevention:exit", event.pk])
    result = seals.audit_verify()
    assert result.problems[0].kind == "event_altered"
    assert result.problems[0].event_id == event.pk
    with pytest.raises(CommandError, match=f"event {event.pk} was altered"):
        call_command("verify_audit")


def test_an_altered_unsealed_event_is_named_too() -> None:
    seal_all()
    event = audit.write_event(actor=None, action=audit.Action.LOGIN_FAILED)
    triggers_off()
    raw(f"UPDATE {EVENTS} SET actor_username = %s WHERE id = %s", ["someone", event.pk])
    assert [p.event_id for p in seals.audit_verify().problems] == [event.pk]


def test_a_deleted_event_is_named() -> None:
    event = sealed_event()
    triggers_off()
    raw(f"DELETE FROM {EVENTS} WHERE id = %s", [event.pk])
    problem = seals.audit_verify().problems[0]
    assert (problem.kind, problem.event_id) == ("event_missing", event.pk)


def test_an_event_slipped_into_a_sealed_window_is_named() -> None:
    seal_all()
    # A gap in the ids (as a rolled-back insert leaves), then sealed.
    gap_end = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() + 10
    late = audit.build_event(actor=None, action=audit.Action.LOGIN_FAILED)
    late.pk = gap_end
    audit.insert_events([late])
    seal_all()
    forged = audit.build_event(actor=None, action=audit.Action.LOGOUT)
    forged.pk = gap_end - 5
    audit.insert_events([forged])  # correctly signed: only the seal can tell it was not there
    problem = seals.audit_verify().problems[0]
    assert (problem.kind, problem.event_id) == ("event_inserted", gap_end - 5)


def test_a_forged_event_without_the_key_is_named() -> None:
    seal_all()
    forged = audit.build_event(actor=None, action=audit.Action.LOGIN)
    forged.digest = "0" * 64
    AuditEvent.objects.bulk_create([forged])
    problem = seals.audit_verify().problems[0]
    assert (problem.kind, problem.event_id) == ("event_altered", forged.pk)


def test_a_removed_seal_breaks_the_chain_and_is_named() -> None:
    seal_all(window=50)
    first, second, *_rest = AuditSeal.objects.order_by("pk")
    triggers_off()
    raw(f"DELETE FROM {SEALS} WHERE id = %s", [second.pk])
    problems = seals.audit_verify().problems
    assert problems[0].kind == "chain_broken"
    assert f"does not follow seal {first.pk}" in problems[0].message
    assert any(p.kind == "event_inserted" for p in problems)  # its events are now unsealed


def test_an_altered_seal_is_named() -> None:
    seal_all(window=50)
    seal = AuditSeal.objects.order_by("pk")[1]
    triggers_off()
    raw(f"UPDATE {SEALS} SET event_count = event_count + 1 WHERE id = %s", [seal.pk])
    problem = seals.audit_verify().problems[0]
    assert (problem.kind, problem.seal_id) == ("seal_altered", seal.pk)


def test_verify_audit_prints_json() -> None:
    import io

    seal_all()
    out = io.StringIO()
    call_command("verify_audit", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["problems"] == []
    assert summary["head"] == AuditSeal.objects.order_by("pk").last().hash


# --- Sealing --------------------------------------------------------------------------


def test_sealing_is_idempotent_and_covers_every_committed_event_once() -> None:
    seal_all(window=40)
    assert seals.audit_seal(now=timezone.now() + LATER) == 0
    windows = list(AuditSeal.objects.order_by("pk").values_list("first_event_id", "last_event_id"))
    assert all(b[0] > a[1] for a, b in itertools.pairwise(windows))
    sealed = sum(AuditSeal.objects.values_list("event_count", flat=True))
    assert sealed == AuditEvent.objects.count()


def test_recent_events_wait_for_the_grace_period() -> None:
    seal_all()
    event = audit.write_event(actor=None, action=audit.Action.LOGIN_FAILED)
    assert seals.audit_seal() == 0  # written just now: a request may still be committing
    assert not AuditSeal.objects.filter(last_event_id__gte=event.pk).exists()
    assert seals.audit_seal(now=timezone.now() + LATER) == 1


def test_two_sealing_runs_cannot_fork_the_chain() -> None:
    seal_all()
    head = AuditSeal.objects.order_by("pk").last()
    audit.write_event(actor=None, action=audit.Action.LOGIN_FAILED)
    assert seals.audit_seal(now=timezone.now() + LATER) == 1  # the first run chains to head
    rival = AuditSeal(
        first_event_id=head.last_event_id + 1,
        last_event_id=head.last_event_id + 1,
        event_count=1,
        id_runs=[[head.last_event_id + 1, head.last_event_id + 1]],
        last_event_at=timezone.now(),
        events_hash="x",
        previous_hash=head.hash,  # a second run that read the same head
        hash="y" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        rival.save()
    assert seals.audit_seal(now=timezone.now() + LATER) == 0
    assert seals.audit_verify().ok


def test_the_beat_task_seals() -> None:
    assert tasks.seal_audit() >= 0  # events of this session are within the grace period


# --- Retention ------------------------------------------------------------------------


def test_purge_deletes_old_sealed_windows_leaves_a_receipt_and_still_verifies(settings) -> None:
    seal_all(window=100)
    kept = audit.write_event(actor=None, action=audit.Action.LOGIN_FAILED)  # not sealed yet
    sealed = AuditSeal.objects.order_by("pk").last()
    settings.AUDIT_RETENTION_DAYS = 30
    deleted = seals.audit_purge(now=timezone.now() + dt.timedelta(days=31))
    assert deleted == sum(AuditSeal.objects.values_list("event_count", flat=True))
    assert not AuditEvent.objects.filter(pk__lte=sealed.last_event_id).exists()
    receipt = AuditEvent.objects.get(action=AuditEvent.Action.PURGE)
    assert receipt.actor is None
    assert receipt.detail["through_event"] == sealed.last_event_id
    assert receipt.detail["deleted"] == deleted
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    result = seals.audit_verify()
    assert result.ok, result.problems
    assert result.purged_through == sealed.last_event_id
    # The triggers are back: the purge was the only way through.
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(f"DELETE FROM {EVENTS} WHERE id = %s", [kept.pk])


def test_purge_keeps_what_is_younger_than_the_retention_period(settings) -> None:
    seal_all()
    settings.AUDIT_RETENTION_DAYS = 30
    assert seals.audit_purge(now=timezone.now() + dt.timedelta(days=29)) == 0
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PURGE).exists()


def test_a_deletion_beyond_the_purge_receipt_is_still_caught(settings) -> None:
    seal_all(window=100)
    settings.AUDIT_RETENTION_DAYS = 30
    seals.audit_purge(now=timezone.now() + dt.timedelta(days=31))
    event = audit.write_event(actor=None, action=audit.Action.LOGIN_FAILED)
    seal_all()
    triggers_off()
    raw(f"DELETE FROM {EVENTS} WHERE id = %s", [event.pk])
    assert seals.audit_verify().problems[0].event_id == event.pk


# --- What the writer signs --------------------------------------------------------------


def test_events_from_an_ipv6_client_verify(client_as, open_case) -> None:
    case = open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16)
    client = client_as("ssp.aalborg")
    client.get(f"/sager/{case.pk}/", REMOTE_ADDR="2001:0db8:0000:0000:0000:0000:0000:0001")
    event = AuditEvent.objects.filter(case_id=case.pk, action="view").latest("pk")
    assert event.ip == "2001:db8::1"
    assert event.digest == audit.event_digest(event)


# --- Fail closed ----------------------------------------------------------------------


def audit_down() -> mock._patch[mock.MagicMock]:
    return mock.patch.object(
        AuditEvent.objects, "bulk_create", side_effect=DatabaseError("audit table unavailable")
    )


def test_the_insight_report_is_withheld_when_its_audit_fails(client_as) -> None:
    number = fresh_cpr(16)
    citizen = services.citizen_create(
        actor=None, cpr_number=number, first_name="Unshown", last_name="Person"
    )
    client = client_as("revisor")
    with audit_down():
        response = client.post("/revision/indsigt/", {"cpr": number})
    assert response.status_code == 503
    assert citizen.last_name not in response.content.decode()


def test_the_api_fails_closed_with_json(client_as) -> None:
    client = client_as("revisor")
    with audit_down():
        response = client.get("/api/v1/audit/events/")
    assert response.status_code == 503
    assert set(response.json()) == {"detail"}


def test_the_export_is_withheld_when_its_audit_fails(client_as) -> None:
    client = client_as("revisor")
    with audit_down():
        response = client.post(
            "/revision/eksport/",
            {
                "action": "view",
                "recipient": "Revision",
                "legal_basis": "FVL28",
                "justification": "Kontrol",
            },
        )
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")


def test_a_write_whose_audit_fails_leaves_nothing_behind(client_as, open_case) -> None:
    case = open_case("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg", age=16)
    client = client_as("ssp.aalborg")
    client.raise_request_exception = False
    data = {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "kind": "knock_visit",
        "result": "conversation_held",
        "note": "At the door",
    }
    with audit_down():
        response = client.post(f"/sager/{case.pk}/kontakt/", data)
    assert response.status_code >= 500
    assert not Contact.objects.filter(case=case).exists()
