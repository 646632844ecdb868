"""The district's governance as data (issue 16, part 1): the 2025 cooperation plan with its
seven focus areas, the kredsråd and the nine lokalråd, their handleplans in several states,
and Bo Trygt per municipality, seeded from the plan's facts; the tables' invariants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from coordination.demo.councils import seed_councils
from coordination.demo.organisations import ALL_MUNICIPALITIES
from coordination.models import (
    ActionPlan,
    BoTrygtStatus,
    CooperationPlan,
    Council,
    FocusArea,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_2025_plan_with_its_seven_focus_areas() -> None:
    plan = CooperationPlan.objects.get(year=2025)
    codes = list(plan.focus_areas.values_list("code", flat=True))
    assert codes == ["05.1", "05.2", "05.3", "05.4", "05.5", "05.6", "05.7"]
    assert plan.focus_areas.get(code="05.1").effort_type == "psp"
    assert plan.focus_areas.get(code="05.2").effort_type == "knock_knock"


def test_the_kredsraad_is_the_police_director_and_the_nine_mayors() -> None:
    kredsraad = Council.objects.get(kind=Council.Kind.KREDSRAAD)
    titles = list(kredsraad.members.values_list("title", flat=True))
    assert len(titles) == 10 and "Politidirektør" in titles
    assert sum(t.startswith("Borgmester") for t in titles) == 9
    # Youth crime is discussed at least once a year, in May.
    (may,) = kredsraad.meetings.filter(youth_crime=True)
    assert may.held_on.month == 5


def test_one_lokalraad_per_municipality_each_with_a_handleplan() -> None:
    lokalraad = Council.objects.filter(kind=Council.Kind.LOKALRAAD)
    assert sorted(lokalraad.values_list("municipality", flat=True)) == sorted(ALL_MUNICIPALITIES)
    plans = ActionPlan.objects.filter(year=2025)
    assert plans.count() == 9
    on_time = [p for p in plans if p.approved_on and p.approved_on < p.deadline]
    late = [p for p in plans if p.approved_on and p.approved_on >= p.deadline]
    drafts = [p for p in plans if p.status == ActionPlan.Status.DRAFT]
    assert len(on_time) >= 5 and len(late) >= 1 and len(drafts) >= 1
    aalborg = plans.get(council__municipality="Aalborg")
    assert aalborg.items.filter(focus_area__code="05.2").exists()  # Knock Knock
    assert plans.get(council__municipality="Læsø").items.filter(focus_area=None).exists()


def test_bo_trygt_stands_as_the_plan_says() -> None:
    status = dict(BoTrygtStatus.objects.values_list("municipality", "status"))
    assert status["Læsø"] == "not_relevant"
    assert status["Hjørring"] == "integrated"
    assert set(status) == set(ALL_MUNICIPALITIES)


def test_seeding_again_creates_nothing() -> None:
    assert seed_councils() == {"plans": 0, "councils": 0, "action plans": 0}


def test_the_deadline_is_1_february() -> None:
    assert ActionPlan(year=2027).deadline == dt.date(2027, 2, 1)


def test_the_tables_refuse_what_cannot_be() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Council.objects.create(kind="lokalraad", name="Endnu et lokalråd", municipality="Aalborg")
    with pytest.raises(IntegrityError), transaction.atomic():
        Council.objects.create(kind="lokalraad", name="Uden kommune", municipality="")
    council = Council.objects.get(municipality="Aalborg")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionPlan.objects.create(council=council, year=2026, status="approved")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionPlan.objects.create(council=council, year=2025)
    plan = CooperationPlan.objects.get(year=2025)
    with pytest.raises(IntegrityError), transaction.atomic():
        FocusArea.objects.create(plan=plan, code="05.1", title="Dublet")


def test_the_aalborg_and_hjoerring_lokalraad_have_a_secretary_in_samraad() -> None:
    for municipality, username in (
        ("Aalborg", "lokalraad.aalborg"),
        ("Hjørring", "lokalraad.hjoerring"),
    ):
        council = Council.objects.get(municipality=municipality)
        assert council.secretariat is not None
        assert council.members.filter(user__username=username).exists()
        membership = council.secretariat.memberships.get(user__username=username)
        assert membership.role == "statistics"  # aggregates only, never a case


# --- The handleplan's deadline reminds the lokalråd's secretariat ----------------------------


def test_the_handleplan_deadline_reminds_the_secretary_once_ahead_and_on_the_day(
    mailoutbox,
) -> None:
    import time_machine
    from django.utils import timezone

    from coordination import reminders, tasks
    from coordination.models import Notification, Reminder

    aalborg = Council.objects.get(municipality="Aalborg")
    plan = ActionPlan.objects.create(council=aalborg, year=2027)
    secretary = aalborg.secretariat.memberships.get().user
    secretary.email = "sekretaer@example.org"
    secretary.save(update_fields=["email"])
    zone = timezone.get_current_timezone()

    def scan(day: dt.date) -> list[Reminder]:
        before = set(Reminder.objects.values_list("pk", flat=True))
        with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=zone), tick=False):
            reminders.reminders_scan(enqueue=False)
        found = Reminder.objects.exclude(pk__in=before).filter(action_plan=plan)
        tasks.deliver_reminders(list(found.values_list("pk", flat=True)))
        return list(found)

    assert scan(dt.date(2027, 1, 10)) == []  # more than 14 days ahead
    (ahead,) = scan(dt.date(2027, 1, 18))
    assert ahead.kind == Reminder.Kind.ACTION_PLAN_DUE
    assert scan(dt.date(2027, 1, 19)) == []  # once
    (today,) = scan(dt.date(2027, 2, 1))
    assert today.kind == Reminder.Kind.ACTION_PLAN_DEADLINE
    assert scan(dt.date(2027, 2, 1)) == []
    notes = Notification.objects.filter(reminder__action_plan=plan)
    assert set(notes.values_list("user__username", flat=True)) == {"lokalraad.aalborg"}
    assert notes.count() == 2
    sent = [m for m in mailoutbox if "sekretaer@example.org" in m.to]
    assert len(sent) == 2 and all("Aalborg 2027" in m.subject for m in sent)


def test_an_approved_handleplan_is_not_reminded() -> None:
    import time_machine
    from django.utils import timezone

    from coordination import reminders
    from coordination.models import Reminder

    hjoerring = Council.objects.get(municipality="Hjørring")
    plan = ActionPlan.objects.create(
        council=hjoerring, year=2027, status="approved", approved_on=dt.date(2027, 1, 5)
    )
    moment = dt.datetime(2027, 1, 25, 9, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment, tick=False):
        reminders.reminders_scan(enqueue=False)
    assert not Reminder.objects.filter(action_plan=plan).exists()
