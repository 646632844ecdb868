"""Case work through HTTP, as the personas do it: Knock Knock visits, offers and tracks,
referrals, PSP incidents with their before/after counts, outcome snapshots, stages, closing
with a closure reason, the age-band flag; and every denial."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import services, workflows
from coordination.models import (
    ALL_CATEGORIES,
    AuditEvent,
    Case,
    Contact,
    Incident,
    Offer,
    OutcomeSnapshot,
    Referral,
)
from tests.helpers import unit, user

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
PSP = ("PSP Aalborg", "politi.forebyg", "Forebyggelse Aalborg")
OUTSIDERS = ("ssp.hjoerring", "politi.efterforsk")
INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def local_input(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime(INPUT_FORMAT)


def opened_back(case: Case, days: int) -> Case:
    """Move the case's enrolment back in time (an ORM update: no service moves it)."""
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - dt.timedelta(days=days))
    case.refresh_from_db()
    return case


def page(client: Client, case: Case):
    response = client.get(reverse("coordination:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response


def events(username: str, **filters: object):
    return AuditEvent.objects.filter(actor__username=username, **filters)


@pytest.fixture
def kk15(open_case) -> Case:
    return open_case(
        *KK, age=16, track="15-17", others=["Forebyggelse Aalborg", "Familiegrupperne"]
    )


@pytest.fixture
def kk18(open_case) -> Case:
    return open_case(
        *KK, age=20, track="18-25", others=["Jobcenter Aalborg", "Forebyggelse Aalborg"]
    )


@pytest.fixture
def psp(open_case) -> Case:
    """A PSP Aalborg case led by Forebyggelse Aalborg, with psychiatry taking part (all
    categories) and social services taking part without health information."""
    case = open_case(*PSP, age=40, others=["Almenpsykiatrisk Afdeling Syd"])
    services.participant_add(
        actor=user("politi.forebyg"),
        case=case,
        unit=unit("Socialforvaltningen Aalborg"),
        role="participant",
        legal_basis=case.forum.default_legal_basis,
        categories=[c for c in ALL_CATEGORIES if c != "health"],
    )
    return case


def add_informed(case: Case, unit_name: str, lead: str) -> None:
    services.participant_add(
        actor=user(lead),
        case=case,
        unit=unit(unit_name),
        role="informed",
        legal_basis=case.forum.default_legal_basis,
        categories=ALL_CATEGORIES,
    )


# --- Knock Knock: visit pairs, guardians and parent contacts ---------------------------------


def test_knock_visits_as_a_pair_and_a_parent_contact_on_the_15_17_track(kk15: Case) -> None:
    ssp, police = Client(), Client()
    ssp.force_login(user("ssp.aalborg"))
    police.force_login(user("politi.forebyg"))
    url = reverse("coordination:contact_new", args=[kk15.pk])
    first = ssp.post(
        url,
        {
            "occurred_at": local_input(timezone.now() - dt.timedelta(days=2)),
            "kind": "knock_visit",
            "result": "not_home",
            "partner": user("politi.forebyg").pk,
        },
    )
    assert first.status_code == 302
    second = police.post(
        url,
        {
            "occurred_at": local_input(timezone.now() - dt.timedelta(hours=3)),
            "kind": "knock_visit",
            "result": "conversation_held",
            "partner": user("ssp.aalborg").pk,
        },
    )
    assert second.status_code == 302
    mother = services.related_person_add(
        actor=user("ssp.aalborg"),
        citizen=kk15.citizen,
        name="Mette Mor",
        relation="mother",
        has_custody=True,
    )
    third = ssp.post(
        url,
        {
            "occurred_at": local_input(timezone.now() - dt.timedelta(hours=1)),
            "kind": "parent_contact",
            "result": "conversation_held",
            "related_person": mother.pk,
        },
    )
    assert third.status_code == 302
    contacts = Contact.objects.filter(case=kk15).order_by("occurred_at")
    assert [
        (c.kind, c.logged_by.username, getattr(c.partner, "username", None)) for c in contacts
    ] == [
        ("knock_visit", "ssp.aalborg", "politi.forebyg"),
        ("knock_visit", "politi.forebyg", "ssp.aalborg"),
        ("parent_contact", "ssp.aalborg", None),
    ]
    assert contacts.last().related_person == mother
    assert [c.unit.name for c in contacts] == [
        "SSP Aalborg",
        "Forebyggelse Aalborg",
        "SSP Aalborg",
    ]
    response = page(ssp, kk15)
    body = response.content.decode()
    assert 'data-testid="track"' in body and "Mette Mor" in body
    timeline = response.context["timeline"]
    assert [e.kind for e in timeline["events"]] == ["contact", "contact", "contact"]
    assert body.count('class="samraad-tl-dot samraad-tl-contact"') == 3
    # Coordinates are SVG numbers, never localised (Danish would write 170,5).
    xs = [float(x) for x in re.findall(r'cx="([^"]*)"', body)]
    assert len(xs) == 3 and all(170 <= x <= 980 for x in xs)
    assert 'data-testid="case-timeline-list"' in body


@pytest.mark.parametrize(
    ("opened_days_ago", "anchor", "below"), [(0, "end", True), (400, "start", False)]
)
def test_the_timeline_date_labels_stay_inside_and_apart(opened_days_ago, anchor, below) -> None:
    """A case opened today has its two marks together: the opening's label goes on a line of
    its own, ending at its mark, instead of running off the drawing (it did on a phone)."""
    from coordination.views.casework import TL_LEFT, TL_RIGHT, _timeline

    now = timezone.now()
    case = Case(opened_at=now - dt.timedelta(days=opened_days_ago), closed_at=None)
    tl = _timeline(case, [])
    assert (tl["opened_anchor"], tl["opened_label_y"] > tl["label_y"]) == (anchor, below)
    assert TL_LEFT <= tl["opened_x"] <= tl["end_mark_x"] <= TL_RIGHT
    assert tl["opened_label_y"] < tl["height"]


# --- Offers ---------------------------------------------------------------------------------


def test_jobcenter_records_offers_on_the_18_25_track_and_one_is_accepted(kk18: Case) -> None:
    job = Client()
    job.force_login(user("job.aalborg"))
    url = reverse("coordination:offer_new", args=[kk18.pk])
    form = job.get(url)
    assert form.status_code == 200
    assert events("job.aalborg", action="view", case_id=kk18.pk, detail__view="offer_new").exists()
    assert job.post(url, {"kind": "nonsense", "status": "made"}).status_code == 400
    assert not Offer.objects.filter(case=kk18).exists()
    assert (
        job.post(url, {"kind": "leisure_job", "status": "made", "note": "Lager"}).status_code == 302
    )
    assert job.post(url, {"kind": "jobcenter_meeting", "status": "accepted"}).status_code == 302
    leisure = Offer.objects.get(case=kk18, kind="leisure_job")
    meeting = Offer.objects.get(case=kk18, kind="jobcenter_meeting")
    assert leisure.status == "made" and leisure.answered_at is None
    assert meeting.status == "accepted" and meeting.answered_at is not None
    assert leisure.unit.name == "Jobcenter Aalborg" and leisure.made_by.username == "job.aalborg"
    assert (
        events(
            "job.aalborg", action="create", object_type="coordination.offer", case_id=kk18.pk
        ).count()
        == 2
    )

    body = page(job, kk18).content.decode()
    answer = reverse("coordination:offer_answer", args=[leisure.pk])
    assert answer in body
    assert reverse("coordination:offer_answer", args=[meeting.pk]) not in body
    assert "Jobcenter Aalborg" in body and 'data-testid="track"' in body

    assert job.get(answer).status_code == 200
    assert job.post(answer, {"status": "made"}).status_code == 400
    assert job.post(answer, {"status": "accepted"}).status_code == 302
    leisure.refresh_from_db()
    assert leisure.status == "accepted" and leisure.answered_at is not None
    assert events(
        "job.aalborg", action="change", object_type="coordination.offer", case_id=kk18.pk
    ).exists()


def test_an_offer_names_one_of_the_cases_contacts(kk18: Case, open_case) -> None:
    other = open_case(*KK, age=19, track="18-25")
    foreign = services.contact_log(
        actor=user("ssp.aalborg"),
        case=other,
        kind="knock_visit",
        result="reached",
        occurred_at=timezone.now(),
    )
    own = services.contact_log(
        actor=user("ssp.aalborg"),
        case=kk18,
        kind="knock_visit",
        result="reached",
        occurred_at=timezone.now(),
    )
    client = Client()
    client.force_login(user("ssp.aalborg"))
    url = reverse("coordination:offer_new", args=[kk18.pk])
    bad = client.post(url, {"kind": "club", "status": "made", "contact": foreign.pk})
    assert bad.status_code == 400 and "contact" in bad.context["form"].errors
    assert (
        client.post(url, {"kind": "club", "status": "made", "contact": own.pk}).status_code == 302
    )
    assert Offer.objects.get(case=kk18).contact == own


# --- Referrals ---------------------------------------------------------------------------------


def test_referral_to_the_jobcenter_followed_to_completion(kk18: Case) -> None:
    ssp, job = Client(), Client()
    ssp.force_login(user("ssp.aalborg"))
    job.force_login(user("job.aalborg"))
    url = reverse("coordination:referral_new", args=[kk18.pk])
    assert ssp.get(url).status_code == 200
    both = ssp.post(
        url, {"to_unit": unit("Jobcenter Aalborg").pk, "to_service": "Klub", "purpose": "Job"}
    )
    assert both.status_code == 400
    assert ssp.post(url, {"purpose": "Job"}).status_code == 400
    assert not Referral.objects.filter(case=kk18).exists()
    sent = ssp.post(url, {"to_unit": unit("Jobcenter Aalborg").pk, "purpose": "Fritidsjob"})
    assert sent.status_code == 302
    referral = Referral.objects.get(case=kk18)
    assert referral.status == "sent" and referral.from_unit.name == "SSP Aalborg"
    disclosure = events(
        "ssp.aalborg", action="disclose", object_id=str(referral.pk), case_id=kk18.pk
    ).get()
    assert disclosure.detail["referral_to_unit"] == unit("Jobcenter Aalborg").pk
    assert disclosure.case_id == kk18.pk

    update = reverse("coordination:referral_update", args=[referral.pk])
    assert job.get(update).status_code == 200
    assert events(
        "job.aalborg", action="view", detail__view="referral_update", case_id=kk18.pk
    ).exists()
    assert job.post(update, {"status": "sent"}).status_code == 400
    for status, feedback in (
        ("accepted", "Vi tager ham"),
        ("started", ""),
        ("completed", "Gennemført med fint fremmøde"),
    ):
        assert job.post(update, {"status": status, "feedback": feedback}).status_code == 302
        referral.refresh_from_db()
        assert referral.status == status
    assert referral.feedback == "Vi tager ham\nGennemført med fint fremmøde"
    assert (
        events("job.aalborg", action="change", object_id=str(referral.pk), case_id=kk18.pk).count()
        == 3
    )
    closed = job.post(update, {"status": "dropped"})
    assert closed.status_code == 400 and closed.context["form"].non_field_errors()
    body = page(ssp, kk18).content.decode()
    assert "Gennemført med fint fremmøde" in body
    assert update not in body  # no update link on a completed referral


# --- PSP incidents --------------------------------------------------------------------------


def incident_data(kind: str, day: dt.date, source: str) -> dict[str, object]:
    return {"kind": kind, "occurred_on": day.isoformat(), "source_unit": unit(source).pk}


def test_psp_incidents_and_their_counts_before_and_after_enrolment(psp: Case) -> None:
    case = opened_back(psp, 92)
    opened = timezone.localtime(case.opened_at).date()
    today = timezone.localdate()
    psych, police, social = Client(), Client(), Client()
    psych.force_login(user("psyk.syd"))
    police.force_login(user("politi.forebyg"))
    social.force_login(user("social.aalborg"))
    url = reverse("coordination:incident_new", args=[case.pk])

    form = psych.get(url)
    assert form.status_code == 200
    assert (
        form.context["form"].fields["source_unit"].initial
        == unit("Almenpsykiatrisk Afdeling Syd").pk
    )
    before = workflows.add_months(opened, -5)
    syd = "Almenpsykiatrisk Afdeling Syd"
    assert psych.post(url, incident_data("forced_admission", before, syd)).status_code == 302
    after = today - dt.timedelta(days=20)
    assert psych.post(url, incident_data("forced_admission_police", after, syd)).status_code == 302
    future = psych.post(url, incident_data("forced_admission", today + dt.timedelta(days=2), syd))
    assert future.status_code == 400 and "occurred_on" in future.context["form"].errors
    too_early = workflows.add_months(opened, -13)
    assert psych.post(url, incident_data("forced_admission", too_early, syd)).status_code == 400
    police_day = today - dt.timedelta(days=10)
    assert (
        police.post(
            url, incident_data("use_of_force", police_day, "Forebyggelse Aalborg")
        ).status_code
        == 302
    )
    assert Incident.objects.filter(case=case).count() == 3
    assert (
        events(
            "psyk.syd", action="create", object_type="coordination.incident", case_id=case.pk
        ).count()
        == 2
    )
    created = events(
        "politi.forebyg", action="create", object_type="coordination.incident", case_id=case.pk
    ).get()
    assert created.categories == ["police"] and created.case_id == case.pk

    response = page(police, case)
    counts = response.context["incident_counts"]
    by_kind = {row["kind"]: (row["before"], row["after"]) for row in counts["rows"]}
    assert by_kind["forced_admission"] == (1, 0)
    assert by_kind["forced_admission_police"] == (0, 1)
    assert by_kind["use_of_force"] == (0, 1)
    assert (counts["before"], counts["after"]) == (1, 2)
    body = response.content.decode()
    assert 'data-testid="before-total">1<' in body and 'data-testid="after-total">2<' in body
    assert 'data-testid="incident-chart"' in body and "<svg" in body
    view = events("politi.forebyg", action="view", case_id=case.pk).latest("pk")
    assert len(view.detail["incidents"]) == 3
    assert {"health", "police"} <= set(view.categories)

    # Social services take part without health information: no forced admissions for them.
    seen = page(social, case)
    assert [i.kind for i in seen.context["incidents"]] == ["use_of_force"]
    rows = seen.context["incident_counts"]["rows"]
    assert {row["kind"] for row in rows} == {"use_of_force", "new_charge", "other"}
    assert (
        seen.context["incident_counts"]["before"],
        seen.context["incident_counts"]["after"],
    ) == (
        0,
        1,
    )
    assert [e.kind for e in seen.context["timeline"]["events"]] == ["incident"]
    social_view = events("social.aalborg", action="view", case_id=case.pk).latest("pk")
    assert "health" not in social_view.categories
    # Nor may they record one: the form offers only the kinds they receive.
    choices = dict(social.get(url).context["form"].fields["kind"].choices)
    assert "forced_admission" not in choices and "use_of_force" in choices


def test_incidents_are_offered_on_psp_cases_only(kk18: Case, psp: Case) -> None:
    client = Client()
    client.force_login(user("ssp.aalborg"))
    assert (
        reverse("coordination:incident_new", args=[kk18.pk])
        not in page(client, kk18).content.decode()
    )
    police = Client()
    police.force_login(user("politi.forebyg"))
    assert reverse("coordination:incident_new", args=[psp.pk]) in page(police, psp).content.decode()
    url = reverse("coordination:incident_new", args=[kk18.pk])
    refused = client.post(url, incident_data("other", timezone.localdate(), "SSP Aalborg"))
    assert refused.status_code == 400
    assert not Incident.objects.filter(case=kk18).exists()


# --- Outcome snapshots ------------------------------------------------------------------------


def outcome_data(milestone: int) -> dict[str, object]:
    return {
        "milestone": str(milestone),
        "education": "enrolled",
        "job": "leisure",
        "housing": "stable",
        "leisure": "on",
    }


def test_six_month_outcome_snapshot_once(kk18: Case) -> None:
    case = opened_back(kk18, 190)
    client = Client()
    client.force_login(user("job.aalborg"))
    before = page(client, case)
    states = {row["months"]: row["state"] for row in before.context["milestones"]}
    assert states == {3: "overdue", 6: "overdue", 12: "ahead"}
    url = reverse("coordination:outcome_new", args=[case.pk])
    assert url in before.content.decode()
    form = client.get(url)
    assert [c[0] for c in form.context["form"].fields["milestone"].choices] == [3, 6, 12]
    assert client.post(url, outcome_data(6)).status_code == 302
    snapshot = OutcomeSnapshot.objects.get(case=case)
    assert (snapshot.milestone, snapshot.education, snapshot.leisure) == (6, "enrolled", True)
    assert snapshot.unit.name == "Jobcenter Aalborg" and not snapshot.new_police_contact
    assert events(
        "job.aalborg", action="create", object_type="coordination.outcomesnapshot", case_id=case.pk
    ).exists()
    again = client.post(url, outcome_data(6))
    assert again.status_code == 400 and "milestone" in again.context["form"].errors
    with pytest.raises(ValidationError):
        services.outcome_record(
            actor=user("job.aalborg"),
            case=case,
            milestone=6,
            education="none",
            job="none",
            housing="stable",
        )
    assert OutcomeSnapshot.objects.filter(case=case).count() == 1
    after = page(client, case)
    rows = {row["months"]: row for row in after.context["milestones"]}
    assert rows[6]["state"] == "recorded" and rows[6]["snapshot"] == snapshot
    assert rows[6]["due_on"] == workflows.outcome_due_on(
        timezone.localtime(case.opened_at).date(), 6
    )
    assert 'data-testid="milestone-6"' in after.content.decode()


# --- Stages and closing ------------------------------------------------------------------------


def test_stage_changes_by_the_lead_only(kk15: Case) -> None:
    lead, participant = Client(), Client()
    lead.force_login(user("ssp.aalborg"))
    participant.force_login(user("politi.forebyg"))
    url = reverse("coordination:case_stage", args=[kk15.pk])
    assert 'data-testid="stage-form"' in page(lead, kk15).content.decode()
    assert 'data-testid="stage-form"' not in page(participant, kk15).content.decode()
    assert lead.post(url, {"stage": "visitation"}).status_code == 400  # a PSP stage
    assert lead.post(url, {"stage": "outreach"}).status_code == 302
    kk15.refresh_from_db()
    assert kk15.stage == "outreach"
    change = events("ssp.aalborg", action="change", case_id=kk15.pk, detail__change="stage").get()
    assert change.detail["to"] == "outreach"
    assert participant.post(url, {"stage": "engaged"}).status_code == 403
    kk15.refresh_from_db()
    assert kk15.stage == "outreach"
    assert 'data-testid="case-stage"' in page(participant, kk15).content.decode()


def test_closing_requires_one_of_the_forums_closure_reasons(kk15: Case) -> None:
    client = Client()
    client.force_login(user("ssp.aalborg"))
    url = reverse("coordination:case_close", args=[kk15.pk])
    form = client.get(url).context["form"]
    codes = [c for c, _label in form.fields["code"].choices if c]
    assert codes == [c for c, _label in workflows.closure_reasons("knock_knock")]
    assert client.post(url, {"reason": "Ingen kontakt"}).status_code == 400
    assert client.post(url, {"reason": "Ingen kontakt", "code": "stable"}).status_code == 400
    kk15.refresh_from_db()
    assert kk15.status != "closed"
    assert client.post(url, {"reason": "Ingen kontakt", "code": "no_contact"}).status_code == 302
    kk15.refresh_from_db()
    assert (kk15.status, kk15.closure_code) == ("closed", "no_contact")
    response = page(client, kk15)
    assert response.context["closure_label"] == workflows.label(
        workflows.closure_reasons("knock_knock"), "no_contact"
    )
    assert 'data-testid="stage-form"' not in response.content.decode()


def test_age_band_flag_for_a_citizen_outside_the_band(open_case) -> None:
    outside = open_case(*KK, age=30)  # opened with an override reason ("test")
    inside = open_case(*KK, age=17, track="15-17")
    client = Client()
    client.force_login(user("ssp.aalborg"))
    body = page(client, outside).content.decode()
    assert 'data-testid="age-band-flag"' in body
    assert 'data-testid="age-override-reason">test<' in body
    assert 'data-testid="age-band-flag"' not in page(client, inside).content.decode()


# --- Denials ------------------------------------------------------------------------------------


@pytest.fixture
def objects(kk15: Case, psp: Case) -> dict[str, object]:
    ssp = user("ssp.aalborg")
    offer = services.offer_make(actor=ssp, case=kk15, kind="club")
    # Outside the case: ordinary disclosure between authorities (not consent) for the fixture.
    referral = services.referral_send(
        actor=ssp, case=kk15, purpose="Klub", to_service="Klub X", legal_basis="FVL28"
    )
    return {"kk": kk15, "psp": psp, "offer": offer, "referral": referral}


def new_urls(objects: dict[str, object]) -> list[tuple[str, int]]:
    kk, psp = objects["kk"], objects["psp"]
    return [
        ("offer_new", kk.pk),
        ("offer_answer", objects["offer"].pk),
        ("referral_new", kk.pk),
        ("referral_update", objects["referral"].pk),
        ("incident_new", psp.pk),
        ("outcome_new", kk.pk),
        ("case_stage", kk.pk),
    ]


@pytest.mark.parametrize("username", OUTSIDERS)
def test_outsiders_get_404_on_every_casework_url(objects, username: str) -> None:
    client = Client()
    client.force_login(user(username))
    for name, pk in new_urls(objects):
        url = reverse(f"coordination:{name}", args=[pk])
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"status": "accepted", "stage": "outreach"}).status_code == 404, (
            name
        )
    denied = events(username, outcome="denied")
    assert (
        denied.filter(detail__object_type="coordination.offer").exists()
        or denied.filter(detail__object_type="coordination.case").exists()
    )
    assert denied.count() >= 2 * len(new_urls(objects))
    objects["offer"].refresh_from_db()
    assert objects["offer"].status == "made"


def test_anonymous_goes_to_login(objects) -> None:
    client = Client()
    for name, pk in new_urls(objects):
        response = client.get(reverse(f"coordination:{name}", args=[pk]))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_informed_participants_get_403_on_writes(objects) -> None:
    add_informed(objects["kk"], "Jobcenter Aalborg", "ssp.aalborg")
    client = Client()
    client.force_login(user("job.aalborg"))
    for name, pk in new_urls(objects):
        if name == "incident_new":
            continue
        url = reverse(f"coordination:{name}", args=[pk])
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"status": "accepted", "stage": "outreach"}).status_code == 403, (
            name
        )
    assert events("job.aalborg", outcome="denied", case_id=objects["kk"].pk).count() >= 12
    objects["offer"].refresh_from_db()
    assert objects["offer"].status == "made"
    body = page(client, objects["kk"]).content.decode()
    assert reverse("coordination:offer_answer", args=[objects["offer"].pk]) not in body
    assert reverse("coordination:referral_update", args=[objects["referral"].pk]) not in body


def test_informed_unit_may_not_record_incidents(open_case) -> None:
    case = open_case(*PSP, age=45)
    add_informed(case, "Almenpsykiatrisk Afdeling Syd", "politi.forebyg")
    client = Client()
    client.force_login(user("psyk.syd"))
    url = reverse("coordination:incident_new", args=[case.pk])
    assert client.get(url).status_code == 403
    day = timezone.localdate().isoformat()
    data = {
        "kind": "forced_admission",
        "occurred_on": day,
        "source_unit": unit("Forebyggelse Aalborg").pk,
    }
    assert client.post(url, data).status_code == 403
    assert not Incident.objects.filter(case=case).exists()
    assert events("psyk.syd", outcome="denied", case_id=case.pk).count() == 2


def test_every_form_page_is_audited(objects) -> None:
    client = Client()
    client.force_login(user("ssp.aalborg"))
    police = Client()
    police.force_login(user("politi.forebyg"))
    for name, pk in new_urls(objects):
        who = police if name == "incident_new" else client
        username = "politi.forebyg" if name == "incident_new" else "ssp.aalborg"
        assert who.get(reverse(f"coordination:{name}", args=[pk])).status_code == 200, name
        assert events(username, action="view", outcome="ok", detail__view=name).exists(), name


# --- The case page's queries ----------------------------------------------------------------


def test_case_page_query_count_is_constant(open_case) -> None:
    police, psych = user("politi.forebyg"), user("psyk.syd")

    def fill(case: Case, n: int) -> None:
        for i in range(n):
            contact = services.contact_log(
                actor=police,
                case=case,
                kind="home_visit",
                result="reached",
                occurred_at=timezone.now() - dt.timedelta(days=i + 1),
            )
            offer = services.offer_make(actor=police, case=case, kind="mentor", contact=contact)
            services.offer_answer(actor=police, offer=offer, status="accepted")
            referral = services.referral_send(
                actor=police,
                case=case,
                purpose=f"Bolig {i}",
                to_unit=unit("Socialforvaltningen Aalborg"),
            )
            services.referral_update(
                actor=police, referral=referral, status="accepted", feedback="ok"
            )
            services.incident_record(
                actor=psych,
                case=case,
                kind="forced_admission",
                occurred_on=timezone.localdate() - dt.timedelta(days=i),
            )
            services.incident_record(
                actor=police,
                case=case,
                kind="new_charge",
                occurred_on=timezone.localdate() - dt.timedelta(days=i),
            )
        for milestone in workflows.OUTCOME_MILESTONES[: min(n, 3)]:
            services.outcome_record(
                actor=police,
                case=case,
                milestone=milestone,
                education="none",
                job="none",
                housing="stable",
            )

    others = ["Almenpsykiatrisk Afdeling Syd", "Socialforvaltningen Aalborg"]
    few = open_case(*PSP, age=40, others=others)
    many = open_case(*PSP, age=41, others=others)
    fill(few, 1)
    fill(many, 6)
    client = Client()
    client.force_login(police)

    def count(case: Case) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("coordination:case_detail", args=[case.pk]))
        assert response.status_code == 200
        return len(captured)

    count(few)  # warm caches (content types, permissions)
    assert count(few) == count(many)
    response = page(client, many)
    assert len(response.context["offers"]) == 6 and len(response.context["incidents"]) == 12
    assert len(response.context["outcomes"]) == 3 and len(response.context["referrals"]) == 6
