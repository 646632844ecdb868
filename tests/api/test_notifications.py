"""API v1 (docs/api.md): the caller's own notifications, hidden once their case
is no longer visible; the cursor."""

from __future__ import annotations

import pytest

from coordination import services
from coordination.models import Action, Case, Notification, Reminder
from tests.helpers import (
    API,
    events_since,
    follow,
    make_action,
    mark,
    normalise_times,
    results,
    rid,
    token_client,
    user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_reset")]

NOTIFICATION_FIELDS = {
    "id", "kind", "case", "action", "consent", "deadline", "created_at", "read_at",
}  # fmt: skip


def notify(username: str, action: Action) -> Notification:
    reminder, _created = Reminder.objects.get_or_create(
        kind=Reminder.Kind.ACTION_DUE_SOON,
        action=action,
        case=action.case,
        deadline=action.due_at,
        defaults={"recipient": user(username)},
    )
    return Notification.objects.create(reminder=reminder, user=user(username))


def test_notifications_are_the_callers_own(kk: Case) -> None:
    action = make_action(kk, responsible="fam.aalborg")
    mine = notify("fam.aalborg", action)
    notify("ssp.aalborg", action)
    request_id = rid()
    before = mark()
    response = token_client("fam.aalborg").get(
        f"{API}/notifications/", HTTP_X_REQUEST_ID=request_id
    )
    rows = results(response)
    theirs = Notification.objects.filter(user__username="fam.aalborg").count()
    assert len(rows) == theirs and rows[0]["id"] == mine.pk
    assert set(rows[0]) == NOTIFICATION_FIELDS
    assert normalise_times(rows[0], "deadline", "created_at") == {
        "id": mine.pk,
        "kind": "action_due_soon",
        "case": kk.pk,
        "action": action.pk,
        "consent": None,
        "deadline": action.due_at,
        "created_at": mine.created_at,
        "read_at": None,
    }
    written = events_since(before)
    assert written and all(e.request_id == request_id for e in written)
    assert request_id == response["X-Request-ID"]
    assert kk.citizen_id in {e.citizen_id for e in written}
    for event in written:
        assert (event.actor_username, event.action, event.purpose) == (
            "fam.aalborg",
            "list",
            "notifications",
        )
        assert event.detail == {
            "view": "api_notifications",
            "notifications": [row["id"] for row in rows],
        }


def test_notifications_about_a_case_no_longer_visible_are_hidden(kk: Case) -> None:
    note = notify("fam.aalborg", make_action(kk, responsible="fam.aalborg"))
    fam = token_client("fam.aalborg")
    assert note.pk in {row["id"] for row in results(fam.get(f"{API}/notifications/"))}
    family = kk.participants.get(unit__name="Familiegrupperne")
    services.participant_end(actor=user("ssp.aalborg"), participant=family)
    assert note.pk not in {row["id"] for row in results(fam.get(f"{API}/notifications/"))}


def test_notifications_cursor_returns_every_row_once(kk: Case) -> None:
    made = [notify("politi.forebyg", make_action(kk, days=n + 1)).pk for n in range(5)]
    pages = follow(token_client("politi.forebyg"), f"{API}/notifications/?page_size=2")
    seen = [row["id"] for page in pages for row in page]
    assert len(seen) == len(set(seen))
    assert seen[:5] == made[::-1]
    assert len(seen) == Notification.objects.filter(user__username="politi.forebyg").count()
