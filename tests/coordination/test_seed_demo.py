"""`manage.py seed_demo`: the North Jutland demo data of docs/demo-data.md.

Works on an empty test database and on one the session has already seeded (the command is
idempotent), so it makes no assumption about which of the two it gets.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Model
from django.utils import timezone

from accounts.models import Membership, Organisation, Unit, User
from coordination import access, cpr, demo, reminders, workflows
from coordination.models import (
    Action,
    AgendaItem,
    AuditEvent,
    Case,
    CaseParticipant,
    Citizen,
    ConcernReport,
    Contact,
    Entry,
    Forum,
    Incident,
    Meeting,
    MinutesDistribution,
    Offer,
    OutcomeSnapshot,
    Referral,
    RelatedPerson,
    Reminder,
)
from tests.helpers import PERSONAS, user

pytestmark = pytest.mark.django_db

# The personas (tests.helpers.PERSONAS) are part of the product's contract (docs/demo-data.md):
# spelled out there, not imported from the seed.
# Who works on cases (the statistics personas, the auditor and the administrator do not).
PRACTITIONERS = set(PERSONAS) - {
    "politi.efterforsk",
    "statistik",
    "lokalraad.aalborg",
    "lokalraad.hjoerring",
    "revisor",
    "admin",
}
COUNTED: tuple[type[Model], ...] = (
    Organisation, Unit, Forum, User, Membership, Citizen, RelatedPerson, Case,
    CaseParticipant, Contact, Entry, AuditEvent, Action, ConcernReport, Meeting, AgendaItem,
    MinutesDistribution, Offer, Referral, Incident, OutcomeSnapshot,
)  # fmt: skip
KK, PSP = "Knock Knock Aalborg", "PSP Aalborg"


def seed(*args: str, **options: object) -> None:
    call_command("seed_demo", "--force", *args, verbosity=0, **options)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_personas_exist_with_exactly_the_contract_usernames() -> None:
    seed()
    assert set(User.objects.values_list("username", flat=True)) == set(PERSONAS)
    admin = user("admin")
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.exclude(username="admin").filter(is_staff=True).exists()
    roles = {m.user.username: (m.unit.name, m.role) for m in Membership.objects.all()}
    assert roles["statistik"][1] == Membership.Role.STATISTICS
    assert roles["revisor"][1] == Membership.Role.AUDITOR
    assert roles["admin"][1] == Membership.Role.ADMIN
    assert roles["politi.forebyg"] == ("Forebyggelse Aalborg", Membership.Role.COORDINATOR)
    assert list(user("politi.efterforsk").memberships.values_list("unit__name", flat=True)) == [
        "Efterforskning"
    ]
    assert all(u.first_name and u.last_name for u in User.objects.all())


def test_personas_log_in_with_the_demo_password(settings) -> None:
    seed()
    password = settings.DEMO_PASSWORD or "samraad-demo-2026"
    assert all(u.check_password(password) for u in User.objects.filter(username__in=PERSONAS))


def test_second_run_changes_nothing() -> None:
    seed()
    before = counts()
    passwords = dict(User.objects.values_list("username", "password"))
    seed()
    assert counts() == before
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert before["Citizen"] >= 55 and before["Case"] >= before["Citizen"]


def test_refuses_without_debug_and_without_force(settings) -> None:
    settings.DEBUG = False
    before = counts()
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", verbosity=0)
    assert counts() == before


def test_runs_with_force_when_debug_is_off(settings) -> None:
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)
    assert Citizen.objects.count() >= 55


def test_runs_without_force_when_debug_is_on(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    assert Case.objects.filter(forum__name="Knock Knock Aalborg").exists()


def test_no_raw_cpr_digits_are_stored() -> None:
    seed()
    citizens = list(Citizen.objects.all())
    assert citizens
    for citizen in citizens:
        digits = citizen.full_cpr()
        assert digits not in citizen.cpr_encrypted
        assert digits not in citizen.cpr_index
        assert digits[:6] not in citizen.cpr_encrypted


def test_demo_cpr_numbers_follow_the_documented_rule() -> None:
    seed()
    demo_citizens = [c for c in Citizen.objects.all() if c.full_cpr()[6:8] == "99"]
    assert len(demo_citizens) == len(demo.citizen_specs()) + len(demo.STORY_CITIZENS)
    for citizen in demo_citizens:
        digits = citizen.full_cpr()
        assert cpr.normalise(digits) == digits
        assert cpr.birth_date(digits) == citizen.birth_date
        assert 9900 <= int(digits[6:]) <= 9999


def test_citizens_fit_the_age_bands_and_tracks_as_of_today() -> None:
    seed()
    today = timezone.localdate()
    demo_forums = set(demo.FORUM_LEADS)
    for case in Case.objects.filter(forum__name__in=demo_forums).select_related("forum", "citizen"):
        age = case.citizen.age_on(today)
        assert case.forum.age_in_band(age), (case.forum.name, age)
        assert not case.age_override_reason
        if case.forum.name == "PSP Aalborg":
            assert 20 <= age <= 60
        if case.forum.effort_type == "knock_knock":
            assert case.track == ("15-17" if age < 18 else "18-25")
    tracks = set(
        Case.objects.filter(forum__name="Knock Knock Aalborg").values_list("track", flat=True)
    )
    assert {"15-17", "18-25"} <= tracks
    assert RelatedPerson.objects.filter(has_custody=True).exists()


def test_forums_have_the_documented_members() -> None:
    seed()

    def members(name: str) -> set[str]:
        return set(Forum.objects.get(name=name).member_units.values_list("name", flat=True))

    assert members("PSP Aalborg") == {
        "Forebyggelse Aalborg", "Socialforvaltningen Aalborg", "Almenpsykiatrisk Afdeling Syd"
    }  # fmt: skip
    assert members("Knock Knock Aalborg") == {
        "SSP Aalborg", "Familiegrupperne", "Jobcenter Aalborg", "Forebyggelse Aalborg"
    }  # fmt: skip
    assert "Skoler Aalborg" in members("SSP Aalborg")
    assert "Socialforvaltningen Læsø" in members("PSP Frederikshavn og Læsø")
    assert "Efterforskning" not in members("KSP Nordjylland")
    exit_forum = Forum.objects.get(name="Exit Nordjylland")
    assert exit_forum.consent_required and exit_forum.default_legal_basis == "CONSENT"
    assert not Forum.objects.filter(member_units__unit_type=Unit.Type.POLICE_INVESTIGATION)


def test_outsiders_and_investigators_see_no_aalborg_cases() -> None:
    seed()
    kk = Case.objects.filter(forum__name="Knock Knock Aalborg")
    assert not access.cases_for(user("ssp.hjoerring")).filter(pk__in=kk).exists()
    assert access.cases_for(user("ssp.aalborg")).filter(pk__in=kk).exists()
    assert not access.cases_for(user("politi.efterforsk")).exists()
    for username in ("statistik", "revisor", "admin"):
        assert not access.cases_for(user(username)).exists(), username


def test_every_practitioner_sees_demo_cases() -> None:
    seed()
    for username in PRACTITIONERS:
        assert access.cases_for(user(username)).exists(), username
    school_forums = set(
        access.cases_for(user("skole.aalborg")).values_list("forum__name", flat=True)
    )
    assert school_forums == {"SSP Aalborg"}


def test_entries_are_justified_and_health_stays_in_psp() -> None:
    seed()
    assert not Entry.objects.filter(justification="").exists()
    assert Entry.objects.filter(audience_all=False).exists()
    health = Entry.objects.filter(category="health")
    assert health.exists()
    assert set(health.values_list("case__forum__effort_type", "legal_basis")) == {
        ("psp", "RPL115_PSP")
    }
    assert set(health.values_list("author__username", flat=True)) == {"psyk.syd"}
    assert not Contact.objects.filter(occurred_at__gt=timezone.now()).exists()
    # Knock Knock: knock visits by the SSP worker (and parent contacts, in the story).
    assert (
        Contact.objects.filter(case__forum__name=KK)
        .exclude(kind="knock_visit", logged_by__username="ssp.aalborg")
        .exclude(kind="parent_contact", related_person__isnull=False)
        .count()
        == 0
    )


def test_a_later_year_recognises_the_citizens_already_seeded() -> None:
    time_machine = pytest.importorskip("time_machine")
    seed()
    before = counts()
    next_year = dt.datetime(timezone.localdate().year + 1, 3, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(next_year, tick=False):
        seed()
    assert counts() == before


def test_output_names_the_url_the_personas_and_the_password(settings) -> None:
    out = StringIO()
    call_command("seed_demo", "--force", verbosity=1, stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    assert all(username in text for username in PERSONAS)
    assert (settings.DEMO_PASSWORD or "samraad-demo-2026") in text


def test_citizen_specs_are_deterministic() -> None:
    first, second = demo.citizen_specs(), demo.citizen_specs()
    assert first == second
    assert len({spec.cpr(2026) for spec in first}) == len(first)
    assert all(spec.male == (int(spec.cpr(2026)[-1]) % 2 == 1) for spec in first)
    story = demo.STORY_CITIZENS
    assert len(first) <= demo.STORY_FIRST_INDEX <= min(spec.index for spec in story)
    assert max(spec.index for spec in story) <= 99
    assert len({spec.cpr(2026) for spec in first + list(story)}) == len(first) + len(story)
    assert all(spec.male == (int(spec.cpr(2026)[-1]) % 2 == 1) for spec in story)


# --- The workflow story in Aalborg (issue 8) ----------------------------------------------


def story_case(spec: demo.CitizenSpec) -> Case:
    return Case.objects.select_related("forum", "citizen").get(
        citizen__first_name=spec.first_name, citizen__last_name=spec.last_name
    )


def by_kind(model: type[Model], forum: str, field: str = "kind") -> dict[str, int]:
    counted: dict[str, int] = {}
    for value in model._default_manager.filter(case__forum__name=forum).values_list(
        field, flat=True
    ):
        counted[value] = counted.get(value, 0) + 1
    return counted


def test_knock_knock_aalborg_has_every_workflow_object() -> None:
    seed()
    concerns = ConcernReport.objects.filter(forum__name=KK)
    assert concerns.count() == 4
    nominations = concerns.filter(channel="police_daily_report")
    assert set(nominations.values_list("recorded_by__username", "received_by__name")) == {
        ("politi.forebyg", "Forebyggelse Aalborg")
    }
    assert nominations.count() == 3
    assert nominations.filter(decision="").count() == 1
    accepted = nominations.filter(decision="open_case")
    assert set(accepted.values_list("decided_by__username", flat=True)) == {"ssp.aalborg"}
    assert set(accepted.values_list("case__track", flat=True)) == {"15-17"}
    anonymous = concerns.get(citizen__isnull=True)
    assert (anonymous.channel, anonymous.decision) == ("school", "")
    assert anonymous.agenda_items.exists()  # being discussed, not screened

    engaged = story_case(demo.KK_ENGAGED)
    assert engaged.stage == "engaged" and engaged.track == "15-17"
    assert engaged.participants.get(role="lead").unit.name == "SSP Aalborg"
    assert engaged.citizen.related_persons.filter(has_custody=True).exists()
    visits = list(engaged.contacts.filter(kind="knock_visit").order_by("occurred_at"))
    assert [v.result for v in visits] == ["not_home", "conversation_held"]
    assert {(v.logged_by.username, v.partner.username) for v in visits if v.partner} == {
        ("ssp.aalborg", "politi.forebyg")
    }
    assert len([v for v in visits if v.partner]) == 2
    assert engaged.contacts.filter(kind="parent_contact", related_person__isnull=False).exists()
    assert set(engaged.offers.values_list("kind", "status")) == {
        ("club", "accepted"),
        ("leisure_job", "made"),
    }

    outreach = story_case(demo.KK_OUTREACH)
    assert (outreach.track, outreach.stage) == ("18-25", "outreach")
    job_offer = outreach.offers.get()
    assert (job_offer.kind, job_offer.status, job_offer.made_by.username) == (
        "jobcenter_meeting",
        "accepted",
        "job.aalborg",
    )
    assert job_offer.unit.name == "Jobcenter Aalborg"
    assert story_case(demo.KK_NOMINATED).stage == "nominated"
    assert by_kind(Offer, KK) == {"club": 1, "leisure_job": 1, "jobcenter_meeting": 1}


def test_knock_knock_meetings_last_week_and_next() -> None:
    seed()
    now = timezone.now()
    held, upcoming = (
        Meeting.objects.filter(forum__name=KK, held_at__isnull=False).get(),
        Meeting.objects.filter(forum__name=KK, held_at__isnull=True).get(),
    )
    assert held.kind == "regular"
    assert dt.timedelta(days=6) < now - held.starts_at < dt.timedelta(days=8)
    assert held.attendees.count() == 4
    discussed = held.items.filter(discussed_at__isnull=False)
    assert discussed.count() == 2 and all(item.decision for item in discussed)
    actions = Action.objects.filter(agenda_item__meeting=held)
    assert set(actions.values_list("responsible__username", flat=True)) == {
        "politi.forebyg",
        "ssp.aalborg",
    }
    assert all(abs(a.due_at - now) < dt.timedelta(days=1) for a in actions)
    assert set(held.distributions.values_list("unit__name", flat=True)) == set(
        Forum.objects.get(name=KK).member_units.values_list("name", flat=True)
    )
    assert dt.timedelta(days=1) < upcoming.starts_at - now < dt.timedelta(days=4)
    unscreened = ConcernReport.objects.get(forum__name=KK, decision="", citizen__isnull=False)
    assert upcoming.items.filter(concern_report=unscreened, origin="nomination").exists()
    discussed_cases = set(discussed.values_list("case", flat=True))
    assert set(upcoming.items.filter(case__isnull=False).values_list("case", flat=True)) == (
        discussed_cases
    )


def test_psp_aalborg_has_every_workflow_object() -> None:
    seed()
    case = story_case(demo.PSP_FOLLOW_UP)
    assert case.forum.name == PSP and case.stage == "follow_up"
    assert case.participants.get(role="lead").unit.name == "Forebyggelse Aalborg"
    assert set(case.participants.values_list("unit__name", flat=True)) == {
        "Forebyggelse Aalborg", "Almenpsykiatrisk Afdeling Syd", "Socialforvaltningen Aalborg"
    }  # fmt: skip
    opened = timezone.localdate(case.opened_at)
    today = timezone.localdate()
    assert workflows.add_months(today, -7) < opened < workflows.add_months(today, -6)
    before = case.incidents.filter(occurred_on__lt=opened)
    after = case.incidents.filter(occurred_on__gte=opened)
    assert {"forced_admission_police", "forced_admission"} <= set(
        before.values_list("kind", flat=True)
    )
    assert before.filter(occurred_on__lt=workflows.add_months(opened, -1)).exists()
    assert after.filter(kind="new_charge").exists()
    uses = ("use_of_force",)
    assert before.filter(kind__in=uses).count() > after.filter(kind__in=uses).count()
    bostoette = case.referrals.get(to_service="Bostøtte")
    assert bostoette.status == "started" and bostoette.feedback
    assert bostoette.from_unit.name == "Socialforvaltningen Aalborg"
    assert case.referrals.filter(to_unit__isnull=False).exists()
    assert list(case.outcomes.values_list("milestone", flat=True)) == [3]
    assert workflows.outcome_due_on(opened, 6) <= today
    concern = ConcernReport.objects.get(forum__name=PSP)
    assert (concern.channel, concern.decision, concern.case_id) == (
        "psychiatry",
        "add_to_existing",
        case.pk,
    )
    assert concern.feedback_given_at is not None
    meeting = Meeting.objects.get(forum__name=PSP)
    assert meeting.held_at is not None and meeting.items.get(case=case).decision
    assert by_kind(Incident, PSP) == {
        "forced_admission_police": 1, "use_of_force": 1, "forced_admission": 1, "new_charge": 1
    }  # fmt: skip
    assert by_kind(Referral, PSP, "status") == {"started": 1, "accepted": 1}
    assert by_kind(OutcomeSnapshot, PSP, "milestone") == {3: 1}
    assert not Incident.objects.exclude(case__forum__name=PSP).exists()


def test_the_story_keeps_to_the_clock() -> None:
    seed()
    now = timezone.now()
    for model, field in (
        (ConcernReport, "received_at"),
        (ConcernReport, "decided_at"),
        (ConcernReport, "feedback_given_at"),
        (Meeting, "held_at"),
        (AgendaItem, "discussed_at"),
        (MinutesDistribution, "sent_at"),
        (Offer, "made_at"),
        (Referral, "updated_at"),
        (OutcomeSnapshot, "recorded_at"),
        (Contact, "occurred_at"),
    ):
        assert not model._default_manager.filter(**{f"{field}__gt": now}).exists(), field
    assert not Incident.objects.filter(occurred_on__gt=timezone.localdate()).exists()
    for report in ConcernReport.objects.exclude(decision=""):
        assert report.received_at < report.decided_at
    for case in Case.objects.filter(concern_reports__decision="open_case"):
        assert case.opened_at == case.concern_reports.get().decided_at


def test_a_second_seed_adds_no_workflow_objects() -> None:
    seed()
    before = counts()
    events = AuditEvent.objects.count()
    seed()
    assert counts() == before
    assert AuditEvent.objects.count() == events
    assert before["ConcernReport"] == 5 and before["Meeting"] == 3


def test_personas_see_the_knock_knock_meeting_as_they_should() -> None:
    seed()
    held = Meeting.objects.get(forum__name=KK, held_at__isnull=False)
    ssp, outsider = user("ssp.aalborg"), user("ssp.hjoerring")
    assert set(access.agenda_items_for(ssp, held)) == set(held.items.all())
    assert access.meetings_for(ssp).filter(forum__name=KK).count() == 2
    assert not access.meetings_for(outsider).filter(forum__name__in=[KK, PSP]).exists()
    assert not access.agenda_items_for(outsider, held).exists()
    assert not access.concern_reports_for(outsider).filter(forum__name__in=[KK, PSP]).exists()
    assert not access.meetings_for(user("politi.efterforsk")).exists()
    # Psychiatry takes part in PSP, not in Knock Knock.
    assert not access.meetings_for(user("psyk.syd")).filter(forum__name=KK).exists()
    assert access.meetings_for(user("psyk.syd")).filter(forum__name=PSP).exists()
    psp_case = story_case(demo.PSP_FOLLOW_UP)
    assert not access.incidents_for(user("ssp.hjoerring"), psp_case).exists()
    assert access.incidents_for(user("politi.forebyg"), psp_case).count() == 4


def test_the_first_reminder_scan_after_seeding_fires_the_workflow_reminders() -> None:
    seed()
    assert reminders.reminders_scan(enqueue=False) > 0
    unscreened = ConcernReport.objects.get(forum__name=KK, decision="", citizen__isnull=False)
    screening = Reminder.objects.get(kind=Reminder.Kind.CONCERN_SCREENING)
    assert screening.concern_report == unscreened
    assert screening.recipient_unit.name == "Forebyggelse Aalborg"
    psp_case = story_case(demo.PSP_FOLLOW_UP)
    outcome = Reminder.objects.get(kind=Reminder.Kind.OUTCOME_DUE)
    assert outcome.case == psp_case
    assert timezone.localdate(outcome.deadline) == workflows.outcome_due_on(
        timezone.localdate(psp_case.opened_at), 6
    )
    meeting_actions = Action.objects.filter(agenda_item__meeting__forum__name=KK)
    assert set(
        Reminder.objects.filter(action__in=meeting_actions).values_list("kind", flat=True)
    ) == {Reminder.Kind.ACTION_DUE, Reminder.Kind.ACTION_DUE_SOON}
