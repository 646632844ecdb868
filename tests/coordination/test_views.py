"""The HTML views through HTTP, as the personas use them, including every denial."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, Unit
from coordination import cpr_register, services
from coordination.models import AuditEvent, Case, Citizen, Contact, Entry
from tests.conftest import fresh_cpr

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
KK_OTHERS = ("Forebyggelse Aalborg", "Familiegrupperne", "Jobcenter Aalborg")

pytestmark = pytest.mark.django_db


def events(**filters: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters))


@pytest.fixture
def kk_case(open_case):
    return open_case(
        *KK, age=16, others=KK_OTHERS, first_name="Mikkel", last_name="Testesen", track="15-17"
    )


# --- Login and the shell ---------------------------------------------------------------


def test_login_page_is_danish_by_default(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Log ind" in response.content.decode()
    assert response.headers["Content-Language"] == "da"


def test_browser_language_does_not_override_danish(client: Client) -> None:
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Log ind" in response.content.decode()


def test_english_when_the_user_chooses_it(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize(
    "username",
    [
        "ssp.aalborg",
        "politi.forebyg",
        "politi.efterforsk",
        "psyk.syd",
        "job.aalborg",
        "fam.aalborg",
        "social.aalborg",
        "ssp.hjoerring",
        "skole.aalborg",
        "statistik",
        "revisor",
        "admin",
    ],
)
def test_every_persona_logs_in_with_the_demo_password(client: Client, settings, username) -> None:
    password = settings.DEMO_PASSWORD or "samraad-demo-2026"
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, username
    assert events(actor__username=username, action="login")


def test_failed_login_is_audited_without_the_password(client: Client) -> None:
    response = client.post(reverse("login"), {"username": "ssp.aalborg", "password": "wrong-1"})
    assert response.status_code == 200
    assert "forkert" in response.content.decode()
    event = AuditEvent.objects.get(action="login_failed")
    assert event.detail == {"username": "ssp.aalborg"}


def test_pages_need_login(client: Client, kk_case: Case) -> None:
    for url in [
        reverse("coordination:case_list"),
        reverse("coordination:case_new"),
        reverse("coordination:case_detail", args=[kk_case.pk]),
        reverse("coordination:contact_new", args=[kk_case.pk]),
        reverse("coordination:entry_new", args=[kk_case.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- Mine sager ------------------------------------------------------------------------


def test_case_list_shows_own_cases_and_audits_each_citizen(client_as, kk_case: Case) -> None:
    response = client_as("ssp.aalborg").post(reverse("coordination:case_list"), {"q": "Testesen"})
    assert response.status_code == 200
    assert "Mikkel Testesen" in response.content.decode()
    listed = events(action="search", actor__username="ssp.aalborg")
    assert [e.citizen_id for e in listed] == [kk_case.citizen_id]
    assert listed[0].detail["criterion"] == {"q": "Testesen"}


def test_case_list_hides_other_municipalities(client_as, kk_case: Case) -> None:
    response = client_as("ssp.hjoerring").post(reverse("coordination:case_list"), {"q": "Testesen"})
    assert response.context["cases"] == []
    assert "Mikkel" not in response.content.decode()
    assert not events(action="search", citizen=kk_case.citizen_id)


def test_case_list_takes_no_search_terms_from_the_url(client_as, kk_case: Case) -> None:
    response = client_as("ssp.aalborg").get(reverse("coordination:case_list"), {"q": "Testesen"})
    assert response.status_code == 200
    assert response.context["criterion"] == {}
    assert len(response.context["cases"]) > 1  # unfiltered: the name in the URL was ignored
    shown = events(actor__username="ssp.aalborg", action__in=["list", "search"])
    assert shown and all(e.action == "list" for e in shown)


def test_case_list_finds_by_reference_and_filters(client_as, kk_case: Case) -> None:
    client = client_as("ssp.aalborg")
    by_ref = client.post(reverse("coordination:case_list"), {"q": kk_case.reference})
    assert [c.pk for c in by_ref.context["cases"]] == [kk_case.pk]
    by_forum = client.post(reverse("coordination:case_list"), {"forum": kk_case.forum_id})
    assert {c.forum_id for c in by_forum.context["cases"]} == {kk_case.forum_id}


def test_case_list_htmx_returns_rows_only(client_as, kk_case: Case) -> None:
    response = client_as("ssp.aalborg").post(
        reverse("coordination:case_list"), {"q": "Testesen"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Mikkel Testesen" in body
    assert "<html" not in body


def test_case_list_bad_filter_is_a_400_with_message(client_as) -> None:
    response = client_as("ssp.aalborg").post(reverse("coordination:case_list"), {"status": "nope"})
    assert response.status_code == 400
    assert "form-error-message" in response.content.decode()


def test_case_list_pages_with_more_link(client_as, open_case) -> None:
    client = client_as("ssp.aalborg")
    for _ in range(26):
        open_case(*KK, age=19, track="18-25", last_name="Pagesen")
    first = client.post(reverse("coordination:case_list"), {"q": "Pagesen"})
    assert len(first.context["cases"]) == 25 and first.context["has_more"]
    second = client.post(reverse("coordination:case_list"), {"q": "Pagesen", "side": "2"})
    assert len(second.context["cases"]) == 1 and not second.context["has_more"]


def test_case_list_query_count_does_not_grow(
    client_as, open_case, django_assert_max_num_queries, django_capture_on_commit_callbacks
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("ssp.aalborg")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("coordination:case_list"))
    for _ in range(30):
        open_case(*KK, age=16, others=KK_OTHERS, track="15-17")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("coordination:case_list"))
    assert len(many) == len(few)


# --- The case page ---------------------------------------------------------------------


def test_participant_sees_case_page_and_it_is_audited(client_as, kk_case: Case) -> None:
    services.contact_log(
        actor=kk_case.coordinator,
        case=kk_case,
        kind="knock_visit",
        result="not_home",
        occurred_at=timezone.now(),
    )
    response = client_as("job.aalborg").get(reverse("coordination:case_detail", args=[kk_case.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mikkel Testesen" in body
    assert kk_case.citizen.masked_cpr in body
    assert kk_case.citizen.full_cpr() not in body
    assert response.context["age"] == 16
    event = AuditEvent.objects.get(action="view", actor__username="job.aalborg")
    assert event.case_id == kk_case.pk and event.citizen_id == kk_case.citizen_id
    assert event.actor_unit == Unit.objects.get(name="Jobcenter Aalborg")
    assert event.outcome == "ok"
    assert event.purpose == "prevention:knock_knock" and event.legal_basis == "RPL115_SSP"


def test_outsider_gets_404_and_the_attempt_is_audited(client_as, kk_case: Case) -> None:
    response = client_as("ssp.hjoerring").get(
        reverse("coordination:case_detail", args=[kk_case.pk])
    )
    assert response.status_code == 404
    assert "Testesen" not in response.content.decode()
    denied = AuditEvent.objects.get(actor__username="ssp.hjoerring", outcome="denied")
    assert denied.detail["object_id"] == str(kk_case.pk)


@pytest.mark.parametrize("username", ["politi.efterforsk", "statistik", "revisor", "admin"])
def test_non_case_roles_get_404(client_as, kk_case: Case, username: str) -> None:
    response = client_as(username).get(reverse("coordination:case_detail", args=[kk_case.pk]))
    assert response.status_code == 404


def test_entries_are_shown_only_to_their_audience(client_as, kk_case: Case, persona) -> None:
    family = Unit.objects.get(name="Familiegrupperne")
    services.entry_share(
        actor=persona("ssp.aalborg"),
        case=kk_case,
        category="social",
        legal_basis="RPL115_SSP",
        justification="Needed for the plan",
        text="Only for family services",
        audience=[family],
    )
    services.entry_share(
        actor=persona("ssp.aalborg"),
        case=kk_case,
        category="general",
        legal_basis="RPL115_SSP",
        justification="Needed for the plan",
        text="For everyone on the case",
    )
    url = reverse("coordination:case_detail", args=[kk_case.pk])
    family_page = client_as("fam.aalborg").get(url).content.decode()
    job_page = client_as("job.aalborg").get(url).content.decode()
    assert "Only for family services" in family_page and "For everyone" in family_page
    assert "Only for family services" not in job_page and "For everyone" in job_page
    shown = AuditEvent.objects.get(action="view", actor__username="job.aalborg")
    assert shown.categories == ["general"]


def test_case_page_escapes_text(client_as, kk_case: Case, persona) -> None:
    services.entry_share(
        actor=persona("ssp.aalborg"),
        case=kk_case,
        category="general",
        legal_basis="RPL115_SSP",
        justification="<b>why</b>",
        text="<script>alert('x')</script>",
    )
    body = (
        client_as("ssp.aalborg")
        .get(reverse("coordination:case_detail", args=[kk_case.pk]))
        .content.decode()
    )
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "&lt;b&gt;why&lt;/b&gt;" in body


def test_case_page_query_count_does_not_grow(client_as, kk_case: Case, persona) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as("ssp.aalborg")
    url = reverse("coordination:case_detail", args=[kk_case.pk])
    family = Unit.objects.get(name="Familiegrupperne")
    services.entry_share(
        actor=persona("ssp.aalborg"),
        case=kk_case,
        category="general",
        legal_basis="RPL115_SSP",
        justification="j",
        text="first",
        audience=[family],
    )
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(20):
        services.entry_share(
            actor=persona("ssp.aalborg"),
            case=kk_case,
            category="general",
            legal_basis="RPL115_SSP",
            justification="j",
            text=f"t{n}",
            audience=[family] if n % 2 else [],
        )
        services.contact_log(
            actor=persona("ssp.aalborg"),
            case=kk_case,
            kind="phone",
            result="reached",
            occurred_at=timezone.now(),
            partner=persona("politi.forebyg"),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_audit_failure_shows_no_data(client_as, kk_case: Case) -> None:
    client = client_as("ssp.aalborg")
    with mock.patch.object(AuditEvent.objects, "bulk_create", side_effect=DatabaseError("down")):
        response = client.get(reverse("coordination:case_detail", args=[kk_case.pk]))
    assert response.status_code == 503
    assert "Testesen" not in response.content.decode()


# --- Registrér kontakt -----------------------------------------------------------------


def contact_data(**overrides: str) -> dict[str, str]:
    data = {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "kind": "knock_visit",
        "result": "conversation_held",
        "note": "Talked at the door",
    }
    data.update(overrides)
    return data


def test_log_contact_appears_in_the_timeline(client_as, kk_case: Case, persona) -> None:
    client = client_as("ssp.aalborg")
    url = reverse("coordination:contact_new", args=[kk_case.pk])
    assert client.get(url).status_code == 200
    partner = persona("politi.forebyg")
    response = client.post(url, contact_data(partner=str(partner.pk)))
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:case_detail", args=[kk_case.pk])
    contact = Contact.objects.get(case=kk_case)
    assert contact.partner == partner and contact.unit.name == "SSP Aalborg"
    assert events(action="create", object_type="coordination.contact", object_id=str(contact.pk))
    page = client.get(response["Location"]).content.decode()
    assert "Talked at the door" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "teleport"}, "kind"),
        ({"result": ""}, "result"),
        ({"occurred_at": "not a time"}, "occurred_at"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_log_contact_bad_input_is_a_form_error(client_as, kk_case, overrides, field) -> None:
    response = client_as("ssp.aalborg").post(
        reverse("coordination:contact_new", args=[kk_case.pk]), contact_data(**overrides)
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Contact.objects.filter(case=kk_case).exists()


def test_log_contact_in_the_future_is_refused(client_as, kk_case: Case) -> None:
    future = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_as("ssp.aalborg").post(
        reverse("coordination:contact_new", args=[kk_case.pk]), contact_data(occurred_at=future)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["occurred_at"]
    assert not Contact.objects.filter(case=kk_case).exists()


def test_log_contact_outsider_gets_404_for_get_and_post(client_as, kk_case: Case) -> None:
    client = client_as("ssp.hjoerring")
    url = reverse("coordination:contact_new", args=[kk_case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, contact_data()).status_code == 404
    assert not Contact.objects.filter(case=kk_case).exists()


def test_log_contact_read_only_member_gets_403(client_as, kk_case: Case, persona) -> None:
    reader = persona("skole.aalborg")
    account_services.membership_add(
        actor=None,
        user=reader,
        unit=Unit.objects.get(name="Jobcenter Aalborg"),
        role=Membership.Role.READ_ONLY,
    )
    client = client_as("skole.aalborg")
    assert client.get(reverse("coordination:case_detail", args=[kk_case.pk])).status_code == 200
    url = reverse("coordination:contact_new", args=[kk_case.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, contact_data()).status_code == 403
    assert not Contact.objects.filter(case=kk_case).exists()
    assert events(actor__username="skole.aalborg", outcome="denied", case=kk_case.pk)


def test_log_contact_on_a_closed_case_is_refused(client_as, kk_case: Case) -> None:
    Case.objects.filter(pk=kk_case.pk).update(status="closed", closed_at=timezone.now())
    client = client_as("ssp.aalborg")
    assert client.get(reverse("coordination:case_detail", args=[kk_case.pk])).status_code == 200
    assert (
        client.post(
            reverse("coordination:contact_new", args=[kk_case.pk]), contact_data()
        ).status_code
        == 403
    )


# --- Notat -----------------------------------------------------------------------------


def test_write_entry_for_named_units(client_as, kk_case: Case) -> None:
    family = Unit.objects.get(name="Familiegrupperne")
    response = client_as("ssp.aalborg").post(
        reverse("coordination:entry_new", args=[kk_case.pk]),
        {
            "category": "social",
            "legal_basis": "RPL115_SSP",
            "justification": "Plan",
            "text": "Family note",
            "audience": [str(family.pk)],
        },
    )
    assert response.status_code == 302
    entry = Entry.objects.get(case=kk_case)
    assert not entry.audience_all and entry.named_units == [family]
    assert events(action="disclose", object_id=str(entry.pk))


def test_write_entry_requires_justification(client_as, kk_case: Case) -> None:
    response = client_as("ssp.aalborg").post(
        reverse("coordination:entry_new", args=[kk_case.pk]),
        {"category": "social", "legal_basis": "RPL115_SSP", "justification": "", "text": "x"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["justification"]
    assert not Entry.objects.filter(case=kk_case).exists()


def test_write_entry_outsider_404(client_as, kk_case: Case) -> None:
    url = reverse("coordination:entry_new", args=[kk_case.pk])
    assert client_as("ssp.hjoerring").post(url, {"text": "x"}).status_code == 404
    assert not Entry.objects.filter(case=kk_case).exists()


# --- Ny sag ----------------------------------------------------------------------------
# With a CPR register (config/dev.env: the fake one) the form has no name fields: the first
# POST shows the register's name for the number ("Er det NN?") and writes nothing but the
# search's audit event; the POST carrying its confirmation opens the case.

NEW_CASE = reverse_lazy("coordination:case_new")


def new_case_data(**overrides: str) -> dict[str, str]:
    from coordination.models import Forum

    forum = Forum.objects.get(name="Knock Knock Aalborg")
    data = {
        "cpr": fresh_cpr(16),
        "forum": str(forum.pk),
        "lead_unit": str(Unit.objects.get(name="SSP Aalborg").pk),
        "track": "15-17",
        "age_override_reason": "",
    }
    data.update(overrides)
    return data


def register_name(digits: str) -> str:
    person = cpr_register.lookup(digits)
    assert person is not None
    return person.name


def confirmed(client: Client, data: dict[str, str]):
    """POST the form, confirm the name it shows, and return the confirming POST's answer."""
    first = client.post(NEW_CASE, data)
    assert first.status_code == 200, first.context["form"].errors
    assert first.context["confirm"] is not None
    confirmation = first.context["form"].data["confirmation"]
    return client.post(NEW_CASE, {**data, "confirmation": confirmation})


def test_new_case_shows_the_registers_name_first_and_opens_on_confirmation(client_as) -> None:
    client = client_as("ssp.aalborg")
    page = client.get(NEW_CASE)
    assert page.status_code == 200
    assert "first_name" not in page.context["form"].fields  # the register gives the name
    data = new_case_data()
    digits = data["cpr"]
    counts = (Citizen.objects.count(), Case.objects.count())
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    first = client.post(NEW_CASE, data)
    assert first.status_code == 200
    body = first.content.decode()
    assert 'data-testid="confirm-citizen"' in body and register_name(digits) in body
    assert (Citizen.objects.count(), Case.objects.count()) == counts  # nothing yet
    [search] = AuditEvent.objects.filter(pk__gt=before)
    assert (search.action, search.outcome, search.citizen_id) == ("search", "ok", None)
    assert search.detail == {"view": "case_new", "criterion": "cpr", "matched": False}
    confirmation = first.context["form"].data["confirmation"]
    assert confirmation in body and digits not in confirmation
    response = client.post(NEW_CASE, {**data, "confirmation": confirmation})
    assert response.status_code == 302
    assert digits not in response["Location"]
    citizen = Citizen.objects.by_cpr(digits).get()
    assert citizen.full_cpr() == digits and digits not in citizen.cpr_encrypted
    assert citizen.name == register_name(digits)
    case = Case.objects.get(citizen=citizen)
    assert case.participants.get().unit.name == "SSP Aalborg"
    assert response["Location"] == reverse("coordination:case_detail", args=[case.pk])


def test_a_confirmation_holds_only_for_its_number_and_its_user(client_as) -> None:
    client = client_as("ssp.aalborg")
    data = new_case_data()
    first = client.post(NEW_CASE, data)
    confirmation = first.context["form"].data["confirmation"]
    # Another number with that confirmation: its own name is shown to be confirmed.
    other = client.post(NEW_CASE, {**data, "cpr": fresh_cpr(16), "confirmation": confirmation})
    assert other.status_code == 200 and other.context["confirm"] is not None
    # Another user (fam.aalborg also works in Knock Knock Aalborg) with that confirmation.
    fam = client_as("fam.aalborg")
    theirs = {
        **data,
        "lead_unit": str(Unit.objects.get(name="Familiegrupperne").pk),
        "confirmation": confirmation,
    }
    again = fam.post(NEW_CASE, theirs)
    assert again.status_code == 200 and again.context["confirm"] is not None
    tampered = client.post(NEW_CASE, {**data, "confirmation": confirmation[:-3] + "xyz"})
    assert tampered.status_code == 200 and tampered.context["confirm"] is not None
    assert not Citizen.objects.by_cpr(data["cpr"]).exists()


def test_without_a_register_the_typed_name_opens_at_once(client_as, settings) -> None:
    settings.CPR_REGISTER = "none"
    client = client_as("ssp.aalborg")
    assert "first_name" in client.get(NEW_CASE).context["form"].fields
    missing = client.post(NEW_CASE, new_case_data())
    assert missing.status_code == 400 and missing.context["form"].errors["first_name"]
    data = new_case_data(first_name="Ida", last_name="Nyborg")
    response = client.post(NEW_CASE, data)
    assert response.status_code == 302
    assert Citizen.objects.by_cpr(data["cpr"]).get().name == "Ida Nyborg"


def test_new_case_invalid_cpr_is_a_form_error_and_writes_nothing(client_as) -> None:
    client = client_as("ssp.aalborg")
    before = (Citizen.objects.count(), Case.objects.count(), AuditEvent.objects.count())
    response = client.post(NEW_CASE, new_case_data(cpr="321390-1234"))
    assert response.status_code == 400
    assert response.context["form"].errors["cpr"]
    assert response.context["confirm"] is None
    assert (Citizen.objects.count(), Case.objects.count(), AuditEvent.objects.count()) == before


def test_new_case_outside_age_band_needs_reason_and_writes_nothing(client_as) -> None:
    before = Citizen.objects.count()
    client = client_as("ssp.aalborg")
    data = new_case_data(cpr=fresh_cpr(40))
    response = confirmed(client, data)
    assert response.status_code == 400
    assert response.context["form"].errors["age_override_reason"]
    assert Citizen.objects.count() == before  # the citizen was rolled back with the case
    confirmation = response.context["form"].data["confirmation"]
    ok = client.post(
        NEW_CASE, {**data, "confirmation": confirmation, "age_override_reason": "Brother"}
    )
    assert ok.status_code == 302


def test_new_case_reuses_a_known_citizen_without_revealing_them(client_as, kk_case) -> None:
    # politi.forebyg opens a PSP case for kk's citizen: the page names them as the register
    # does (never "Mikkel Testesen", the stored name), and the one record gets the case and
    # the register's name (it is authoritative).
    digits = kk_case.citizen.full_cpr()
    client = client_as("politi.forebyg")
    from coordination.models import Forum

    psp = Forum.objects.get(name="PSP Aalborg")
    data = new_case_data(
        cpr=digits,
        forum=str(psp.pk),
        lead_unit=str(Unit.objects.get(name="Forebyggelse Aalborg").pk),
        track="",
        age_override_reason="PSP has no band",
    )
    first = client.post(NEW_CASE, data)
    assert first.status_code == 200
    assert "Testesen" not in first.content.decode()
    assert register_name(digits) in first.content.decode()
    confirmation = first.context["form"].data["confirmation"]
    response = client.post(NEW_CASE, {**data, "confirmation": confirmation})
    assert response.status_code == 302
    assert Citizen.objects.by_cpr(digits).count() == 1
    kk_case.citizen.refresh_from_db()
    assert kk_case.citizen.name == register_name(digits)
    assert events(action="change", citizen=kk_case.citizen_id, detail__change="cpr_register")


def test_the_page_tells_an_outsider_nothing_of_a_known_number(client_as, kk_case) -> None:
    # ssp.hjoerring types kk's citizen's number and an unknown one: the same kind of page,
    # each with the register's name.
    client = client_as("ssp.hjoerring")
    from coordination.models import Forum

    data = {
        "forum": str(Forum.objects.get(name="SSP Hjørring").pk),
        "lead_unit": str(Unit.objects.get(name="SSP Hjørring").pk),
        "track": "",
        "age_override_reason": "",
    }
    pages = []
    for digits in (kk_case.citizen.full_cpr(), fresh_cpr(16)):
        page = client.post(NEW_CASE, {**data, "cpr": digits})
        assert page.status_code == 200 and page.context["confirm"].name == register_name(digits)
        assert "Testesen" not in page.content.decode()
        pages.append(page)
    assert [p.context["form"].errors for p in pages] == [{}, {}]


def test_new_case_duplicate_open_case_in_forum_is_refused(client_as, kk_case) -> None:
    response = confirmed(client_as("ssp.aalborg"), new_case_data(cpr=kk_case.citizen.full_cpr()))
    assert response.status_code == 400
    assert response.context["form"].errors["forum"]


def test_new_case_in_a_foreign_forum_is_refused(client_as) -> None:
    before = (Citizen.objects.count(), AuditEvent.objects.filter(action="search").count())
    response = client_as("ssp.hjoerring").post(NEW_CASE, new_case_data())
    assert response.status_code == 400
    assert response.context["form"].errors["forum"]
    assert (Citizen.objects.count(), AuditEvent.objects.filter(action="search").count()) == before


@pytest.mark.parametrize("username", ["statistik", "revisor", "politi.efterforsk"])
def test_new_case_offers_nothing_to_non_case_roles(client_as, username) -> None:
    response = client_as(username).get(NEW_CASE)
    assert list(response.context["form"].fields["forum"].queryset) == []
    # ... and a POST, which would look the number up in the register, is refused (audited).
    before = Citizen.objects.count()
    refused = client_as(username).post(NEW_CASE, new_case_data())
    assert refused.status_code == 403
    assert Citizen.objects.count() == before
    [event] = events(actor__username=username, outcome="denied", detail__view="case_new")
    assert (event.action, event.citizen_id) == ("search", None)


# --- Ny sag in a forum that rests on consent (Exit) ------------------------------------


def exit_case_data(**overrides: object) -> dict[str, object]:
    from coordination.models import Forum

    data: dict[str, object] = {
        "cpr": fresh_cpr(22),
        "forum": str(Forum.objects.get(name="Exit Nordjylland").pk),
        "lead_unit": str(Unit.objects.get(name="Forebyggelse Aalborg").pk),
        "track": "",
        "age_override_reason": "",
        "consent_given_by": "citizen",
        "consent_scope_units": [
            str(Unit.objects.get(name=name).pk)
            for name in ("Forebyggelse Aalborg", "Socialforvaltningen Aalborg")
        ],
        "consent_scope_categories": ["social", "general"],
        "consent_purpose": "Exit-forløb",
        "consent_form": "written",
        "consent_document_reference": "Exit-2026-04",
    }
    data.update(overrides)
    return data


def test_the_consent_fieldset_is_shown_to_who_works_in_a_consent_forum(client_as) -> None:
    police = client_as("politi.forebyg").get(NEW_CASE)
    assert 'data-testid="consent-fieldset"' in police.content.decode()
    assert "Exit Nordjylland" in police.content.decode()
    ssp = client_as("ssp.aalborg").get(NEW_CASE)  # SSP Aalborg is no member of Exit
    assert 'data-testid="consent-fieldset"' not in ssp.content.decode()
    assert "consent_purpose" not in ssp.context["form"].fields


def test_an_exit_case_is_opened_with_its_consent(client_as) -> None:
    from coordination.models import Consent

    data = exit_case_data()
    response = confirmed(client_as("politi.forebyg"), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    citizen = Citizen.objects.by_cpr(str(data["cpr"])).get()
    case = Case.objects.get(citizen=citizen)
    [consent] = Consent.objects.filter(citizen=citizen)
    assert (consent.forum_id, consent.form, consent.purpose) == (
        case.forum_id,
        "written",
        "Exit-forløb",
    )
    assert consent.document_reference == "Exit-2026-04"
    assert case.participants.get().unit.name == "Forebyggelse Aalborg"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"consent_given_by": "", "consent_purpose": ""}, "consent_given_by"),
        ({"consent_scope_categories": []}, "consent_scope_categories"),
        ({"consent_purpose": ""}, "consent_purpose"),
        ({"consent_given_by": "guardian"}, "consent_given_by"),  # an adult consents alone
        ({"consent_scope_units": "<Socialforvaltningen Aalborg>"}, "consent_scope_units"),
    ],
)
def test_an_exit_case_without_a_valid_consent_is_refused(client_as, overrides, field) -> None:
    from coordination.models import Consent

    if overrides.get("consent_scope_units") == "<Socialforvaltningen Aalborg>":
        overrides = {
            "consent_scope_units": [str(Unit.objects.get(name="Socialforvaltningen Aalborg").pk)]
        }
    data = exit_case_data(**overrides)
    client = client_as("politi.forebyg")
    counts = (Citizen.objects.count(), Case.objects.count(), Consent.objects.count())
    first = client.post(NEW_CASE, data)
    if first.status_code == 200:  # shape fine: the service refuses after the confirmation
        confirmation = first.context["form"].data["confirmation"]
        first = client.post(NEW_CASE, {**data, "confirmation": confirmation})
    assert first.status_code == 400
    assert first.context["form"].errors[field]
    assert (Citizen.objects.count(), Case.objects.count(), Consent.objects.count()) == counts


# --- CPR at rest -----------------------------------------------------------------------


def test_raw_cpr_digits_appear_nowhere_in_the_database(kk_case: Case) -> None:
    from django.db import connection

    digits = kk_case.citizen.full_cpr()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # table names from the schema
            for row in cursor.fetchall():
                assert not any(digits in str(value) for value in row), table


def test_new_case_track_must_fit_the_age(client_as) -> None:
    client = client_as("ssp.aalborg")
    wrong = confirmed(client, new_case_data(cpr=fresh_cpr(20)))
    assert wrong.status_code == 400
    assert wrong.context["form"].errors["track"]
    from coordination.models import Forum

    ssp = Forum.objects.get(name="SSP Aalborg")
    no_track = confirmed(client, new_case_data(cpr=fresh_cpr(14), forum=str(ssp.pk), track="15-17"))
    assert no_track.status_code == 400
    assert no_track.context["form"].errors["track"]


# --- Generated: every case-scoped page, for outsiders and for those without the right ----

CASE_PAGES = [
    ("coordination:case_detail", None),
    ("coordination:contact_new", "log_contact"),
    ("coordination:entry_new", "add_entry"),
]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        (name, method)
        for name, right in CASE_PAGES
        for method in ("get", "post")
        if right or method == "get"
    ],
)
def test_case_pages_deny_outsiders_with_404(client_as, kk_case, name, method) -> None:
    client = client_as("ssp.hjoerring")
    response = getattr(client, method)(reverse(name, args=[kk_case.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        actor__username="ssp.hjoerring", outcome="denied", detail__object_id=str(kk_case.pk)
    ).exists()


@pytest.mark.parametrize(("name", "right"), [p for p in CASE_PAGES if p[1]])
@pytest.mark.parametrize("method", ["get", "post"])
def test_case_pages_refuse_informed_participants_with_403(
    client_as, open_case, name, right, method
) -> None:
    case = open_case(*KK, age=16, others=("Familiegrupperne",), role="informed", track="15-17")
    client = client_as("fam.aalborg")
    assert client.get(reverse("coordination:case_detail", args=[case.pk])).status_code == 200
    response = getattr(client, method)(reverse(name, args=[case.pk]), {"text": "x"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        actor__username="fam.aalborg", outcome="denied", case=case.pk, detail__refused=right
    ).exists()
    assert not Contact.objects.filter(case=case).exists()
    assert not Entry.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    "name_part", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
)
def test_citizen_names_are_escaped_in_list_and_page(client_as, open_case, name_part) -> None:
    case = open_case(*KK, age=16, track="15-17", first_name=name_part, last_name="Xss")
    client = client_as("ssp.aalborg")
    for response in (
        client.post(reverse("coordination:case_list"), {"q": "Xss"}),
        client.get(reverse("coordination:case_detail", args=[case.pk])),
    ):
        body = response.content.decode()
        assert name_part not in body
        assert "&lt;" in body
