"""Follow-up actions, "Mine opgaver", notifications and reminder preferences through HTTP,
as the personas use them, including every denial."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Unit, User
from coordination import services
from coordination.models import ALL_CATEGORIES, Action, AuditEvent, Case, Notification, Reminder

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
KK_OTHERS = ["Familiegrupperne", "Forebyggelse Aalborg"]
INPUT_FORMAT = "%Y-%m-%dT%H:%M"

pytestmark = pytest.mark.django_db


def later(**delta: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


def local_input(when: dt.datetime) -> str:
    """What a datetime-local input sends: local time, minutes, no offset."""
    return timezone.localtime(when).strftime(INPUT_FORMAT)


def denied(username: str, case: Case) -> bool:
    """A refusal was logged: 404s name the case in the detail, 403s reference it."""
    about_case = Q(case_id=case.pk) | Q(detail__object_id=str(case.pk))
    return AuditEvent.objects.filter(
        about_case, actor__username=username, outcome="denied"
    ).exists()


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.fixture
def case(open_case) -> Case:
    return open_case(*KK, age=16, others=KK_OTHERS)


@pytest.fixture
def action(case: Case, persona) -> Action:
    ssp = persona("ssp.aalborg")
    return services.action_create(
        actor=ssp, case=case, title="Ring til skolen", responsible=ssp, due_at=later(days=3)
    )


@pytest.fixture
def informed(case: Case, persona) -> str:
    """job.aalborg, whose unit takes part as an informed unit: may view the case, not act."""
    services.participant_add(
        actor=persona("ssp.aalborg"),
        case=case,
        unit=Unit.objects.get(name="Jobcenter Aalborg"),
        role="informed",
        legal_basis=case.forum.default_legal_basis,
        categories=ALL_CATEGORIES,
    )
    return "job.aalborg"


def notify(action: Action, user: User, *, kind: str = "action_due", read: bool = False):
    reminder, _created = Reminder.objects.get_or_create(
        kind=kind,
        action=action,
        deadline=action.due_at,
        defaults={"case": action.case, "recipient": user, "state": "delivered"},
    )
    return Notification.objects.create(
        reminder=reminder, user=user, read_at=timezone.now() if read else None
    )


# --- The case page -----------------------------------------------------------------------


def test_case_page_lists_open_actions_with_links_for_those_who_may_act(
    client_as, case: Case, action: Action, persona, informed: str
) -> None:
    overdue = services.action_create(
        actor=persona("ssp.aalborg"),
        case=case,
        title="Hjemmebesøg",
        responsible=persona("politi.forebyg"),
        due_at=later(days=-2),
    )
    services.action_complete(
        actor=persona("ssp.aalborg"),
        action=services.action_create(
            actor=persona("ssp.aalborg"),
            case=case,
            title="Allerede klaret",
            responsible=persona("ssp.aalborg"),
            due_at=later(days=1),
        ),
    )
    url = reverse("coordination:case_detail", args=[case.pk])
    response = client_as("ssp.aalborg").get(url)
    body = response.content.decode()
    assert [a.pk for a in response.context["actions"]] == [overdue.pk, action.pk]
    assert "Allerede klaret" not in body
    assert overdue.is_overdue and not action.is_overdue
    assert body.count('class="badge badge-error"') == 1
    assert reverse("coordination:action_new", args=[case.pk]) in body
    assert reverse("coordination:action_complete", args=[action.pk]) in body
    assert reverse("coordination:action_reassign", args=[overdue.pk]) in body
    reader = client_as(informed).get(url).content.decode()
    # The jobcenter joined after "Ring til skolen" was shared: it reads the later action
    # only, and is told that earlier content exists (sharing-rules.md 3).
    assert "Hjemmebesøg" in reader and "Ring til skolen" not in reader
    assert 'data-testid="unreceived"' in reader
    assert reverse("coordination:action_new", args=[case.pk]) not in reader
    assert reverse("coordination:action_complete", args=[action.pk]) not in reader


# --- Ny opgave ---------------------------------------------------------------------------


def action_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Tal med forældrene",
        "responsible": User.objects.get(username="politi.forebyg").pk,
        "due_at": local_input(later(days=5)),
    }
    data.update(overrides)
    return data


def test_new_action_is_created_through_the_form(client_as, case: Case, persona) -> None:
    client = client_as("ssp.aalborg")
    url = reverse("coordination:action_new", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    choices = set(page.context["form"].fields["responsible"].queryset)
    assert {persona("ssp.aalborg"), persona("politi.forebyg"), persona("fam.aalborg")} <= choices
    assert persona("job.aalborg") not in choices
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="view", case_id=case.pk, detail__view="action_new"
    ).exists()
    data = action_data()
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:case_detail", args=[case.pk])
    created = Action.objects.get(case=case)
    assert created.title == "Tal med forældrene"
    assert created.responsible == persona("politi.forebyg")
    assert created.responsible_unit.name == "Forebyggelse Aalborg"
    assert created.created_by == persona("ssp.aalborg")
    # The datetime-local value is read as Danish local time.
    local = dt.datetime.strptime(str(data["due_at"]), INPUT_FORMAT)
    assert created.due_at == local.replace(tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert AuditEvent.objects.filter(
        action="create", object_type="coordination.action", object_id=str(created.pk)
    ).exists()
    page = client.get(response["Location"])
    assert "Tal med forældrene" in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"due_at": "yesterday"}, "due_at"),
        ({"due_at": local_input(timezone.now() - dt.timedelta(days=1))}, "due_at"),
        ({"responsible": ""}, "responsible"),
        ("job.aalborg", "responsible"),  # Jobcenter Aalborg: forum member, not on the case
        ("ssp.hjoerring", "responsible"),
    ],
)
def test_new_action_bad_input_is_a_400_and_creates_nothing(
    client_as, case: Case, overrides, field: str
) -> None:
    if isinstance(overrides, str):
        overrides = {"responsible": User.objects.get(username=overrides).pk}
    response = client_as("ssp.aalborg").post(
        reverse("coordination:action_new", args=[case.pk]), action_data(**overrides)
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert "form-error-message" in response.content.decode()
    assert not Action.objects.filter(case=case).exists()


def test_new_action_outsider_gets_404(client_as, case: Case) -> None:
    client = client_as("ssp.hjoerring")
    url = reverse("coordination:action_new", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, action_data()).status_code == 404
    assert not Action.objects.filter(case=case).exists()
    assert denied("ssp.hjoerring", case)


def test_new_action_informed_participant_gets_403(client_as, case: Case, informed: str) -> None:
    client = client_as(informed)
    assert client.get(reverse("coordination:case_detail", args=[case.pk])).status_code == 200
    url = reverse("coordination:action_new", args=[case.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, action_data()).status_code == 403
    assert not Action.objects.filter(case=case).exists()
    assert denied(informed, case)


@pytest.mark.parametrize("username", ["statistik", "revisor"])
def test_new_action_non_case_roles_get_404(client_as, case: Case, username: str) -> None:
    url = reverse("coordination:action_new", args=[case.pk])
    assert client_as(username).post(url, action_data()).status_code == 404
    assert not Action.objects.filter(case=case).exists()


def test_new_action_on_a_closed_case_is_refused(client_as, case: Case) -> None:
    services.case_close(actor=case.coordinator, case=case, reason="Done")
    url = reverse("coordination:action_new", args=[case.pk])
    assert client_as("ssp.aalborg").post(url, action_data()).status_code == 403
    assert not Action.objects.filter(case=case).exists()


# --- Fuldfør -----------------------------------------------------------------------------


def test_complete_action_through_the_form(client_as, case: Case, action: Action) -> None:
    client = client_as("ssp.aalborg")
    url = reverse("coordination:action_complete", args=[action.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Ring til skolen" in page.content.decode()
    assert AuditEvent.objects.filter(
        actor__username="ssp.aalborg",
        action="view",
        case_id=case.pk,
        detail__view="action_complete",
    ).exists()
    response = client.post(url, {"note": "Skolen er orienteret"})
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:case_detail", args=[case.pk])
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    assert action.result_note == "Skolen er orienteret"
    assert action.completed_at is not None
    event = AuditEvent.objects.get(
        action="change", object_type="coordination.action", object_id=str(action.pk)
    )
    assert event.detail["change"] == "action_complete" and event.case_id == case.pk
    assert client.get(response["Location"]).context["actions"] == []


def test_complete_action_without_a_note(client_as, action: Action) -> None:
    response = client_as("politi.forebyg").post(
        reverse("coordination:action_complete", args=[action.pk])
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Action.Status.DONE and action.result_note == ""


def test_complete_action_bad_input_is_a_400(client_as, action: Action) -> None:
    client = client_as("ssp.aalborg")
    url = reverse("coordination:action_complete", args=[action.pk])
    response = client.post(url, {"note": "x" * 2001})
    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    action.refresh_from_db()
    assert action.status == Action.Status.OPEN
    assert client.post(url, {"note": "første gang"}).status_code == 302
    again = client.post(url, {"note": "anden gang"})
    assert again.status_code == 400
    assert again.context["form"].non_field_errors()
    action.refresh_from_db()
    assert action.result_note == "første gang"


def test_complete_action_access(client: Client, client_as, case, action, informed) -> None:
    url = reverse("coordination:action_complete", args=[action.pk])
    assert_login_redirect(client.post(url, {"note": "x"}))
    outsider = client_as("ssp.hjoerring")
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"note": "x"}).status_code == 404
    assert denied("ssp.hjoerring", case)
    reader = client_as(informed)
    assert reader.get(url).status_code == 403
    assert reader.post(url, {"note": "x"}).status_code == 403
    assert denied(informed, case)
    missing = reverse("coordination:action_complete", args=[0])
    assert client_as("ssp.aalborg").get(missing).status_code == 404
    action.refresh_from_db()
    assert action.status == Action.Status.OPEN


# --- Overdrag ----------------------------------------------------------------------------


def test_reassign_moves_the_action_and_its_pending_reminders(
    client_as, case: Case, action: Action, persona
) -> None:
    old, new = persona("ssp.aalborg"), persona("politi.forebyg")
    pending = Reminder.objects.create(
        kind="action_due", action=action, case=case, deadline=action.due_at, recipient=old
    )
    sent = Reminder.objects.create(
        kind="action_due_soon",
        action=action,
        case=case,
        deadline=action.due_at,
        recipient=old,
        state="delivered",
    )
    client = client_as("ssp.aalborg")
    url = reverse("coordination:action_reassign", args=[action.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert old not in page.context["form"].fields["responsible"].queryset
    response = client.post(url, {"responsible": new.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:case_detail", args=[case.pk])
    action.refresh_from_db()
    assert action.responsible == new
    assert action.responsible_unit.name == "Forebyggelse Aalborg"
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert pending.recipient == new
    assert sent.recipient == old  # already delivered: history stays as it was
    event = AuditEvent.objects.get(
        action="change", object_type="coordination.action", object_id=str(action.pk)
    )
    assert event.detail["change"] == "action_reassign"
    assert (event.detail["from"], event.detail["to"]) == (old.pk, new.pk)
    assert event.detail["reminders"] == 1


@pytest.mark.parametrize("responsible", ["", "job.aalborg", "ssp.hjoerring", "ssp.aalborg"])
def test_reassign_bad_input_is_a_400(client_as, action: Action, responsible: str) -> None:
    value = User.objects.get(username=responsible).pk if responsible else ""
    response = client_as("ssp.aalborg").post(
        reverse("coordination:action_reassign", args=[action.pk]), {"responsible": value}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["responsible"]
    action.refresh_from_db()
    assert action.responsible.username == "ssp.aalborg"


def test_reassign_a_finished_action_is_refused(client_as, action: Action, persona) -> None:
    services.action_complete(actor=persona("ssp.aalborg"), action=action)
    response = client_as("ssp.aalborg").post(
        reverse("coordination:action_reassign", args=[action.pk]),
        {"responsible": persona("politi.forebyg").pk},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    action.refresh_from_db()
    assert action.responsible == persona("ssp.aalborg")


def test_reassign_access(client: Client, client_as, case, action, informed, persona) -> None:
    url = reverse("coordination:action_reassign", args=[action.pk])
    data = {"responsible": persona("politi.forebyg").pk}
    assert_login_redirect(client.get(url))
    outsider = client_as("ssp.hjoerring")
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, data).status_code == 404
    assert denied("ssp.hjoerring", case)
    reader = client_as(informed)
    assert reader.get(url).status_code == 403
    assert reader.post(url, data).status_code == 403
    assert denied(informed, case)
    action.refresh_from_db()
    assert action.responsible == persona("ssp.aalborg")


# --- Mine opgaver ------------------------------------------------------------------------


def test_my_actions_groups_and_audits_each_citizen(client_as, open_case, persona) -> None:
    ssp, officer = persona("ssp.aalborg"), persona("politi.forebyg")
    first = open_case(*KK, age=16, others=KK_OTHERS)
    second = open_case(*KK, age=17, others=KK_OTHERS)

    def make(case: Case, title: str, days: float, who: User = ssp) -> Action:
        return services.action_create(
            actor=ssp, case=case, title=title, responsible=who, due_at=later(days=days)
        )

    overdue = make(first, "Overskredet", -1)
    soon = make(second, "Snart", 2)
    far = make(first, "Senere", 40)
    done = make(second, "Klaret", 1)
    services.action_complete(actor=ssp, action=done, note="ok")
    old = make(first, "Gammel", 1)
    services.action_complete(actor=ssp, action=old)
    Action.objects.filter(pk=old.pk).update(completed_at=later(days=-31))
    make(first, "Andens", 1, who=officer)

    response = client_as("ssp.aalborg").get(reverse("coordination:my_actions"))
    assert response.status_code == 200
    ctx = response.context
    ours = {first.pk, second.pk}  # the demo data has actions of its own

    def group(name: str) -> list[int]:
        return [a.pk for a in ctx[name] if a.case_id in ours]

    assert group("overdue") == [overdue.pk]
    assert group("coming") == [soon.pk, far.pk]
    assert group("done") == [done.pk]
    rows = [*ctx["overdue"], *ctx["coming"], *ctx["done"]]
    assert all(a.responsible_id == ssp.pk for a in rows)
    body = response.content.decode()
    assert "Gammel" not in body and "Andens" not in body
    assert reverse("coordination:case_detail", args=[first.pk]) in body
    assert reverse("coordination:case_detail", args=[second.pk]) in body
    shown = AuditEvent.objects.filter(
        actor__username="ssp.aalborg", action="list", detail__view="my_actions"
    )
    # One event per citizen shown, each citizen once.
    citizens = [e.citizen_id for e in shown]
    assert sorted(citizens) == sorted({a.case.citizen_id for a in rows})
    assert {first.citizen_id, second.citizen_id} <= set(citizens)


def test_my_actions_shows_nothing_of_others(client: Client, client_as, action: Action) -> None:
    assert_login_redirect(client.get(reverse("coordination:my_actions")))
    for username in ("ssp.hjoerring", "statistik"):
        user = User.objects.get(username=username)
        response = client_as(username).get(reverse("coordination:my_actions"))
        assert response.status_code == 200
        ctx = response.context
        rows = [*ctx["overdue"], *ctx["coming"], *ctx["done"]]
        assert action not in rows and all(a.responsible_id == user.pk for a in rows)
        assert "Ring til skolen" not in response.content.decode()
        shown = AuditEvent.objects.filter(actor__username=username, detail__view="my_actions")
        assert action.case.citizen_id not in {e.citizen_id for e in shown}
    statistics = client_as("statistik").get(reverse("coordination:my_actions")).context
    assert statistics["overdue"] == statistics["coming"] == statistics["done"] == []


def test_my_actions_hides_actions_on_cases_no_longer_visible(
    client_as, case: Case, action: Action
) -> None:
    participant = case.participants.get(unit__name="Forebyggelse Aalborg")
    officer_action = services.action_create(
        actor=case.coordinator,
        case=case,
        title="Politiets opgave",
        responsible=User.objects.get(username="politi.forebyg"),
        due_at=later(days=1),
    )
    services.participant_end(actor=case.coordinator, participant=participant)
    response = client_as("politi.forebyg").get(reverse("coordination:my_actions"))
    assert officer_action not in response.context["coming"]
    assert "Politiets opgave" not in response.content.decode()


def test_my_actions_query_count_is_constant(client_as, open_case, persona) -> None:
    ssp = persona("ssp.aalborg")
    client = client_as("ssp.aalborg")
    url = reverse("coordination:my_actions")

    def add(count: int) -> None:
        for n in range(count):
            case = open_case(*KK, age=16, others=KK_OTHERS)
            action = services.action_create(
                actor=ssp,
                case=case,
                title=f"Opgave {n}",
                responsible=ssp,
                due_at=later(days=n % 3 - 1, hours=1),
            )
            if n % 4 == 0:
                services.action_complete(actor=ssp, action=action)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    add(5)
    with_five = queries()
    add(25)
    assert queries() == with_five


# --- Notifications -----------------------------------------------------------------------


def test_notifications_show_only_the_users_own_and_opening_marks_nothing_read(
    client_as, case: Case, action: Action, persona
) -> None:
    ssp, officer = persona("ssp.aalborg"), persona("politi.forebyg")
    mine = notify(action, ssp)
    read = notify(action, ssp, kind="action_due_soon", read=True)
    others = notify(action, officer, kind="action_overdue")
    Notification.objects.filter(pk=mine.pk).update(created_at=later(minutes=1))
    response = client_as("ssp.aalborg").get(reverse("coordination:notifications"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert all(note.user_id == ssp.pk for note, _case in rows)
    assert [note.pk for note, _case in rows if note.reminder.action_id == action.pk] == [
        mine.pk,
        read.pk,
    ]
    assert {row_case for note, row_case in rows if note.reminder.action_id == action.pk} == {case}
    assert response.context["unread"] == ssp.notifications.filter(read_at__isnull=True).count()
    body = response.content.decode()
    assert case.reference in body and "Ring til skolen" in body
    assert reverse("coordination:notifications_read") in body
    assert reverse("coordination:preferences") in body
    mine.refresh_from_db()
    assert mine.read_at is None
    shown = AuditEvent.objects.filter(actor__username="ssp.aalborg", detail__view="notifications")
    assert case.citizen_id in {e.citizen_id for e in shown}
    assert all(e.action == "list" and e.purpose == "notifications" for e in shown)
    assert others.pk not in shown[0].detail["notifications"]


def test_mark_all_read(client: Client, client_as, action: Action, persona) -> None:
    ssp, officer = persona("ssp.aalborg"), persona("politi.forebyg")
    mine = [notify(action, ssp), notify(action, ssp, kind="action_due_soon")]
    others = notify(action, officer, kind="action_overdue")
    url = reverse("coordination:notifications_read")
    assert_login_redirect(client.post(url))
    assert client_as("ssp.aalborg").get(url).status_code == 405
    unread = ssp.notifications.filter(read_at__isnull=True).count()
    response = client_as("ssp.aalborg").post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:notifications")
    assert all(Notification.objects.get(pk=n.pk).read_at is not None for n in mine)
    assert Notification.objects.get(pk=others.pk).read_at is None
    event = AuditEvent.objects.get(
        actor__username="ssp.aalborg", action="change", detail__change="notifications_read"
    )
    assert event.detail == {"change": "notifications_read", "count": unread}
    assert not ssp.notifications.filter(read_at__isnull=True).exists()


def test_notification_count(client: Client, client_as, action: Action, persona) -> None:
    url = reverse("coordination:notification_count")
    assert_login_redirect(client.get(url))
    ssp = persona("ssp.aalborg")
    notify(action, ssp)
    notify(action, ssp, kind="action_due_soon")
    notify(action, ssp, kind="action_overdue", read=True)
    notify(action, persona("politi.forebyg"), kind="action_escalation")
    unread = ssp.notifications.filter(read_at__isnull=True).count()  # 2, and any of the demo's
    assert unread >= 2
    response = client_as("ssp.aalborg").get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["count"] == unread
    body = response.content.decode()
    assert f'<span class="badge badge-error" aria-hidden="true">{unread}</span>' in body
    assert "<html" not in body and "Ring til skolen" not in body
    assert "no-cache" in response["Cache-Control"]
    services.notifications_mark_read(actor=ssp)
    assert client_as("ssp.aalborg").get(url).context["count"] == 0
    assert not AuditEvent.objects.filter(actor__username="ssp.aalborg", action="list").exists()


def test_the_bell_is_in_the_header_for_users_only(client: Client, client_as) -> None:
    count_url = reverse("coordination:notification_count")
    page = client_as("ssp.aalborg").get(reverse("coordination:case_list")).content.decode()
    assert f'hx-get="{count_url}"' in page and 'hx-trigger="load, every 60s"' in page
    assert reverse("coordination:my_actions") in page  # the menu item
    assert count_url not in client.get(reverse("login")).content.decode()


def test_notifications_query_count_is_constant(client_as, open_case, persona) -> None:
    ssp = persona("ssp.aalborg")
    client = client_as("ssp.aalborg")

    def add(count: int) -> None:
        for n in range(count):
            case = open_case(*KK, age=16, others=KK_OTHERS)
            action = services.action_create(
                actor=ssp, case=case, title=f"Opgave {n}", responsible=ssp, due_at=later(days=1)
            )
            notify(action, ssp, read=n % 2 == 0)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("coordination:notifications"))
        assert response.status_code == 200
        return len(captured)

    add(3)
    with_three = queries()
    add(20)
    assert queries() == with_three


def test_notifications_page_needs_login(client: Client) -> None:
    assert_login_redirect(client.get(reverse("coordination:notifications")))


# --- Preferences -------------------------------------------------------------------------


def test_preferences_change_the_reminder_email(client: Client, client_as, persona) -> None:
    url = reverse("coordination:preferences")
    assert_login_redirect(client.get(url))
    browser = client_as("ssp.aalborg")
    page = browser.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial == {"reminder_email": "immediate"}
    assert 'class="form-radio"' in page.content.decode()
    response = browser.post(url, {"reminder_email": "digest"})
    assert response.status_code == 302
    assert persona("ssp.aalborg").reminder_email == User.ReminderEmail.DIGEST
    event = AuditEvent.objects.get(action="change", object_type="accounts.user")
    assert event.actor_username == "ssp.aalborg"
    assert event.detail == {"change": "preferences", "reminder_email": ["immediate", "digest"]}


def test_preferences_bad_input_is_a_400(client_as, persona) -> None:
    response = client_as("ssp.aalborg").post(
        reverse("coordination:preferences"), {"reminder_email": "pigeon"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reminder_email"]
    assert persona("ssp.aalborg").reminder_email == User.ReminderEmail.IMMEDIATE
    assert not AuditEvent.objects.filter(action="change", object_type="accounts.user").exists()
