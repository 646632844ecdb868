"""Case conferences (sagsmøder) through HTTP, as the personas hold them: the Knock Knock
list meeting's agenda (cases due for review, added cases, nominations from the intake),
the discussion, the actions it decides and their review at the next meeting, emergency
meetings, and the minutes whose distribution is a disclosure per case and unit. Every
refusal and every read is checked in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership
from coordination import services
from coordination.models import (
    ALL_CATEGORIES,
    Action,
    AgendaItem,
    AuditEvent,
    Case,
    ConcernReport,
    Forum,
    Meeting,
    MinutesDistribution,
)
from tests.helpers import unit, user

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
INPUT_FORMAT = "%Y-%m-%dT%H:%M"
# Printing the minutes is a disclosure: to whom, on which basis, why.
PRINT_TO = {
    "recipient": "Skolelederen på Vestbyens Skole",
    "legal_basis": "RPL115_SSP",
    "justification": "Skolen skal følge op på aftalerne",
}
OUTSIDERS = ("ssp.hjoerring", "politi.efterforsk", "statistik")


def later(**delta: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


def local_input(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime(INPUT_FORMAT)


def kk_forum() -> Forum:
    return Forum.objects.get(name="Knock Knock Aalborg")


def prints_by(username: str):
    """The disclosures by print of `username` (the demo's own sharing is a disclosure too)."""
    return AuditEvent.objects.filter(
        actor__username=username, action="disclose", detail__channel="print"
    )


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def review_on(case: Case, day: dt.date) -> Case:
    Case.objects.filter(pk=case.pk).update(next_review_at=day)
    case.refresh_from_db()
    return case


@pytest.fixture
def meeting_time() -> dt.datetime:
    return later(days=2).replace(second=0, microsecond=0)


@pytest.fixture
def kk_case(open_case, meeting_time):
    """kk_case("Name", days=5, others=[...]) -> a Knock Knock case led by SSP Aalborg whose
    review falls `days` after the meeting's day."""

    def make(last_name: str, *, days: int = 5, others=("Forebyggelse Aalborg",), **kwargs):
        case = open_case(*KK, age=16, others=list(others), last_name=last_name, **kwargs)
        return review_on(case, timezone.localtime(meeting_time).date() + dt.timedelta(days=days))

    return make


def schedule(client: Client, when: dt.datetime, kind: str = "regular") -> Meeting:
    response = client.post(
        reverse("coordination:meeting_new"),
        {
            "forum": kk_forum().pk,
            "organiser_unit": unit("SSP Aalborg").pk,
            "starts_at": local_input(when),
            "kind": kind,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.order_by("-pk").first()
    assert meeting is not None
    assert response["Location"] == reverse("coordination:meeting_detail", args=[meeting.pk])
    return meeting


def item_of(meeting: Meeting, case: Case) -> AgendaItem:
    return AgendaItem.objects.get(meeting=meeting, case=case)


def discuss(client: Client, item: AgendaItem, decision: str = "Tilbyd fritidsjob") -> None:
    response = client.post(
        reverse("coordination:agenda_item", args=[item.pk]),
        {
            "picture": "Går ikke i skole",
            "assessment": "Risiko for rekruttering",
            "decision": decision,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def nomination(persona) -> ConcernReport:
    return services.concern_report_create(
        actor=persona("politi.forebyg"),
        forum=kk_forum(),
        received_by=unit("Forebyggelse Aalborg"),
        channel=ConcernReport.Channel.POLICE_DAILY_REPORT,
        urgency=ConcernReport.Urgency.AMBER,
        summary="Set sammen med kendte bandemedlemmer",
    )


# --- Scheduling and the agenda ------------------------------------------------------------


def test_regular_meeting_agenda_holds_due_cases_and_nominations(
    client_as, kk_case, open_case, meeting_time, nomination
) -> None:
    due = kk_case("Forfalden", days=10)
    not_due = kk_case("Senere", days=30)
    # Led by Familiegrupperne without SSP Aalborg: ssp.aalborg cannot see it.
    unseen = review_on(
        open_case("Knock Knock Aalborg", "fam.aalborg", "Familiegrupperne", age=16),
        timezone.localtime(meeting_time).date(),
    )
    ssp = client_as("ssp.aalborg")
    form = ssp.get(reverse("coordination:meeting_new"))
    assert form.status_code == 200
    meeting = schedule(ssp, meeting_time)

    on_agenda = set(meeting.items.values_list("case_id", flat=True))
    assert due.pk in on_agenda
    assert not_due.pk not in on_agenda and unseen.pk not in on_agenda
    assert item_of(meeting, due).origin == AgendaItem.Origin.REVIEW_DUE
    nominated = AgendaItem.objects.get(meeting=meeting, concern_report=nomination)
    assert nominated.origin == AgendaItem.Origin.NOMINATION
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="create", object_id=str(meeting.pk)
    ).exists()

    page = ssp.get(reverse("coordination:meeting_detail", args=[meeting.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert f"{due.reference}: {due.citizen.name}" in body
    assert reverse("coordination:agenda_item", args=[item_of(meeting, due).pk]) in body
    assert reverse("coordination:intake_screen", args=[nomination.pk]) in body
    assert nomination.reference in body
    assert reverse("coordination:meeting_add_case", args=[meeting.pk]) in body
    # The not-due case is offered in "add a case"; the unseen one nowhere.
    assert not_due.reference in body and unseen.reference not in body
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg",
        action="view",
        purpose="prevention:knock_knock",  # the purpose the user acts under
        case_id=due.pk,
        detail__view="meeting_detail",
    ).exists()


def test_a_screened_nomination_shows_its_decision(
    client_as, persona, meeting_time, nomination
) -> None:
    meeting = schedule(client_as("ssp.aalborg"), meeting_time)
    ConcernReport.objects.filter(pk=nomination.pk).update(
        decision=ConcernReport.Decision.ADVICE_ONLY, decided_at=timezone.now()
    )
    page = client_as("fam.aalborg").get(reverse("coordination:meeting_detail", args=[meeting.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="nomination-screened"' in body
    assert reverse("coordination:intake_screen", args=[nomination.pk]) not in body
    item = AgendaItem.objects.get(meeting=meeting, concern_report=nomination)
    redirect = client_as("ssp.aalborg").get(reverse("coordination:agenda_item", args=[item.pk]))
    assert redirect.status_code == 302
    assert redirect["Location"] == reverse("coordination:intake_screen", args=[nomination.pk])


def test_meeting_list_shows_meetings_without_personal_data(
    client_as, kk_case, meeting_time
) -> None:
    due = kk_case("Listesen", days=1)
    meeting = schedule(client_as("ssp.aalborg"), meeting_time)
    response = client_as("politi.forebyg").get(reverse("coordination:meeting_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert meeting in response.context["upcoming"]
    assert reverse("coordination:meeting_detail", args=[meeting.pk]) in body
    assert reverse("coordination:meeting_new") in body
    assert due.citizen.name not in body and due.reference not in body
    row = next(m for m in response.context["upcoming"] if m.pk == meeting.pk)
    assert row.item_count == meeting.items.count()
    assert AuditEvent.objects.filter(
        actor__username="politi.forebyg", action="list", detail__view="meeting_list"
    ).exists()


def test_schedule_bad_input_is_400_and_writes_nothing(client_as) -> None:
    before = Meeting.objects.count()
    response = client_as("ssp.aalborg").post(
        reverse("coordination:meeting_new"),
        {
            "forum": kk_forum().pk,
            "organiser_unit": unit("SSP Aalborg").pk,
            "starts_at": "i morgen",
            "kind": "weekly",
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"starts_at", "kind"}
    # A unit of the user that is not a member of the forum.
    psp = Forum.objects.get(name="PSP Aalborg")
    response = client_as("politi.forebyg").post(
        reverse("coordination:meeting_new"),
        {
            "forum": kk_forum().pk,
            "organiser_unit": unit("SSP Aalborg").pk,
            "starts_at": local_input(later(days=1)),
            "kind": "regular",
        },
    )
    assert response.status_code == 400 and "organiser_unit" in response.context["form"].errors
    assert psp.pk  # the forum exists; the unit is simply not one of the user's
    assert Meeting.objects.count() == before


def test_emergency_meeting_starts_with_an_empty_agenda(client_as, kk_case, nomination) -> None:
    due = kk_case("Akut", days=0)
    ssp = client_as("ssp.aalborg")
    meeting = schedule(ssp, later(hours=3), kind="emergency")
    assert meeting.kind == Meeting.Kind.EMERGENCY
    assert not meeting.items.exists()
    page = ssp.get(reverse("coordination:meeting_detail", args=[meeting.pk]))
    assert page.status_code == 200 and page.context["items"] == []
    # An emergency meeting's cases are added by hand.
    added = ssp.post(reverse("coordination:meeting_add_case", args=[meeting.pk]), {"case": due.pk})
    assert added.status_code == 302
    assert item_of(meeting, due).origin == AgendaItem.Origin.ADDED


def test_attendees_are_recorded(client_as, meeting_time) -> None:
    ssp = client_as("ssp.aalborg")
    meeting = schedule(ssp, meeting_time)
    url = reverse("coordination:meeting_attendees", args=[meeting.pk])
    form = ssp.get(url)
    assert form.status_code == 200
    people = [user("politi.forebyg").pk, user("fam.aalborg").pk]
    assert ssp.post(url, {"attendees": people}).status_code == 302
    assert set(meeting.attendees.values_list("pk", flat=True)) == set(people)
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="change", detail__change="attendees"
    ).exists()
    page = ssp.get(reverse("coordination:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Lars Nielsen" in page and "Camilla Jensen" in page
    # An outsider cannot be recorded as attending.
    bad = ssp.post(url, {"attendees": [user("ssp.hjoerring").pk]})
    assert bad.status_code == 400
    assert set(meeting.attendees.values_list("pk", flat=True)) == set(people)


def test_add_a_case_and_bad_input(client_as, kk_case, open_case, meeting_time) -> None:
    later_case = kk_case("Tilføjet", days=60)
    unseen = open_case("Knock Knock Aalborg", "fam.aalborg", "Familiegrupperne", age=16)
    ssp = client_as("ssp.aalborg")
    meeting = schedule(ssp, meeting_time)
    url = reverse("coordination:meeting_add_case", args=[meeting.pk])
    count = meeting.items.count()
    for bad in ({"case": "abc"}, {"case": unseen.pk}, {}, {"case": 2**70}):
        response = ssp.post(url, bad)
        assert response.status_code == 400, bad
        assert response.context["add_form"].errors
    assert meeting.items.count() == count
    assert ssp.get(url).status_code == 405
    assert ssp.post(url, {"case": later_case.pk}).status_code == 302
    item = item_of(meeting, later_case)
    assert item.origin == AgendaItem.Origin.ADDED and item.position == count + 1
    # Already on the agenda: refused.
    assert ssp.post(url, {"case": later_case.pk}).status_code == 400
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="change", case_id=later_case.pk
    ).exists()


# --- The discussion, its actions and their review at the next meeting ---------------------


def test_discussion_action_and_review_at_the_next_meeting(client_as, kk_case, meeting_time) -> None:
    due = kk_case("Drøftet", days=3, others=["Forebyggelse Aalborg", "Familiegrupperne"])
    ssp = client_as("ssp.aalborg")
    first = schedule(ssp, meeting_time)
    item = item_of(first, due)
    url = reverse("coordination:agenda_item", args=[item.pk])
    page = ssp.get(url)
    assert page.status_code == 200 and page.context["case"] == due
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="view", case_id=due.pk, detail__view="agenda_item"
    ).exists()

    discuss(ssp, item, decision="Politi tager bekymringssamtale med forældrene")
    item.refresh_from_db()
    assert item.picture == "Går ikke i skole" and item.assessment == "Risiko for rekruttering"
    assert item.decision.startswith("Politi tager") and item.discussed_by == user("ssp.aalborg")
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="change", case_id=due.pk, detail__change="discussion"
    ).exists()

    action_url = reverse("coordination:agenda_item_action", args=[item.pk])
    assert ssp.get(action_url).status_code == 200
    response = ssp.post(
        action_url,
        {
            "title": "Bekymringssamtale",
            "responsible": user("politi.forebyg").pk,
            "due_at": local_input(later(days=5)),
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(agenda_item=item)
    assert action.responsible == user("politi.forebyg") and action.case == due
    assert action.responsible_unit == unit("Forebyggelse Aalborg")
    here = ssp.get(url)
    assert [a.pk for a in here.context["decided_here"]] == [action.pk]
    assert here.context["previous"] == []

    # The next meeting: the case is due again and the action is up for review.
    second = schedule(ssp, meeting_time + dt.timedelta(days=7))
    next_item = item_of(second, due)
    review = client_as("politi.forebyg").get(
        reverse("coordination:agenda_item", args=[next_item.pk])
    )
    assert review.status_code == 200
    assert [a.pk for a in review.context["previous"]] == [action.pk]
    assert 'data-testid="previous-decisions"' in review.content.decode()
    assert "Bekymringssamtale" in review.content.decode()
    # Done actions are still reviewed.
    services.action_complete(actor=user("politi.forebyg"), action=action, note="Holdt")
    review = ssp.get(reverse("coordination:agenda_item", args=[next_item.pk]))
    assert [a.pk for a in review.context["previous"]] == [action.pk]
    assert review.context["open_actions"] == []


def test_discussion_bad_input_is_400(client_as, kk_case, meeting_time) -> None:
    due = kk_case("Tom", days=1)
    ssp = client_as("ssp.aalborg")
    item = item_of(schedule(ssp, meeting_time), due)
    response = ssp.post(reverse("coordination:agenda_item", args=[item.pk]), {"picture": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors
    item.refresh_from_db()
    assert item.discussed_at is None
    action_url = reverse("coordination:agenda_item_action", args=[item.pk])
    bad = ssp.post(
        action_url,
        {
            "title": "",
            "responsible": user("ssp.hjoerring").pk,
            "due_at": local_input(later(days=-2)),
        },
    )
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"title", "responsible", "due_at"}
    assert not Action.objects.filter(agenda_item=item).exists()


def test_informed_participant_reads_but_may_not_write(client_as, kk_case, meeting_time) -> None:
    due = kk_case("Informeret", days=1)
    services.participant_add(
        actor=user("ssp.aalborg"),
        case=due,
        unit=unit("Jobcenter Aalborg"),
        role="informed",
        legal_basis=due.forum.default_legal_basis,
        categories=ALL_CATEGORIES,
    )
    item = item_of(schedule(client_as("ssp.aalborg"), meeting_time), due)
    job = client_as("job.aalborg")
    url = reverse("coordination:agenda_item", args=[item.pk])
    page = job.get(url)
    assert page.status_code == 200
    assert 'name="decision"' not in page.content.decode()
    assert job.post(url, {"decision": "Noget"}).status_code == 403
    action_url = reverse("coordination:agenda_item_action", args=[item.pk])
    assert job.get(action_url).status_code == 403
    assert job.post(action_url, {"title": "x"}).status_code == 403
    item.refresh_from_db()
    assert item.discussed_at is None
    assert AuditEvent.objects.filter(
        actor__username="job.aalborg", outcome="denied", case_id=due.pk
    ).exists()


def test_member_without_a_working_role_may_not_manage(client_as, persona, meeting_time) -> None:
    account_services.membership_add(
        actor=None,
        user=persona("skole.aalborg"),
        unit=unit("Jobcenter Aalborg"),
        role=Membership.Role.READ_ONLY,
    )
    meeting = schedule(client_as("ssp.aalborg"), meeting_time)
    reader = client_as("skole.aalborg")
    assert reader.get(reverse("coordination:meeting_detail", args=[meeting.pk])).status_code == 200
    for name in ("meeting_attendees", "meeting_add_case", "meeting_minutes"):
        url = reverse(f"coordination:{name}", args=[meeting.pk])
        assert reader.post(url, {}).status_code == 403, name
    assert (
        reader.get(reverse("coordination:meeting_attendees", args=[meeting.pk])).status_code == 403
    )
    minutes = reader.get(reverse("coordination:meeting_minutes", args=[meeting.pk]))
    assert minutes.status_code == 200 and minutes.context["form"] is None
    # Printing is a disclosure: only those who may run the meeting print its minutes.
    printing = reverse("coordination:meeting_minutes_print", args=[meeting.pk])
    assert printing not in minutes.content.decode()
    assert reader.get(printing).status_code == 403
    assert reader.post(printing, PRINT_TO).status_code == 403
    assert not prints_by("skole.aalborg").exists()
    assert AuditEvent.objects.filter(
        actor__username="skole.aalborg", outcome="denied", detail__refused="manage"
    ).exists()


# --- Who sees what ------------------------------------------------------------------------


def test_a_user_sees_only_the_items_of_cases_they_take_part_in(
    client_as, kk_case, meeting_time
) -> None:
    shared = kk_case("Jobdelt", days=2, others=["Forebyggelse Aalborg", "Jobcenter Aalborg"])
    private = kk_case("Hemmeligsen", days=2, first_name="Hemmelig")
    ssp = client_as("ssp.aalborg")
    meeting = schedule(ssp, meeting_time)
    discuss(ssp, item_of(meeting, shared))
    discuss(ssp, item_of(meeting, private))

    job = client_as("job.aalborg")
    page = job.get(reverse("coordination:meeting_detail", args=[meeting.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    cases = [item.case_id for item in page.context["items"]]
    assert shared.pk in cases and private.pk not in cases
    assert shared.citizen.name in body
    assert private.citizen.name not in body and private.reference not in body
    assert page.context["hidden"] == meeting.items.count() - len(page.context["items"]) >= 1
    assert 'data-testid="hidden-items"' in body
    assert not AuditEvent.objects.filter(
        actor__username="job.aalborg", case_id=private.pk, outcome="ok"
    ).exists()

    minutes = job.get(reverse("coordination:meeting_minutes", args=[meeting.pk]))
    text = minutes.content.decode()
    assert minutes.status_code == 200
    assert [i.case_id for i in minutes.context["items"]] == [shared.pk]
    assert shared.citizen.name in text and "Tilbyd fritidsjob" in text
    assert private.citizen.name not in text
    assert (
        job.get(
            reverse("coordination:agenda_item", args=[item_of(meeting, private).pk])
        ).status_code
        == 404
    )
    assert AuditEvent.objects.filter(
        actor__username="job.aalborg", case_id=shared.pk, detail__view="meeting_minutes"
    ).exists()


def test_minutes_distribution_is_a_disclosure_per_case_and_taking_part_unit(
    client_as, kk_case, meeting_time
) -> None:
    with_family = kk_case("Familiesag", days=1, others=["Forebyggelse Aalborg", "Familiegrupperne"])
    without_family = kk_case("Politisag", days=1)
    undiscussed = kk_case("Udsat", days=1, others=["Forebyggelse Aalborg", "Familiegrupperne"])
    ssp = client_as("ssp.aalborg")
    meeting = schedule(ssp, meeting_time)
    discuss(ssp, item_of(meeting, with_family))
    discuss(ssp, item_of(meeting, without_family))

    url = reverse("coordination:meeting_minutes", args=[meeting.pk])
    page = ssp.get(url)
    assert page.status_code == 200 and page.context["form"] is not None
    assert "css/meetings.css" in page.content.decode()
    police, family = unit("Forebyggelse Aalborg"), unit("Familiegrupperne")
    response = ssp.post(url, {"units": [police.pk, family.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == url
    shown = [str(m) for m in response.context["messages"]]
    assert any("3" in m for m in shown), shown
    assert set(
        MinutesDistribution.objects.filter(meeting=meeting).values_list("unit_id", flat=True)
    ) == {police.pk, family.pk}

    disclosures = AuditEvent.objects.filter(
        action="disclose", actor__username="ssp.aalborg", detail__meeting=meeting.pk
    )
    by_case = {event.case_id: event for event in disclosures}
    assert by_case[with_family.pk].detail["recipients"] == sorted([police.pk, family.pk])
    assert by_case[without_family.pk].detail["recipients"] == [police.pk]
    assert family.pk not in by_case[without_family.pk].detail["recipients"]
    assert undiscussed.pk not in by_case
    assert by_case[with_family.pk].purpose == "minutes"
    assert by_case[with_family.pk].citizen_id == with_family.citizen_id

    listing = ssp.get(url).content.decode()
    assert 'data-testid="distributions"' in listing and "Familiegrupperne" in listing
    # Units outside the forum cannot be chosen.
    bad = ssp.post(url, {"units": [unit("SSP Hjørring").pk]})
    assert bad.status_code == 400
    assert MinutesDistribution.objects.filter(meeting=meeting).count() == 2


# --- Printing the minutes: a disclosure -----------------------------------------------------


def test_printing_the_minutes_asks_for_the_recipient_and_logs_a_disclosure_per_case(
    client_as, kk_case, meeting_time
) -> None:
    shared = kk_case("Jobdelt", days=2, others=["Forebyggelse Aalborg", "Jobcenter Aalborg"])
    private = kk_case("Hemmeligsen", days=2, first_name="Hemmelig")
    undiscussed = kk_case("Udsat", days=2, others=["Forebyggelse Aalborg", "Jobcenter Aalborg"])
    ssp = client_as("ssp.aalborg")
    meeting = schedule(ssp, meeting_time)
    discuss(ssp, item_of(meeting, shared))
    discuss(ssp, item_of(meeting, private))
    minutes = reverse("coordination:meeting_minutes", args=[meeting.pk])
    url = reverse("coordination:meeting_minutes_print", args=[meeting.pk])
    assert url in ssp.get(minutes).content.decode()  # the Print button

    # The form: no personal data, audited as a look at the meeting.
    job = client_as("job.aalborg")
    form = job.get(url)
    assert form.status_code == 200
    assert 'data-testid="minutes-print-form"' in form.content.decode()
    assert shared.citizen.name not in form.content.decode()
    assert AuditEvent.objects.filter(
        actor__username="job.aalborg", detail__view="meeting_minutes_print", action="view"
    ).exists()

    # Without the three answers: 400 with the field errors, nothing disclosed.
    for missing in ("recipient", "legal_basis", "justification"):
        response = job.post(url, {**PRINT_TO, missing: ""})
        assert response.status_code == 400, missing
        assert missing in response.context["form"].errors, missing
        assert f'id="id_{missing}-error"' in response.content.decode()
    assert job.post(url, {**PRINT_TO, "legal_basis": "GDPR15"}).status_code == 400
    cpr = shared.citizen.full_cpr()
    named = job.post(url, {**PRINT_TO, "justification": f"Om {cpr[:6]}-{cpr[6:]}"})
    assert named.status_code == 400 and "justification" in named.context["form"].errors
    assert not prints_by("job.aalborg").exists()

    # With them: the print layout, what the user may read, one disclosure per case shown.
    printed = job.post(url, PRINT_TO)
    assert printed.status_code == 200
    page = printed.content.decode()
    assert 'data-testid="minutes-print"' in page
    assert 'class="navigation-menu' not in page and "<form" not in page  # no menu, no forms
    assert 'style="' not in page and "<script>" not in page  # CSP: nothing inline
    assert "css/print.css" in page
    assert [i.case_id for i in printed.context["items"]] == [shared.pk]
    assert shared.citizen.name in page and "Tilbyd fritidsjob" in page
    assert private.citizen.name not in page and private.reference not in page
    assert PRINT_TO["recipient"] in page  # the copy says to whom it went
    disclosed = prints_by("job.aalborg")
    assert [(e.case_id, e.citizen_id) for e in disclosed] == [(shared.pk, shared.citizen_id)]
    event = disclosed.get()
    assert event.purpose == "minutes" and event.legal_basis == "RPL115_SSP"
    assert event.object_type == "coordination.agendaitem"
    assert event.detail["channel"] == "print"
    assert event.detail["recipient"] == PRINT_TO["recipient"]
    assert event.detail["meeting"] == meeting.pk
    assert cpr not in str(event.detail) and "Tilbyd fritidsjob" not in str(event.detail)
    assert undiscussed.pk not in {e.case_id for e in disclosed}

    # The lead prints both discussed cases: two disclosures.
    assert ssp.post(url, PRINT_TO).status_code == 200
    by_lead = prints_by("ssp.aalborg")
    assert {e.case_id for e in by_lead} == {shared.pk, private.pk}


def test_printing_minutes_with_nothing_discussed_is_still_logged(
    client_as, kk_case, meeting_time
) -> None:
    kk_case("Udsat", days=1)
    ssp = client_as("ssp.aalborg")
    meeting = schedule(ssp, meeting_time)
    response = ssp.post(reverse("coordination:meeting_minutes_print", args=[meeting.pk]), PRINT_TO)
    assert response.status_code == 200 and response.context["items"] == []
    event = prints_by("ssp.aalborg").get()
    assert event.object_type == "coordination.meeting" and event.object_id == str(meeting.pk)
    assert event.citizen_id is None and event.detail["recipient"] == PRINT_TO["recipient"]


# --- Denials --------------------------------------------------------------------------------


def _meeting_urls(meeting: Meeting, item: AgendaItem) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("coordination:meeting_detail", args=[meeting.pk]), {}),
        ("get", reverse("coordination:meeting_attendees", args=[meeting.pk]), {}),
        ("post", reverse("coordination:meeting_attendees", args=[meeting.pk]), {"attendees": []}),
        ("post", reverse("coordination:meeting_add_case", args=[meeting.pk]), {"case": 1}),
        ("get", reverse("coordination:meeting_minutes", args=[meeting.pk]), {}),
        ("post", reverse("coordination:meeting_minutes", args=[meeting.pk]), {"units": []}),
        ("get", reverse("coordination:meeting_minutes_print", args=[meeting.pk]), {}),
        ("post", reverse("coordination:meeting_minutes_print", args=[meeting.pk]), PRINT_TO),
        ("get", reverse("coordination:agenda_item", args=[item.pk]), {}),
        ("post", reverse("coordination:agenda_item", args=[item.pk]), {"decision": "x"}),
        ("get", reverse("coordination:agenda_item_action", args=[item.pk]), {}),
        ("post", reverse("coordination:agenda_item_action", args=[item.pk]), {"title": "x"}),
    ]


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_meeting_url(
    client_as, kk_case, meeting_time, outsider: str
) -> None:
    due = kk_case("Udenfor", days=1)
    meeting = schedule(client_as("ssp.aalborg"), meeting_time)
    item = item_of(meeting, due)
    client = client_as(outsider)
    for method, url, data in _meeting_urls(meeting, item):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
    listing = client.get(reverse("coordination:meeting_list"))
    assert listing.status_code == 200
    assert meeting not in listing.context["upcoming"]
    assert due.citizen.name not in listing.content.decode()
    assert AuditEvent.objects.filter(
        actor__username=outsider, outcome="denied", detail__object_id=str(meeting.pk)
    ).exists()
    item.refresh_from_db()
    assert item.discussed_at is None
    assert not MinutesDistribution.objects.filter(meeting=meeting).exists()
    assert not prints_by(outsider).exists()


@pytest.mark.parametrize("username", ["politi.efterforsk", "statistik"])
def test_users_without_a_working_forum_may_not_schedule(client_as, username: str) -> None:
    client = client_as(username)
    assert client.get(reverse("coordination:meeting_new")).status_code == 403
    data = {"forum": kk_forum().pk, "organiser_unit": unit("SSP Aalborg").pk, "kind": "regular"}
    assert client.post(reverse("coordination:meeting_new"), data).status_code == 403
    listing = client.get(reverse("coordination:meeting_list"))
    assert listing.context["upcoming"] == [] and listing.context["past"] == []
    assert reverse("coordination:meeting_new") not in listing.content.decode()


def test_anonymous_users_go_to_login(client_as, kk_case, meeting_time) -> None:
    due = kk_case("Anonym", days=1)
    meeting = schedule(client_as("ssp.aalborg"), meeting_time)
    anonymous = Client()
    assert_login_redirect(anonymous.get(reverse("coordination:meeting_list")))
    assert_login_redirect(anonymous.get(reverse("coordination:meeting_new")))
    for method, url, data in _meeting_urls(meeting, item_of(meeting, due)):
        assert_login_redirect(getattr(anonymous, method)(url, data))


# --- Query counts -----------------------------------------------------------------------------


def _detail_queries(client: Client, meeting: Meeting) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("coordination:meeting_detail", args=[meeting.pk]))
    assert response.status_code == 200
    return len(captured)


def test_meeting_detail_query_count_is_constant(client_as, persona, open_case) -> None:
    ssp = persona("ssp.aalborg")
    meetings = []
    for size in (3, 15):
        meeting = services.meeting_schedule(
            actor=ssp,
            forum=kk_forum(),
            organiser_unit=unit("SSP Aalborg"),
            starts_at=later(days=1),
            kind=Meeting.Kind.EMERGENCY,
        )
        for n in range(size):
            case = open_case(*KK, age=16, others=["Forebyggelse Aalborg"], last_name=f"Q{n}")
            services.meeting_add_case(actor=ssp, meeting=meeting, case=case)
            if n % 2:
                item = item_of(meeting, case)
                item.case = case
                services.agenda_item_record(
                    actor=ssp, item=item, picture="p", assessment="a", decision="d"
                )
        meetings.append(meeting)
    client = client_as("ssp.aalborg")
    _detail_queries(client, meetings[0])  # warm the session and caches
    assert _detail_queries(client, meetings[0]) == _detail_queries(client, meetings[1])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("coordination:meeting_minutes", args=[meetings[0].pk]))
    small = len(captured)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("coordination:meeting_minutes", args=[meetings[1].pk]))
    assert len(captured) == small
    printed = []
    for meeting in meetings:
        url = reverse("coordination:meeting_minutes_print", args=[meeting.pk])
        with CaptureQueriesContext(connection) as captured:
            assert client.post(url, PRINT_TO).status_code == 200
        printed.append(len(captured))
    assert printed[0] == printed[1]
