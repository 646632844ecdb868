"""The leaks a review of the sharing rules found (issue 14), each reproduced on the demo's
organisations and shown closed: free text outside entries, late joiners, a person in two
roles, consent by age, Exit without consent, and referrals and FVL28 on the wrong basis.
(Registry look-ups: tests/coordination/test_registry.py; print and export:
tests/coordination/test_disclosures.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership
from coordination import access, services
from coordination.models import (
    ALL_CATEGORIES,
    AuditEvent,
    Case,
    ConcernReport,
    Consent,
    Contact,
    Notification,
    Reminder,
)
from tests.conftest import fresh_cpr
from tests.helpers import forum, token_client, unit, user

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
PSP = ("PSP Aalborg", "politi.forebyg", "Forebyggelse Aalborg")
EXIT = ("Exit Nordjylland", "politi.forebyg", "Forebyggelse Aalborg")


def page(username: str, case: Case) -> str:
    client = Client()
    client.force_login(user(username))
    return client.get(reverse("coordination:case_detail", args=[case.pk])).content.decode()


def api(username: str, case: Case, path: str) -> str:
    return token_client(username).get(f"/api/v1/cases/{case.pk}/{path}/").content.decode()


@pytest.fixture
def kk18(open_case) -> Case:
    """Knock Knock 18-25: SSP leads; the police and the jobcenter take part."""
    case: Case = open_case(
        *KK, age=20, track="18-25", others=["Forebyggelse Aalborg", "Jobcenter Aalborg"]
    )
    return case


# --- Free text outside entries ---------------------------------------------------------------


def test_a_contacts_note_about_a_charge_does_not_reach_the_jobcenter(kk18: Case) -> None:
    """The leak: a contact's note reached every participant, whatever it said."""
    note = "Sigtet for vold i weekenden; kammeraterne fra gruppen var med"
    services.contact_log(
        actor=user("politi.forebyg"),
        case=kk18,
        kind="street",
        result="conversation_held",
        occurred_at=timezone.now(),
        note=note,
        category="police",
    )
    assert note in page("ssp.aalborg", kk18)
    # The jobcenter receives police information only when named (sharing-rules.md 3).
    assert note not in page("job.aalborg", kk18)
    assert note not in api("job.aalborg", kk18, "contacts")
    assert not access.contacts_for(user("job.aalborg"), kk18).exists()


def test_the_free_text_of_every_kind_is_governed(kk18: Case) -> None:
    """Offer, referral, outcome and action texts, each of a category the jobcenter does not
    receive by default: hidden from it, shown to SSP."""
    police = user("politi.forebyg")
    texts = {
        "offer": services.offer_make(
            actor=police, case=kk18, kind="mentor", note="Mentor efter varetægt", category="police"
        ).note,
        "referral": services.referral_send(
            actor=police,
            case=kk18,
            to_unit=unit("SSP Aalborg"),
            purpose="Misbrugsbehandling efter indlæggelse",
            category="health",
        ).purpose,
        "outcome": services.outcome_record(
            actor=police,
            case=kk18,
            milestone=3,
            education="none",
            job="none",
            housing="unstable",
            new_police_contact=True,
            note="Anholdt to gange siden sidst",
            category="police",
        ).note,
        "action": services.action_create(
            actor=police,
            case=kk18,
            title="Følg op på sigtelsen for røveri",
            responsible=police,
            due_at=timezone.now() + dt.timedelta(days=3),
            category="police",
        ).title,
    }
    ssp, job = page("ssp.aalborg", kk18), page("job.aalborg", kk18)
    for kind, text in texts.items():
        assert text in ssp, kind
        assert text not in job, kind
    assert "Følg op på sigtelsen" not in api("job.aalborg", kk18, "actions")


def test_a_meeting_discussion_follows_its_category(kk18: Case) -> None:
    """The leak: an agenda item's picture, assessment and decision reached every viewer of
    the case, through the meeting pages and the minutes."""
    ssp = user("ssp.aalborg")
    meeting = services.meeting_schedule(
        actor=ssp,
        forum=kk18.forum,
        organiser_unit=unit("SSP Aalborg"),
        starts_at=timezone.now() - dt.timedelta(minutes=10),
        kind="emergency",
    )
    item = services.meeting_add_case(actor=ssp, meeting=meeting, case=kk18)
    services.agenda_item_record(
        actor=ssp,
        item=item,
        picture="Indlagt på psykiatrisk afdeling i sidste uge",
        assessment="",
        decision="Afvent udskrivelse",
        category="health",
    )
    for username, shown in (("politi.forebyg", True), ("job.aalborg", False)):
        client = Client()
        client.force_login(user(username))
        agenda = client.get(reverse("coordination:agenda_item", args=[item.pk])).content.decode()
        minutes = client.get(reverse("coordination:meeting_minutes", args=[meeting.pk]))
        assert ("Indlagt på psykiatrisk" in agenda) is shown, username
        assert ("Indlagt på psykiatrisk" in minutes.content.decode()) is shown, username
    # Nor does the jobcenter overwrite a discussion it was not given.
    with pytest.raises(ValidationError):
        services.agenda_item_record(
            actor=user("job.aalborg"), item=item, picture="x", assessment="", decision=""
        )


def test_a_forced_admission_note_stays_with_those_who_receive_health(open_case) -> None:
    case = open_case(*PSP, age=40, others=["Almenpsykiatrisk Afdeling Syd"])
    services.participant_add(
        actor=user("politi.forebyg"),
        case=case,
        unit=unit("Socialforvaltningen Aalborg"),
        role="participant",
        legal_basis="RPL115_PSP",
        categories=[c for c in ALL_CATEGORIES if c != "health"],
    )
    services.incident_record(
        actor=user("psyk.syd"),
        case=case,
        kind="forced_admission",
        occurred_on=timezone.localdate(),
        note="Psykotisk, truede naboen",
    )
    assert "Psykotisk, truede naboen" in page("politi.forebyg", case)
    assert "Psykotisk, truede naboen" not in page("social.aalborg", case)


def test_a_concern_reports_health_details_stay_within_the_receivers(persona) -> None:
    """The leak: a concern's summary and reasoning reached every member unit of the forum."""
    police = user("politi.forebyg")
    report = services.concern_report_create(
        actor=police,
        forum=forum("Knock Knock Aalborg"),
        received_by=unit("Forebyggelse Aalborg"),
        channel="psychiatry",
        urgency="amber",
        summary="Tidligere tvangsindlagt; hører stemmer",
        category="health",
    )
    for username, shown in (("ssp.aalborg", True), ("job.aalborg", False)):
        client = Client()
        client.force_login(user(username))
        body = client.get(reverse("coordination:intake_detail", args=[report.pk]))
        assert ("hører stemmer" in body.content.decode()) is shown, username
    assert (
        ConcernReport.objects.get(pk=report.pk).recipients.filter(unit=unit("SSP Aalborg")).exists()
    )


def test_an_exit_contact_note_is_hidden_once_the_consent_is_withdrawn(open_case) -> None:
    case = open_case(*EXIT, age=28, others=["Socialforvaltningen Aalborg"])
    services.contact_log(
        actor=user("politi.forebyg"),
        case=case,
        kind="meeting",
        result="conversation_held",
        occurred_at=timezone.now(),
        note="Vil ud af gruppen; frygter repressalier",
    )
    assert "frygter repressalier" in page("social.aalborg", case)
    consent = Consent.objects.get(citizen=case.citizen)
    services.consent_withdraw(actor=user("politi.forebyg"), case=case, consent=consent)
    assert "frygter repressalier" not in page("social.aalborg", case)
    assert "frygter repressalier" not in api("social.aalborg", case, "contacts")
    # The lead is told (a reminder, delivered by the next scan).
    told = Reminder.objects.get(kind="consent_withdrawn", case=case)
    assert told.recipient_id == case.coordinator_id


# --- Late joiners --------------------------------------------------------------------------------


def test_a_unit_added_later_does_not_read_earlier_content_until_it_is_shared(open_case) -> None:
    """The leak: "all participants" meant the participants of today, so a unit added later
    read every earlier entry without being a recipient of it."""
    case = open_case(*KK, age=16, track="15-17", others=["Forebyggelse Aalborg"])
    ssp = user("ssp.aalborg")
    entry = services.entry_share(
        actor=ssp,
        case=case,
        category="social",
        legal_basis="RPL115_SSP",
        justification="Koordinering",
        text="Mor har mistet arbejdet; stor uro i hjemmet",
    )
    services.participant_add(
        actor=ssp,
        case=case,
        unit=unit("Familiegrupperne"),
        role="participant",
        legal_basis="RPL115_SSP",
        categories=ALL_CATEGORIES,
    )
    family = page("fam.aalborg", case)
    assert "stor uro i hjemmet" not in family
    assert 'data-testid="unreceived"' in family  # it is told that earlier content exists
    assert access.unreceived_count(user("fam.aalborg"), case) == 1
    # What is shared after it joined reaches it.
    services.entry_share(
        actor=ssp,
        case=case,
        category="general",
        legal_basis="RPL115_SSP",
        justification="Koordinering",
        text="Næste banke-på-besøg er torsdag",
    )
    assert "Næste banke-på-besøg" in page("fam.aalborg", case)

    # SSP shares the earlier entry again: one action, a disclosure naming the unit.
    client = Client()
    client.force_login(ssp)
    url = reverse("coordination:share_again", args=[case.pk])
    listed = client.get(url, {"enhed": unit("Familiegrupperne").pk}).content.decode()
    assert "stor uro" in listed  # the sharer sees its own unit's earlier content
    refused = client.post(
        f"{url}?enhed={unit('Familiegrupperne').pk}",
        {
            "unit": unit("Familiegrupperne").pk,
            "items": [f"entry:{entry.pk}"],
            "legal_basis": "RPL115_SSP",
        },
    )
    assert refused.status_code == 400 and "justification" in refused.context["form"].errors
    shared = client.post(
        f"{url}?enhed={unit('Familiegrupperne').pk}",
        {
            "unit": unit("Familiegrupperne").pk,
            "items": [f"entry:{entry.pk}"],
            "legal_basis": "RPL115_SSP",
            "justification": "Familiegrupperne skal kende baggrunden for forløbet",
        },
    )
    assert shared.status_code == 302
    assert "stor uro i hjemmet" in page("fam.aalborg", case)
    disclosure = AuditEvent.objects.filter(
        action="disclose",
        object_type="coordination.entry",
        object_id=str(entry.pk),
        detail__shared_again=True,
    ).get()
    assert disclosure.detail["recipients"] == [unit("Familiegrupperne").pk]
    assert disclosure.purpose.startswith("Familiegrupperne skal kende")
    row = entry.recipients.get(unit=unit("Familiegrupperne"))
    assert (row.via, row.shared_by) == ("later", ssp)


def test_only_a_units_own_content_is_shared_again(open_case) -> None:
    case = open_case(*KK, age=16, track="15-17", others=["Forebyggelse Aalborg"])
    police_entry = services.entry_share(
        actor=user("politi.forebyg"),
        case=case,
        category="police",
        legal_basis="RPL115_SSP",
        justification="Koordinering",
        text="Politiets oplysning",
    )
    services.participant_add(
        actor=user("ssp.aalborg"),
        case=case,
        unit=unit("Familiegrupperne"),
        role="participant",
        legal_basis="RPL115_SSP",
        categories=ALL_CATEGORIES,
    )
    with pytest.raises(ValidationError) as refused:
        services.content_share_again(
            actor=user("ssp.aalborg"),
            case=case,
            unit=unit("Familiegrupperne"),
            items=[police_entry],
            legal_basis="RPL115_SSP",
            justification="Baggrund",
        )
    assert "items" in refused.value.message_dict
    assert not police_entry.recipients.filter(unit=unit("Familiegrupperne")).exists()


# --- A person in two roles -----------------------------------------------------------------------


def test_a_person_who_also_investigates_reads_no_prevention_content(open_case) -> None:
    """The leak: the purpose lock worked per unit, so a member of both Efterforskning and
    Forebyggelse Aalborg read prevention entries through the latter."""
    case = open_case(*KK, age=16, track="15-17", others=["Forebyggelse Aalborg"])
    services.entry_share(
        actor=user("ssp.aalborg"),
        case=case,
        category="social",
        legal_basis="RPL115_SSP",
        justification="Koordinering",
        text="Forebyggende oplysning",
    )
    officer = user("politi.forebyg")
    assert access.entries_for(officer, case).exists()
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    account_services.membership_add(
        actor=None, user=officer, unit=unit("Efterforskning"), role=Membership.Role.CASEWORKER
    )
    added = AuditEvent.objects.filter(pk__gt=before, detail__change="membership_add").get()
    assert added.detail["purpose_lock"] is True  # audited, with the lock it sets
    case = Case.objects.get(pk=case.pk)  # a new request reads the case afresh
    assert not access.can(officer, "view_case", case)
    assert not access.entries_for(officer, case).exists()
    assert "Forebyggende oplysning" not in page("politi.forebyg", case)
    assert api("politi.forebyg", case, "entries").count("Forebyggende oplysning") == 0
    assert not access.units_for_opening(officer).exists()
    assert not access.forums_for(officer).exists()


# --- Consent by age -------------------------------------------------------------------------------


def _consent(case: Case, given_by: str, **extra: object) -> Consent:
    return services.consent_register(
        actor=user("ssp.aalborg"),
        case=case,
        given_by=given_by,
        scope_units=[unit("SSP Aalborg")],
        scope_categories=["general"],
        purpose="Samarbejde",
        form="written",
        **extra,
    )


@pytest.mark.parametrize(
    ("age", "given_by", "allowed"),
    [
        (12, "citizen", False),  # the leak: a 12-year-old's own consent was accepted
        (12, "both", False),
        (12, "guardian", True),
        (16, "guardian", False),  # the leak: a guardian alone consented for a 16-year-old
        (16, "citizen", True),
        (16, "both", True),
        (19, "guardian", False),
        (19, "both", False),
        (19, "citizen", True),
    ],
)
def test_who_may_consent_follows_the_citizens_age(open_case, age, given_by, allowed) -> None:
    case = open_case("SSP Aalborg", "ssp.aalborg", "SSP Aalborg", age=age)
    guardian = {} if given_by == "citizen" else {"guardian_name": "Mor"}
    if allowed:
        assert _consent(case, given_by, **guardian).given_by == given_by
        return
    with pytest.raises(ValidationError) as refused:
        _consent(case, given_by, **guardian)
    assert "given_by" in refused.value.message_dict
    assert not Consent.objects.filter(citizen=case.citizen).exists()


def test_a_guardians_consent_ends_when_the_citizen_turns_18(open_case) -> None:
    """The leak: a guardian's consent stayed valid after the citizen came of age."""
    case = open_case("SSP Aalborg", "ssp.aalborg", "SSP Aalborg", age=14)
    consent = _consent(case, "guardian", guardian_name="Far")
    birthday = case.citizen.birth_date.replace(year=case.citizen.birth_date.year + 18)
    assert consent.valid_until is not None
    assert timezone.localtime(consent.valid_until).date() == birthday
    # A reminder falls due ahead of it (the consent-expiring reminder).
    from coordination import reminders

    with_lead = consent.valid_until - dt.timedelta(days=5)
    reminders.reminders_scan(now=with_lead, enqueue=False)
    assert Reminder.objects.filter(kind="consent_expiring", consent=consent).exists()


def test_the_api_answers_a_refused_consent_with_a_400(open_case) -> None:
    case = open_case("SSP Aalborg", "ssp.aalborg", "SSP Aalborg", age=12)
    response = token_client("ssp.aalborg").post(
        f"/api/v1/cases/{case.pk}/consents/",
        {
            "given_by": "citizen",
            "scope_units": [unit("SSP Aalborg").pk],
            "scope_categories": ["general"],
            "purpose": "Samarbejde",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "given_by" in response.json()


# --- Exit without consent -----------------------------------------------------------------------


def test_an_exit_case_needs_a_consent_to_open_to_add_and_to_log(persona) -> None:
    """The leak: an Exit case could be opened, get participants and a contact log with no
    consent on record (Forum.consent_required was never read)."""
    police = user("politi.forebyg")
    citizen = services.citizen_create(
        actor=police, cpr_number=fresh_cpr(30), first_name="Test", last_name="Borger"
    )
    exit_forum = forum("Exit Nordjylland")
    with pytest.raises(ValidationError) as refused:
        services.case_open(
            actor=police, citizen=citizen, forum=exit_forum, lead_unit=unit("Forebyggelse Aalborg")
        )
    assert "consent" in refused.value.message_dict
    consent = services.consent_for_opening(
        actor=police,
        citizen=citizen,
        forum=exit_forum,
        lead_unit=unit("Forebyggelse Aalborg"),
        given_by="citizen",
        scope_units=[unit("Forebyggelse Aalborg")],
        scope_categories=["general", "social"],
        purpose="Exit-forløb",
        form="written",
    )
    case = services.case_open(
        actor=police, citizen=citizen, forum=exit_forum, lead_unit=unit("Forebyggelse Aalborg")
    )
    with pytest.raises(ValidationError) as not_covered:
        services.participant_add(
            actor=police,
            case=case,
            unit=unit("Socialforvaltningen Aalborg"),
            role="participant",
            legal_basis="CONSENT",
            categories=ALL_CATEGORIES,
        )
    assert "unit" in not_covered.value.message_dict
    logged = services.contact_log(
        actor=police, case=case, kind="phone", result="reached", occurred_at=timezone.now()
    )
    assert logged.consent == consent and logged.legal_basis == "CONSENT"
    services.consent_withdraw(actor=police, case=case, consent=consent)
    with pytest.raises(ValidationError):
        services.contact_log(
            actor=police, case=case, kind="phone", result="reached", occurred_at=timezone.now()
        )
    assert Contact.objects.filter(case=case).count() == 1


def test_a_forum_that_chose_consent_rests_on_it_too(open_case) -> None:
    ssp_forum = forum("SSP Aalborg")
    ssp_forum.consent_required = True
    ssp_forum.save(update_fields=["consent_required"])
    citizen = services.citizen_create(
        actor=user("ssp.aalborg"), cpr_number=fresh_cpr(14), first_name="A", last_name="B"
    )
    with pytest.raises(ValidationError):
        services.case_open(
            actor=user("ssp.aalborg"),
            citizen=citizen,
            forum=ssp_forum,
            lead_unit=unit("SSP Aalborg"),
        )


# --- Referrals and FVL28 -------------------------------------------------------------------------


def test_a_referral_outside_the_case_rests_on_a_basis_of_its_own(kk18: Case) -> None:
    """The leak: a referral to a service outside the case was recorded as a § 115
    disclosure."""
    ssp = user("ssp.aalborg")
    with pytest.raises(ValidationError) as refused:
        services.referral_send(actor=ssp, case=kk18, to_service="Klub X", purpose="Fritid")
    assert "consent" in refused.value.message_dict  # consent is the default basis outside
    with pytest.raises(ValidationError):
        services.referral_send(
            actor=ssp, case=kk18, to_service="Klub X", purpose="Fritid", legal_basis="RPL115_SSP"
        )
    services.consent_register(
        actor=ssp,
        case=kk18,
        given_by="citizen",
        scope_units=[unit("SSP Aalborg")],
        scope_categories=["general"],
        purpose="Henvisning til fritidsklub",
        form="written",
    )
    referral = services.referral_send(actor=ssp, case=kk18, to_service="Klub X", purpose="Fritid")
    event = AuditEvent.objects.get(
        action="disclose", object_type="coordination.referral", object_id=str(referral.pk)
    )
    assert (referral.legal_basis, event.legal_basis) == ("CONSENT", "CONSENT")
    assert event.detail["outside_the_case"] is True
    inside = services.referral_send(
        actor=ssp, case=kk18, to_unit=unit("Jobcenter Aalborg"), purpose="Jobsamtale"
    )
    assert inside.legal_basis == "RPL115_SSP"


@pytest.mark.parametrize(("category", "allowed"), [("general", True), ("health", False)])
def test_fvl28_never_carries_health_information(kk18: Case, category, allowed) -> None:
    """The leak: FVL28 was accepted for any category, health included."""
    share = {
        "actor": user("ssp.aalborg"),
        "case": kk18,
        "category": category,
        "legal_basis": "FVL28",
        "justification": "Almindelig videregivelse",
        "text": "Oplysning",
    }
    if allowed:
        assert services.entry_share(**share).legal_basis == "FVL28"
    else:
        with pytest.raises(ValidationError) as refused:
            services.entry_share(**share)
        assert "legal_basis" in refused.value.message_dict
        with pytest.raises(ValidationError):
            services.referral_send(
                actor=user("ssp.aalborg"),
                case=kk18,
                to_service="Misbrugscenter",
                purpose="Behandling",
                category="health",
                legal_basis="FVL28",
            )


def test_notifications_name_an_action_only_to_those_who_received_it(kk18: Case) -> None:
    """An overdue action escalates to the case's coordinator; a coordinator whose unit did
    not receive the action sees the reminder, not its title."""
    police = user("politi.forebyg")
    action = services.action_create(
        actor=police,
        case=kk18,
        title="Tjek om han overholder tilhold",
        responsible=police,
        due_at=timezone.now() + dt.timedelta(days=1),
        category="police",
        audience=[unit("Forebyggelse Aalborg")],
    )
    job = user("job.aalborg")
    reminder = Reminder.objects.create(
        kind="action_escalation", action=action, case=kk18, deadline=action.due_at, recipient=job
    )
    Notification.objects.create(reminder=reminder, user=job)
    client = Client()
    client.force_login(job)
    body = client.get(reverse("coordination:notifications")).content.decode()
    assert kk18.reference in body and "overholder tilhold" not in body
    assert (
        "overholder tilhold" not in token_client(job).get("/api/v1/notifications/").content.decode()
    )
