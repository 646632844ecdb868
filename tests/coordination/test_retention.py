"""The retention run (sharing-rules.md 6) with a moving clock: what is deleted, when, with
what receipts, and what stays (holds, other cases, the statistics, the audit log)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination import seals, services, statistics
from coordination.models import (
    AgendaItem,
    AuditEvent,
    Case,
    Citizen,
    ConcernReport,
    Consent,
    LegalHold,
    RetiredCount,
)
from coordination.services import erasure
from coordination.workflows import add_months
from tests.conftest import fresh_cpr
from tests.helpers import forum, make_action, unit, user

pytestmark = pytest.mark.django_db

PSP = ("PSP Aalborg", "politi.forebyg", "Forebyggelse Aalborg")
KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
# Tables whose rows outlive a deleted case by design: the audit log and its seals, the
# anonymous counts, and what is not about a citizen.
KEPT = {"auditevent", "auditseal", "auditsample", "auditsampleitem", "retiredcount"}


@pytest.fixture(autouse=True)
def _only_what_the_test_writes(db: None) -> None:
    """The demo's cases, concern reports and citizens are removed first (inside the test's
    transaction), so that each run's counts are the test's own."""
    rows: Counter[str] = Counter()
    citizens = list(Citizen.objects.values_list("pk", flat=True))
    erasure.erase_cases(
        list(Case.objects.values_list("pk", flat=True)),
        list(ConcernReport.objects.values_list("pk", flat=True)),
        rows,
    )
    erasure.erase_unused_consents(citizens, rows)
    erasure.erase_citizens(citizens, rows)
    assert not Citizen.objects.exists()


def table_counts() -> Counter[str]:
    return Counter(
        {
            model._meta.model_name: model._default_manager.count()
            for model in apps.get_app_config("coordination").get_models()
            if model._meta.model_name not in KEPT
        }
    )


def newest_ids() -> dict[str, int]:
    """The newest row of every table (what a test adds comes after it)."""
    return {
        model._meta.model_name: model._default_manager.order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
        for model in apps.get_app_config("coordination").get_models()
        if model._meta.model_name not in KEPT
    }


def added_since(newest: dict[str, int]) -> dict[str, int]:
    """How many rows each table gained after `newest` (and still has)."""
    gained = {
        model._meta.model_name: model._default_manager.filter(
            pk__gt=newest[model._meta.model_name]
        ).count()
        for model in apps.get_app_config("coordination").get_models()
        if model._meta.model_name not in KEPT
    }
    return {name: n for name, n in gained.items() if n}


def run(**kwargs: Any) -> services.RetentionSummary:
    return services.apply_retention(**kwargs)


def receipts(**filters: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="delete", purpose="retention", **filters).order_by("pk")
    )


def later(months: int, days: int = 0) -> dt.datetime:
    day = add_months(timezone.localdate(), months) + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def full_case(open_case: Any) -> Case:
    """A PSP case with every kind of content a case can hold, then closed."""
    police, psych = user("politi.forebyg"), user("psyk.syd")
    case = open_case(*PSP, age=40, others=["Almenpsykiatrisk Afdeling Syd"])
    mother = services.related_person_add(
        actor=police, citizen=case.citizen, name="Mor Test", relation="mother"
    )
    contact = services.contact_log(
        actor=police,
        case=case,
        kind="home_visit",
        result="reached",
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        note="Samtale om boligen",
        related_person=mother,
    )
    services.entry_share(
        actor=police,
        case=case,
        category="general",
        legal_basis="RPL115_PSP",
        justification="Koordinering",
        text="Borgeren er flyttet",
    )
    offer = services.offer_make(actor=police, case=case, kind="mentor", contact=contact)
    services.offer_answer(actor=police, offer=offer, status="accepted")
    services.referral_send(
        actor=police, case=case, purpose="Bolig", to_unit=unit("Almenpsykiatrisk Afdeling Syd")
    )
    services.incident_record(
        actor=psych, case=case, kind="forced_admission", occurred_on=timezone.localdate()
    )
    services.outcome_record(
        actor=police, case=case, milestone=3, education="none", job="none", housing="stable"
    )
    make_action(case, responsible="politi.forebyg", days=1)
    from coordination import reminders

    reminders.reminders_scan(now=timezone.now() + dt.timedelta(days=2), enqueue=False)
    meeting = services.meeting_schedule(
        actor=police,
        forum=case.forum,
        organiser_unit=unit("Forebyggelse Aalborg"),
        starts_at=timezone.now() + dt.timedelta(hours=1),
    )
    item = AgendaItem.objects.filter(meeting=meeting, case=case).first() or (
        services.meeting_add_case(actor=police, meeting=meeting, case=case)
    )
    services.agenda_item_record(
        actor=police, item=item, picture="Billede", assessment="Vurdering", decision="Beslutning"
    )
    report = services.concern_report_create(
        actor=police,
        forum=case.forum,
        received_by=unit("Forebyggelse Aalborg"),
        channel="police_daily_report",
        urgency="amber",
        summary="Bekymring om borgeren",
        citizen=case.citizen,
    )
    services.concern_report_screen(
        actor=police, report=report, decision="add_to_existing", case=case, note="Samme sag"
    )
    services.case_close(actor=police, case=case, reason="Stabil", code="stable")
    case.refresh_from_db()
    return case


# --- Cases ----------------------------------------------------------------------------------


def test_a_case_closed_12_months_and_a_day_ago_is_gone_with_all_its_content(open_case) -> None:
    newest = newest_ids()
    case = full_case(open_case)
    citizen_id = case.citizen_id
    made = added_since(newest)
    assert {"case", "entry", "contact", "offer", "referral", "incident", "outcomesnapshot"} <= set(
        made
    )
    assert {"action", "agendaitem", "concernreport", "relatedperson", "recipient"} <= set(made)
    with time_machine.travel(later(11, 27)):
        assert run().cases == 0
        assert Case.objects.filter(pk=case.pk).exists()
    with time_machine.travel(later(12, 1)):
        summary = run()
    assert summary.cases == 1 and summary.citizens == 1
    # Of all that was written about the citizen, nothing is left; the meeting stays.
    assert added_since(newest) == {"meeting": 1}
    # One receipt for the case (ids and counts, no content) and one for the citizen.
    [receipt] = receipts(object_type="coordination.case", object_id=str(case.pk))
    assert receipt.case_id == case.pk and receipt.citizen_id == citizen_id
    assert receipt.detail["rows"]["entry"] == 1 and receipt.detail["rows"]["contact"] == 1
    assert receipt.detail["closure_code"] == "stable"
    assert "Borgeren er flyttet" not in str(receipt.detail)
    assert receipts(object_type="coordination.citizen", object_id=str(citizen_id))
    summary_event = receipts(object_type="retention_run")[-1]
    assert summary_event.detail["retention_run"]["cases"] == 1
    # The audit log still verifies, with the receipts sealed into it.
    with time_machine.travel(later(12, 2)):
        seals.audit_seal()
        call_command("verify_audit", verbosity=0)


def test_running_twice_deletes_nothing_more(open_case) -> None:
    case = open_case(*KK, age=16, track="15-17")
    services.case_close(actor=user("ssp.aalborg"), case=case, reason="Slut", code="other")
    with time_machine.travel(later(12, 1)):
        first = run()
        second = run()
    assert (first.cases, second.cases, second.citizens, second.concerns) == (1, 0, 0, 0)
    assert len(receipts(object_type="coordination.case")) == 1


def test_the_citizen_stays_while_another_case_needs_them(open_case) -> None:
    police = user("politi.forebyg")
    case = open_case(*PSP, age=40)
    other = services.case_open(
        actor=user("ssp.aalborg"),
        citizen=case.citizen,
        forum=forum("Infohus Nordjylland"),
        lead_unit=unit("SSP Aalborg"),
    )
    services.case_close(actor=police, case=case, reason="Slut", code="other")
    with time_machine.travel(later(12, 1)):
        summary = run()
    assert summary.cases == 1 and summary.citizens == 0
    assert Citizen.objects.filter(pk=case.citizen_id).exists()
    assert Case.objects.filter(pk=other.pk).exists()


def test_a_hold_keeps_the_case_until_it_lapses(open_case) -> None:
    police = user("politi.forebyg")
    case = open_case(*PSP, age=40)
    services.case_close(actor=police, case=case, reason="Slut", code="other")
    with time_machine.travel(later(11)):
        hold = services.legal_hold_place(
            actor=police, case=case, reason="Klagesag", until=add_months(timezone.localdate(), 3)
        )
    assert hold.until == add_months(add_months(timezone.localdate(), 11), 3)
    with time_machine.travel(later(12, 1)):
        summary = run()
        assert (summary.cases, summary.cases_held) == (0, 1)
        assert run(dry_run=True).cases_held == 1
    with time_machine.travel(later(14, 2)):
        assert run().cases == 1
    assert not Case.objects.filter(pk=case.pk).exists()


def test_a_lifted_hold_no_longer_keeps_the_case(open_case) -> None:
    police = user("politi.forebyg")
    case = open_case(*PSP, age=40)
    services.case_close(actor=police, case=case, reason="Slut", code="other")
    hold = services.legal_hold_place(
        actor=police, case=case, reason="Klagesag", until=add_months(timezone.localdate(), 24)
    )
    with time_machine.travel(later(12, 1)):
        assert run().cases == 0
        services.legal_hold_lift(actor=police, hold=hold)
        assert run().cases == 1


def test_a_dry_run_counts_and_changes_nothing(open_case) -> None:
    case = full_case(open_case)
    before = table_counts()
    events = AuditEvent.objects.count()
    with time_machine.travel(later(12, 1)):
        summary = run(dry_run=True)
    assert (summary.cases, summary.citizens, summary.dry_run) == (1, 1, True)
    assert table_counts() == before and AuditEvent.objects.count() == events
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_run_stopped_half_way_is_finished_by_the_next(open_case) -> None:
    police = user("politi.forebyg")
    cases = [open_case(*PSP, age=40 + i) for i in range(3)]
    for case in cases:
        services.case_close(actor=police, case=case, reason="Slut", code="other")
    real = erasure.erase_cases
    calls = {"n": 0}

    def dies_on_the_second_chunk(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        real(*args)

    with time_machine.travel(later(12, 1)):
        with (
            mock.patch.object(erasure, "erase_cases", dies_on_the_second_chunk),
            pytest.raises(RuntimeError),
        ):
            run(chunk_size=1)
        assert Case.objects.filter(pk__in=[c.pk for c in cases]).count() == 2
        assert len(receipts(object_type="coordination.case")) == 1
        summary = run(chunk_size=1)
    assert summary.cases == 2
    assert not Case.objects.filter(pk__in=[c.pk for c in cases]).exists()
    ids = [e.object_id for e in receipts(object_type="coordination.case")]
    assert sorted(ids) == sorted(str(c.pk) for c in cases)  # one receipt each, none twice


def test_the_queries_per_chunk_do_not_grow_with_the_content(open_case) -> None:
    police = user("politi.forebyg")

    def closed_cases(entries: int) -> list[Case]:
        made = []
        for i in range(2):
            case = open_case(*PSP, age=40 + i)
            for n in range(entries):
                services.entry_share(
                    actor=police,
                    case=case,
                    category="general",
                    legal_basis="RPL115_PSP",
                    justification="Koordinering",
                    text=f"Notat {n}",
                )
                services.contact_log(
                    actor=police,
                    case=case,
                    kind="home_visit",
                    result="reached",
                    occurred_at=timezone.now() - dt.timedelta(hours=n + 1),
                )
            services.case_close(actor=police, case=case, reason="Slut", code="other")
            made.append(case)
        return made

    def queries_to_delete(cases: list[Case], moment: dt.datetime) -> int:
        with time_machine.travel(moment), CaptureQueriesContext(connection) as captured:
            assert run(chunk_size=2).cases == 2
        return len(captured)

    small = closed_cases(1)
    small_queries = queries_to_delete(small, later(12, 1))
    with time_machine.travel(later(12, 2)):
        big = closed_cases(15)
    assert queries_to_delete(big, later(24, 3)) == small_queries


def test_the_statistics_do_not_change_when_old_cases_are_deleted(open_case) -> None:
    full_case(open_case)
    other = open_case(*KK, age=16, track="15-17")
    services.contact_log(
        actor=user("ssp.aalborg"),
        case=other,
        kind="knock_visit",
        result="not_home",
        occurred_at=timezone.now() - dt.timedelta(hours=1),
    )
    counted = statistics.counts()
    assert counted  # the full case counts for something
    with time_machine.travel(later(12, 1)):
        assert run().cases == 1
    assert RetiredCount.objects.exists()
    assert statistics.counts() == counted


# --- Concern reports ------------------------------------------------------------------------


def concern(*, citizen: Citizen | None = None, decision: str = "no_action") -> ConcernReport:
    police = user("politi.forebyg")
    report = services.concern_report_create(
        actor=police,
        forum=forum("PSP Aalborg"),
        received_by=unit("Forebyggelse Aalborg"),
        channel="police_daily_report",
        urgency="green",
        summary="Bekymring",
        citizen=citizen,
    )
    if decision:
        services.concern_report_screen(actor=police, report=report, decision=decision, note="OK")
    return report


def test_a_screened_out_concern_is_gone_after_its_period(persona) -> None:
    citizen = services.citizen_create(
        actor=persona("politi.forebyg"), cpr_number=fresh_cpr(30), first_name="A", last_name="B"
    )
    report = concern(citizen=citizen)
    never = concern(decision="")
    with time_machine.travel(later(5, 27)):
        assert run().concerns == 0
    with time_machine.travel(later(6, 1)):
        summary = run()
    assert summary.concerns == 2 and summary.citizens == 1
    assert not ConcernReport.objects.filter(pk__in=[report.pk, never.pk]).exists()
    assert not Citizen.objects.filter(pk=citizen.pk).exists()
    assert {e.object_id for e in receipts(object_type="coordination.concernreport")} == {
        str(report.pk),
        str(never.pk),
    }


def test_a_concern_opened_into_a_case_stays_with_its_case(open_case) -> None:
    case = full_case(open_case)
    report = ConcernReport.objects.get(case=case)
    with time_machine.travel(later(7)):
        assert run().concerns == 0
    assert ConcernReport.objects.filter(pk=report.pk).exists()
    with time_machine.travel(later(12, 1)):
        run()
    assert not ConcernReport.objects.filter(pk=report.pk).exists()


def test_a_citizen_registered_recently_and_unused_is_kept_for_a_while(persona) -> None:
    citizen = services.citizen_create(
        actor=persona("ssp.aalborg"), cpr_number=fresh_cpr(20), first_name="A", last_name="B"
    )
    assert run().citizens == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert run().citizens == 1
    assert not Citizen.objects.filter(pk=citizen.pk).exists()


def test_consents_go_with_the_last_case_in_their_forum(open_case) -> None:
    case = open_case("Exit Nordjylland", "politi.forebyg", "Forebyggelse Aalborg", age=30)
    assert Consent.objects.filter(citizen=case.citizen).exists()
    services.case_close(actor=user("politi.forebyg"), case=case, reason="Slut", code="other")
    with time_machine.travel(later(12, 1)):
        summary = run()
    assert summary.rows["consent"] >= 1
    assert not Consent.objects.filter(citizen_id=case.citizen_id).exists()


def test_the_retention_command_shows_a_summary(open_case, capsys) -> None:
    case = open_case(*PSP, age=40)
    services.case_close(actor=user("politi.forebyg"), case=case, reason="Slut", code="other")
    with time_machine.travel(later(12, 1)):
        call_command("apply_retention", "--dry-run")
        assert "1 closed case(s)" in capsys.readouterr().out
        assert Case.objects.filter(pk=case.pk).exists()
        call_command("apply_retention", "--chunk-size", "5")
    out = capsys.readouterr().out
    assert "deleted 1 case(s)" in out and "Test" not in out
    assert not Case.objects.filter(pk=case.pk).exists()


def test_every_table_about_a_case_or_citizen_is_erased() -> None:
    """A new model that refers to a case, a concern report or a citizen must be deleted by
    the retention run (or be the audit log, which keeps ids only)."""
    covered = {model for model, _lookup in erasure.CASE_CONTENT} | set(erasure.GENERIC_CONTENT)
    covered |= {
        apps.get_model("coordination", name)
        for name in ("Recipient", "InsightException", "Reminder", "RelatedPerson", "Consent")
    }
    for model in apps.get_app_config("coordination").get_models():
        if model._meta.model_name in KEPT:
            continue
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            if field.concrete and target in (Case, Citizen, ConcernReport):
                assert model in covered or model in (Case, ConcernReport), model
    assert LegalHold in covered
