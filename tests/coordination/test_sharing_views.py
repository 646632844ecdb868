"""The sharing UI through HTTP: participants, the audience picker, consent, emergency access,
closing a case. Every page: outsiders 404, participants without the right 403, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, Unit
from coordination import access, services
from coordination.models import Action, AuditEvent, Case, CaseParticipant, Consent, Entry
from tests.helpers import unit

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
PSP = ("PSP Aalborg", "politi.forebyg", "Forebyggelse Aalborg")
EXIT = ("Exit Nordjylland", "politi.forebyg", "Forebyggelse Aalborg")


@pytest.fixture
def kk_case(open_case) -> Case:
    return open_case(
        *KK, age=16, track="15-17", others=["Forebyggelse Aalborg", "Familiegrupperne"]
    )


# --- Denials for every new page ----------------------------------------------------------

PAGES = [
    ("coordination:participants", "get", "manage_case"),
    ("coordination:participants", "post", "manage_case"),
    ("coordination:entry_audience", "post", "add_entry"),
    ("coordination:consent_new", "get", "add_entry"),
    ("coordination:consent_new", "post", "add_entry"),
    ("coordination:case_close", "get", "close_case"),
    ("coordination:case_close", "post", "close_case"),
]


@pytest.mark.parametrize(("name", "method", "right"), PAGES)
def test_outsider_gets_404(client_as, kk_case, name, method, right) -> None:
    response = getattr(client_as("ssp.hjoerring"), method)(reverse(name, args=[kk_case.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(actor__username="ssp.hjoerring", outcome="denied").exists()


@pytest.mark.parametrize(("name", "method", "right"), PAGES)
def test_participant_without_the_right_gets_403(client_as, open_case, name, method, right):
    case = open_case(*KK, age=16, track="15-17", others=["Familiegrupperne"], role="informed")
    response = getattr(client_as("fam.aalborg"), method)(reverse(name, args=[case.pk]))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        actor__username="fam.aalborg", outcome="denied", detail__refused=right
    ).exists()


def test_end_participant_and_withdraw_consent_deny_outsiders(client_as, kk_case) -> None:
    participant = kk_case.participants.get(unit__name="Familiegrupperne")
    outsider = client_as("ssp.hjoerring")
    end = reverse("coordination:participant_end", args=[kk_case.pk, participant.pk])
    assert outsider.post(end).status_code == 404
    assert client_as("fam.aalborg").post(end).status_code == 403
    participant.refresh_from_db()
    assert participant.valid_until is None


# --- Participants ---------------------------------------------------------------------------


def test_lead_adds_and_ends_a_participant(client_as, kk_case, persona) -> None:
    client = client_as("ssp.aalborg")
    url = reverse("coordination:participants", args=[kk_case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert [u.name for u in page.context["form"].fields["unit"].queryset] == ["Jobcenter Aalborg"]
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="view", case=kk_case.pk, detail__view="participants"
    ).exists()
    response = client.post(
        url,
        {
            "unit": unit("Jobcenter Aalborg").pk,
            "role": "participant",
            "legal_basis": "RPL115_SSP",
            "categories": ["employment", "general"],
            "contact_user": persona("job.aalborg").pk,
        },
    )
    assert response.status_code == 302
    job = persona("job.aalborg")
    assert access.can(job, "view_case", kk_case)
    event = AuditEvent.objects.filter(action="grant_change", case=kk_case.pk).latest("pk")
    assert event.detail["change"] == "participant_add"
    participant = kk_case.participants.get(unit__name="Jobcenter Aalborg")
    ended = client.post(reverse("coordination:participant_end", args=[kk_case.pk, participant.pk]))
    assert ended.status_code == 302
    assert not access.can(job, "view_case", kk_case)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"unit": "999999"}, "unit"),
        ({"legal_basis": "RPL115_PSP"}, "legal_basis"),
        ({"categories": []}, "categories"),
        ({"role": "lead"}, "role"),
        ({"valid_until": "2000-01-01T10:00"}, "valid_until"),
    ],
)
def test_bad_participant_input_is_a_form_error(client_as, kk_case, data, field) -> None:
    payload = {
        "unit": unit("Jobcenter Aalborg").pk,
        "role": "participant",
        "legal_basis": "RPL115_SSP",
        "categories": ["general"],
        **data,
    }
    response = client_as("ssp.aalborg").post(
        reverse("coordination:participants", args=[kk_case.pk]), payload
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not kk_case.participants.filter(unit__name="Jobcenter Aalborg").exists()


def test_the_lead_cannot_be_ended(client_as, kk_case) -> None:
    lead = kk_case.participants.get(role="lead")
    client_as("ssp.aalborg").post(
        reverse("coordination:participant_end", args=[kk_case.pk, lead.pk])
    )
    lead.refresh_from_db()
    assert lead.valid_until is None


# --- Sharing an entry -------------------------------------------------------------------------


def test_audience_picker_explains_refusals(client_as, open_case) -> None:
    case = open_case(
        *KK,
        age=16,
        track="15-17",
        others=["Familiegrupperne", "Jobcenter Aalborg", "Forebyggelse Aalborg"],
    )
    response = client_as("ssp.aalborg").post(
        reverse("coordination:entry_audience", args=[case.pk]),
        {"category": "social", "legal_basis": "UNDERRETNING"},
    )
    assert response.status_code == 200
    options = {o.unit.name: o for o in response.context["options"]}
    assert options["Familiegrupperne"].refusal is None
    assert options["Jobcenter Aalborg"].refusal  # a notification reaches child welfare only
    assert "En underretning går kun til børne- og familieområdet." in response.content.decode()
    health = client_as("ssp.aalborg").post(
        reverse("coordination:entry_audience", args=[case.pk]),
        {"category": "health", "legal_basis": "RPL115_SSP"},
    )
    job = {o.unit.name: o for o in health.context["options"]}["Jobcenter Aalborg"]
    assert job.refusal is None and not job.by_default  # only when named


def test_share_entry_named_and_refused(client_as, open_case) -> None:
    case = open_case(*KK, age=16, track="15-17", others=["Familiegrupperne", "Jobcenter Aalborg"])
    client = client_as("ssp.aalborg")
    url = reverse("coordination:entry_new", args=[case.pk])
    refused = client.post(
        url,
        {
            "category": "social",
            "legal_basis": "UNDERRETNING",
            "justification": "Bekymring",
            "text": "Underretning",
            "audience": [unit("Jobcenter Aalborg").pk],
        },
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors["audience"]
    assert not Entry.objects.filter(case=case).exists()
    ok = client.post(
        url,
        {
            "category": "social",
            "legal_basis": "UNDERRETNING",
            "justification": "Bekymring",
            "text": "Underretning",
            "audience": [unit("Familiegrupperne").pk],
        },
    )
    assert ok.status_code == 302
    entry = Entry.objects.get(case=case)
    assert entry.named_units == [unit("Familiegrupperne")]
    assert [(r.unit, r.via) for r in entry.recipients.all()] == [
        (unit("Familiegrupperne"), "named")
    ]
    assert AuditEvent.objects.get(action="disclose", object_id=str(entry.pk)).detail[
        "recipients"
    ] == [unit("Familiegrupperne").pk]


def test_psychiatry_health_outside_psp_needs_sul43(client_as, open_case, persona) -> None:
    case = (
        open_case(
            "Infohus Nordjylland",
            "politi.forebyg",
            "Forebyggelse Aalborg",
            age=30,
            others=["Almenpsykiatrisk Afdeling Syd"],
        )
        if Unit.objects.filter(
            name="Almenpsykiatrisk Afdeling Syd", forums__name="Infohus Nordjylland"
        ).exists()
        else None
    )
    if case is None:
        pytest.fail("The demo's Infohus forum should include Almenpsykiatrisk Afdeling Syd")
    client = client_as("psyk.syd")
    url = reverse("coordination:entry_new", args=[case.pk])
    base = {"category": "health", "justification": "Akut risiko", "text": "Indlagt i nat"}
    refused = client.post(url, {**base, "legal_basis": "RPL115_SSP"})
    assert refused.status_code == 400 and refused.context["form"].errors["legal_basis"]
    no_professional = client.post(url, {**base, "legal_basis": "SUL43_2_2"})
    assert no_professional.context["form"].errors["deciding_professional"]
    ok = client.post(
        url, {**base, "legal_basis": "SUL43_2_2", "deciding_professional": persona("psyk.syd").pk}
    )
    assert ok.status_code == 302
    entry = Entry.objects.get(case=case)
    assert entry.deciding_professional == persona("psyk.syd")
    action = Action.objects.get(case=case)
    assert action.responsible == persona("psyk.syd") and action.status == "open"


# --- Consent ----------------------------------------------------------------------------------


def test_consent_register_share_and_withdraw(client_as, open_case, persona) -> None:
    case = open_case(*EXIT, age=24, others=["Socialforvaltningen Aalborg", "Jobcenter Aalborg"])
    client = client_as("politi.forebyg")
    response = client.post(
        reverse("coordination:consent_new", args=[case.pk]),
        {
            "given_by": "citizen",
            "scope_units": [
                unit("Forebyggelse Aalborg").pk,
                unit("Socialforvaltningen Aalborg").pk,
            ],
            "scope_categories": ["social", "general"],
            "purpose": "Exit-forløb",
            "form": "written",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.filter(citizen=case.citizen).latest("pk")
    shared = client.post(
        reverse("coordination:entry_new", args=[case.pk]),
        {
            "category": "social",
            "legal_basis": "CONSENT",
            "consent": consent.pk,
            "justification": "Plan",
            "text": "Bolig på plads",
        },
    )
    assert shared.status_code == 302
    social, job = persona("social.aalborg"), persona("job.aalborg")
    assert access.entries_for(social, case).count() == 1
    # The jobcenter takes part on the consent the case was opened on, which covers it, but
    # the entry rests on the second consent, which does not.
    assert access.entries_for(job, case).count() == 0
    page = client_as("social.aalborg").get(reverse("coordination:case_detail", args=[case.pk]))
    assert "Bolig på plads" in page.content.decode()
    withdraw = client.post(reverse("coordination:consent_withdraw", args=[case.pk, consent.pk]))
    assert withdraw.status_code == 302
    page = client_as("social.aalborg").get(reverse("coordination:case_detail", args=[case.pk]))
    assert "Bolig på plads" not in page.content.decode()
    assert AuditEvent.objects.filter(object_type="coordination.consent", action="change").exists()


def test_consent_bad_input(client_as, open_case) -> None:
    case = open_case(*EXIT, age=24)
    response = client_as("politi.forebyg").post(
        reverse("coordination:consent_new", args=[case.pk]),
        {
            "given_by": "guardian",
            "scope_units": [],
            "scope_categories": ["gossip"],
            "purpose": "",
            "form": "written",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"scope_units", "scope_categories", "purpose"} <= set(errors)
    # Only the consent the case was opened on.
    assert Consent.objects.filter(citizen=case.citizen).count() == 1


# --- Emergency access -------------------------------------------------------------------------


def test_emergency_access_flow(client_as, kk_case, persona) -> None:
    client = client_as("job.aalborg")  # Jobcenter Aalborg: a forum member, not a participant
    assert client.get(reverse("coordination:case_detail", args=[kk_case.pk])).status_code == 404
    assert client.get(reverse("coordination:emergency_access")).status_code == 200
    short = client.post(
        reverse("coordination:emergency_access"), {"reference": kk_case.reference, "reason": "kort"}
    )
    assert short.status_code == 400 and short.context["form"].errors["reason"]
    response = client.post(
        reverse("coordination:emergency_access"),
        {
            "reference": kk_case.reference,
            "reason": "Den unge er meldt savnet, og vi skal se seneste kontakter.",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'data-testid="emergency-banner"' in page.content.decode()
    assert AuditEvent.objects.filter(
        actor__username="job.aalborg", action="emergency_access", outcome="ok"
    ).exists()

    reviewer = persona("fam.aalborg")
    account_services.membership_add(
        actor=None, user=reviewer, unit=unit("Jobcenter Aalborg"), role=Membership.Role.COORDINATOR
    )
    reviews = client_as("fam.aalborg")
    listing = reviews.get(reverse("coordination:emergency_reviews"))
    assert len(listing.context["records"]) == 1
    record = listing.context["records"][0]
    assert (
        client_as("ssp.aalborg").get(reverse("coordination:emergency_reviews")).context["records"]
        == []
    )
    saved = reviews.post(
        reverse("coordination:emergency_reviews"),
        {"record": record.pk, "review_note": "Begrundet; i orden."},
    )
    assert saved.status_code == 302
    record.refresh_from_db()
    assert record.reviewed_by == reviewer


@pytest.mark.parametrize("reference", ["SAG-999999", "not a reference"])
def test_emergency_access_refused_the_same_way(client_as, reference) -> None:
    response = client_as("ssp.hjoerring").post(
        reverse("coordination:emergency_access"),
        {"reference": reference, "reason": "Akut behov for at se sagen, ingen anden vej."},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reference"]


def test_emergency_access_needs_forum_membership(client_as, kk_case) -> None:
    response = client_as("ssp.hjoerring").post(
        reverse("coordination:emergency_access"),
        {"reference": kk_case.reference, "reason": "Akut behov for at se sagen, ingen anden vej."},
    )
    assert response.status_code == 400
    assert not CaseParticipant.objects.filter(case=kk_case, emergency=True).exists()
    assert AuditEvent.objects.filter(
        actor__username="ssp.hjoerring", action="emergency_access", outcome="denied"
    ).exists()


# --- Closing ----------------------------------------------------------------------------------


def test_lead_closes_the_case(client_as, kk_case) -> None:
    client = client_as("ssp.aalborg")
    url = reverse("coordination:case_close", args=[kk_case.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Mål nået", "code": "goal_reached"}).status_code == 302
    kk_case.refresh_from_db()
    assert kk_case.status == "closed" and kk_case.closure_reason == "Mål nået"
    assert client.get(url).status_code == 403  # closed cases take no more writes
    assert client.get(reverse("coordination:case_detail", args=[kk_case.pk])).status_code == 200


def test_case_page_query_count_with_consents_and_actions(client_as, open_case, persona) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = open_case(*EXIT, age=24, others=["Socialforvaltningen Aalborg"])
    police = persona("politi.forebyg")

    def consent() -> Consent:
        return services.consent_register(
            actor=police,
            case=case,
            given_by="citizen",
            scope_units=[unit("Forebyggelse Aalborg"), unit("Socialforvaltningen Aalborg")],
            scope_categories=["general"],
            purpose="Exit",
            form="written",
        )

    first = consent()
    services.entry_share(
        actor=police,
        case=case,
        category="general",
        legal_basis="CONSENT",
        justification="j",
        text="t",
        consent=first,
    )
    client = client_as("politi.forebyg")
    url = reverse("coordination:case_detail", args=[case.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        more = consent()
        services.entry_share(
            actor=police,
            case=case,
            category="general",
            legal_basis="CONSENT",
            justification="j",
            text="t",
            consent=more,
            audience=[unit("Socialforvaltningen Aalborg")],
        )
        Action.objects.create(
            case=case,
            title="x",
            responsible_unit=unit("Forebyggelse Aalborg"),
            due_at=timezone.now() + dt.timedelta(days=3),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_decision_to_go_on_without_consent(client_as, kk_case) -> None:
    client = client_as("ssp.aalborg")
    url = reverse("coordination:consent_decision_new", args=[kk_case.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"situation": "refused", "reasoning": ""}).status_code == 400
    response = client.post(
        url, {"situation": "refused", "reasoning": "Forældrene afviste; risikoen er akut."}
    )
    assert response.status_code == 302
    page = client.get(reverse("coordination:case_detail", args=[kk_case.pk])).content.decode()
    assert "Forældrene afviste; risikoen er akut." in page
    assert AuditEvent.objects.filter(object_type="coordination.consentdecision").exists()
    assert client_as("ssp.hjoerring").post(url, {"situation": "refused"}).status_code == 404


def test_exit_cannot_go_on_without_consent(client_as, open_case) -> None:
    case = open_case(*EXIT, age=24)
    response = client_as("politi.forebyg").post(
        reverse("coordination:consent_decision_new", args=[case.pk]),
        {"situation": "refused", "reasoning": "Vil ikke"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["situation"]
