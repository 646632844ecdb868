"""The auditors' pages through HTTP (persona `revisor`): the log and its filters, the CPR
search, the CSV export, the anomaly reports, review samples and the citizen insight report.
Everyone else is refused (403, audited), anonymous users are sent to log in, every page the
auditor opens is itself audited, and a CPR number typed by the auditor is never logged. The
CSV export, the printed insight report and its PDF are disclosures: they ask for the
recipient, the legal basis and a justification (tests/coordination/test_disclosures.py has
the rest)."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from collections import Counter
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coordination import audit, services
from coordination.models import (
    AuditEvent,
    AuditSample,
    Case,
    CaseParticipant,
)
from coordination.querysets import READ_ACTIONS
from tests.conftest import fresh_cpr

pytestmark = pytest.mark.django_db

KK = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
# The three questions of a disclosure: for the CSV export, and for the insight report.
EXPORT_TO = {
    "recipient": "Intern revision",
    "legal_basis": "FVL28",
    "justification": "Kvartalets stikprøvekontrol",
}
HAND_TO = {
    "recipient": "Borgeren",
    "legal_basis": "GDPR15",
    "justification": "Borgerens anmodning om indsigt",
}


def url(name: str, *args: Any) -> str:
    return reverse(f"coordination:{name}", args=args)


def quiet_day(weeks_ago: int = 3) -> dt.date:
    """A Wednesday some weeks back. The seed logs everything at the moment it runs and every
    test is rolled back, so the events a test places on this day are all the day holds."""
    today = timezone.localdate()
    return today - dt.timedelta(days=(today.weekday() - 2) % 7 + 7 * weeks_ago)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """Local (Copenhagen) wall-clock time on `day`."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def log_events(when: dt.datetime, count: int = 1, **kwargs: Any) -> list[AuditEvent]:
    """`count` events built as the application builds them, placed at `when` (the insert
    computes the digest, so it covers the time set here)."""
    events = []
    for _ in range(count):
        event = audit.build_event(**kwargs)
        event.occurred_at = when
        events.append(event)
    audit.insert_events(events)
    return events


def last_event_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def events_of(username: str) -> Any:
    """The events of `username`, but the logins written by the test client's force_login."""
    return AuditEvent.objects.filter(actor_username=username).exclude(action="login")


def table_rows(body: str, testid: str) -> list[list[str]]:
    """The body rows (cell texts) of the table with data-testid=`testid`. The placeholder
    row of an empty table (one cell spanning the table) is left out."""
    match = re.search(rf'<table[^>]*data-testid="{testid}"[^>]*>(.*?)</table>', body, re.S)
    assert match, f"no table with data-testid={testid}"
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if len(cells) > 1:
            rows.append(
                [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", c).split())) for c in cells]
            )
    return rows


def event_texts() -> list[str]:
    """Every audit event's content as text, to look for what must never be logged."""
    fields = ("detail", "purpose", "object_id", "object_type", "actor_username", "request_id")
    return [json.dumps(row, default=str) for row in AuditEvent.objects.values(*fields)]


def not_own_cases(user: User) -> Any:
    """Cases `user` neither coordinates nor is a named contact of (not "their own")."""
    contact = CaseParticipant.objects.filter(contact_user=user, emergency=False).values("case_id")
    return Case.objects.exclude(coordinator=user).exclude(pk__in=contact).order_by("pk")


@pytest.fixture
def sample(persona) -> AuditSample:
    """A sample of three caseworker events, drawn by the auditor."""
    day = quiet_day()
    log_events(at(day, 10), 3, actor=persona("job.aalborg"), action="view")
    return services.audit_sample_draw(
        actor=persona("revisor"), period_start=day, period_end=day, size=3
    )


# --- Who may open the auditor pages ------------------------------------------------------


AUDITOR_PAGES = [
    ("audit_log", "get"),
    ("audit_log", "post"),
    ("audit_export", "post"),
    ("audit_anomalies", "get"),
    ("audit_samples", "get"),
    ("audit_sample", "get"),
    ("audit_insight", "get"),
]

# Every page and method, each with a body that would succeed for an auditor.
ALL_PAGES = [
    ("audit_log", "get"),
    ("audit_log", "post"),
    ("audit_export", "post"),
    ("audit_anomalies", "get"),
    ("audit_samples", "get"),
    ("audit_samples", "post"),
    ("audit_sample", "get"),
    ("audit_sample", "post"),
    ("audit_insight", "get"),
    ("audit_insight", "post"),
    ("audit_insight_exception", "post"),
]


def request_page(
    client: Client, name: str, method: str, sample: AuditSample, cpr_number: str = ""
) -> Any:
    day = quiet_day()
    bodies: dict[str, dict[str, Any]] = {
        "audit_log": {"action": "view"},
        "audit_export": {"action": "view", **EXPORT_TO},
        "audit_samples": {"period_start": day, "period_end": day, "size": 2},
        "audit_sample": {"item": sample.items.first().pk, "conclusion": "justified"},
        "audit_insight": {"cpr": cpr_number, "format": "pdf", **HAND_TO},
        "audit_insight_exception": {
            "cpr": cpr_number,
            "item": "coordination.entry:1",
            "reasoning": "Verserende politisag om vold",
        },
    }
    target = url(name, sample.pk) if name == "audit_sample" else url(name)
    if method == "get":
        return client.get(target)
    return client.post(target, bodies[name])


@pytest.mark.parametrize(("name", "method"), AUDITOR_PAGES)
def test_auditor_opens_every_page_and_it_is_audited(client_as, sample, name, method) -> None:
    client = client_as("revisor")
    before = last_event_pk()
    response = request_page(client, name, method, sample)
    assert response.status_code == 200
    written = AuditEvent.objects.filter(pk__gt=before)
    assert written.exists()
    assert all(e.actor_username == "revisor" for e in written)
    assert all(e.purpose.startswith("audit:") for e in written)
    assert all(e.outcome == "ok" for e in written)


@pytest.mark.parametrize("username", ["ssp.aalborg", "politi.forebyg", "admin"])
@pytest.mark.parametrize(("name", "method"), ALL_PAGES)
def test_everyone_but_the_auditor_is_refused_and_it_is_audited(
    client_as, kk_citizen, sample, username, name, method
) -> None:
    _case, number = kk_citizen
    client = client_as(username)
    before = last_event_pk()
    samples_before = AuditSample.objects.count()
    response = request_page(client, name, method, sample, number)
    assert response.status_code == 403
    written = list(AuditEvent.objects.filter(pk__gt=before))
    assert [(e.actor_username, e.outcome, e.action) for e in written] == [
        (username, "denied", "view")
    ]
    assert written[0].detail["object_type"] == "audit_log"
    assert AuditSample.objects.count() == samples_before
    assert not sample.items.exclude(conclusion="pending").exists()
    assert not any(number in text for text in event_texts())


@pytest.mark.parametrize(("name", "method"), ALL_PAGES)
def test_anonymous_is_sent_to_login(client: Client, sample, name, method) -> None:
    before = last_event_pk()
    response = request_page(client, name, method, sample, "0101011234")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not AuditEvent.objects.filter(pk__gt=before, purpose__startswith="audit:").exists()


def test_unknown_sample_is_404_for_the_auditor(client_as) -> None:
    missing = (AuditSample.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    client = client_as("revisor")
    assert client.get(url("audit_sample", missing)).status_code == 404
    response = client.post(url("audit_sample", missing), {"item": 1, "conclusion": "justified"})
    assert response.status_code == 404


def test_export_takes_post_only(client_as) -> None:
    assert client_as("revisor").get(url("audit_export")).status_code == 405


# --- The log and its filters -------------------------------------------------------------


def test_log_without_criterion_is_a_list_of_the_newest_events(client_as) -> None:
    client = client_as("revisor")
    newest = list(AuditEvent.objects.order_by("-pk").values_list("pk", flat=True)[:50])
    response = client.get(url("audit_log"))
    assert response.status_code == 200
    shown = [e.pk for e in response.context["events"]]
    assert shown == newest
    assert response.content.decode().count('data-testid="audit-event"') == 50
    # One event per citizen the page shows, each with the whole page's event ids.
    written = list(events_of("revisor"))
    citizens = {e.citizen_id for e in response.context["events"] if e.citizen_id}
    assert {e.citizen_id for e in written} == (citizens or {None})
    assert len(written) == max(len(citizens), 1)
    for event in written:
        assert event.action == "list" and event.purpose == "audit:log"
        assert event.detail["criterion"] == {} and event.detail["events"] == shown


def test_log_filters_by_user_name_or_id(client_as, persona) -> None:
    # statistik has no events in the seed: here its login and two refused requests.
    statistik = client_as("statistik")
    assert statistik.get(url("audit_log")).status_code == 403
    assert statistik.get(url("audit_anomalies")).status_code == 403
    expected = set(
        AuditEvent.objects.filter(actor_username="statistik").values_list("pk", flat=True)
    )
    assert len(expected) == 3
    assert events_of("statistik").filter(outcome="denied").count() == 2
    client = client_as("revisor")
    by_name = client.post(url("audit_log"), {"user": "statistik"})
    assert by_name.status_code == 200
    assert {e.pk for e in by_name.context["events"]} == expected
    assert by_name.content.decode().count('data-testid="audit-event"') == 3
    by_id = client.post(url("audit_log"), {"user": str(persona("statistik").pk)})
    assert {e.pk for e in by_id.context["events"]} == expected
    search = events_of("revisor").order_by("pk").first()
    assert search.action == "search" and search.purpose == "audit:log"
    assert search.detail["criterion"] == {"user": "statistik"}
    assert set(search.detail["events"]) == expected


def test_log_filters_by_action(client_as, client: Client) -> None:
    for attempt in ("wrong-1", "wrong-2"):
        client.post(reverse("login"), {"username": "job.aalborg", "password": attempt})
    expected = set(AuditEvent.objects.filter(action="login_failed").values_list("pk", flat=True))
    assert len(expected) == 2
    revisor = client_as("revisor")
    response = revisor.post(url("audit_log"), {"action": "login_failed"})
    assert response.status_code == 200
    assert {e.pk for e in response.context["events"]} == expected
    # Combined with a user: the failed logins have none, so nothing matches both.
    both = revisor.post(url("audit_log"), {"action": "login_failed", "user": "job.aalborg"})
    assert both.status_code == 200 and both.context["events"] == []


def test_log_filters_by_case_reference(client_as, open_case) -> None:
    case = open_case(*KK, age=16, track="15-17", others=["Forebyggelse Aalborg"])
    other = open_case(*KK, age=17, track="15-17", others=["Forebyggelse Aalborg"])
    assert client_as("ssp.aalborg").get(url("case_detail", case.pk)).status_code == 200
    assert client_as("politi.forebyg").get(url("case_detail", other.pk)).status_code == 200
    expected = set(AuditEvent.objects.filter(case_id=case.pk).values_list("pk", flat=True))
    assert AuditEvent.objects.filter(pk__in=expected, action="view").count() == 1
    client = client_as("revisor")
    for reference in (f"SAG-{case.pk:06d}", case.reference, str(case.pk)):
        response = client.post(url("audit_log"), {"case": reference})
        assert response.status_code == 200, reference
        assert {e.pk for e in response.context["events"]} == expected, reference
    search = events_of("revisor").order_by("pk").first()
    assert search.detail["criterion"] == {"case": str(case.pk)}


def test_log_filters_by_period_in_local_days(client_as, persona) -> None:
    day = quiet_day()
    actor = persona("skole.aalborg")
    before_day = log_events(at(day - dt.timedelta(days=1), 23, 59), actor=actor, action="view")
    midnight = log_events(at(day, 0, 0), actor=actor, action="view")
    noon = log_events(at(day, 12, 0), actor=actor, action="view")
    late = log_events(at(day, 23, 59), actor=actor, action="view")
    after_day = log_events(at(day + dt.timedelta(days=1), 0, 0), actor=actor, action="view")
    client = client_as("revisor")

    def shown(data: dict[str, Any]) -> set[int]:
        response = client.post(url("audit_log"), data)
        assert response.status_code == 200, data
        return {e.pk for e in response.context["events"]}

    # A date is its whole local day, from local midnight to local midnight.
    whole_day = shown({"since": day.isoformat(), "until": day.isoformat()})
    assert whole_day == {e.pk for e in midnight + noon + late}
    # A time with an offset is exact; "until" excludes its own moment.
    morning = shown({"since": day.isoformat(), "until": at(day, 12).isoformat()})
    assert morning == {e.pk for e in midnight}
    afternoon = shown({"since": at(day, 12).isoformat(), "until": day.isoformat()})
    assert afternoon == {e.pk for e in noon + late}
    two_days = shown({"since": (day - dt.timedelta(days=1)).isoformat(), "until": day.isoformat()})
    assert two_days == {e.pk for e in before_day + midnight + noon + late}
    assert after_day[0].pk not in two_days


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("case", "xyz"),
        ("since", "notadate"),
        ("until", "2026-02-30"),
        ("action", "nope"),
        ("cpr", "1234567"),
    ],
)
def test_log_bad_filter_is_400_with_the_field_error(client_as, field, value) -> None:
    for view in ("audit_log", "audit_export"):
        response = client_as("revisor").post(url(view), {field: value, **EXPORT_TO})
        assert response.status_code == 400, view
        assert field in response.context["filter"].form.errors, view
        assert f'id="id_{field}-error"' in response.content.decode(), view
    assert not AuditEvent.objects.filter(
        actor_username="revisor", action__in=["export", "disclose"]
    ).exists()


def test_log_show_more_pages_by_time_and_id_without_overlap(client_as, persona) -> None:
    # 60 events at one and the same moment: the id breaks the tie.
    events = log_events(at(quiet_day(), 10), 60, actor=persona("statistik"), action="view")
    client = client_as("revisor")
    first = client.post(url("audit_log"), {"user": "statistik"})
    first_page = [e.pk for e in first.context["events"]]
    assert len(first_page) == 50 and first.context["has_more"]
    token = first.context["next_before"]
    assert token.endswith(f"-{first_page[-1]}")
    body = first.content.decode()
    assert f'name="before" value="{token}"' in body
    assert 'name="user" value="statistik"' in body  # the criterion travels with "show more"
    second = client.post(
        url("audit_log"), {"user": "statistik", "before": token}, HTTP_HX_REQUEST="true"
    )
    second_page = [e.pk for e in second.context["events"]]
    assert len(second_page) == 10 and not second.context["has_more"]
    assert "<html" not in second.content.decode()  # htmx gets the rows only
    assert second.content.decode().count('data-testid="audit-event"') == 10
    assert not set(first_page) & set(second_page)
    assert first_page + second_page == sorted((e.pk for e in events), reverse=True)


@pytest.mark.parametrize(
    "data",
    [{"user": "²"}, {"user": "9" * 25}, {"before": "²"}, {"before": "9" * 30 + "-1"}],
    ids=["user²", "user-huge", "before²", "before-huge"],
)
def test_log_numeric_looking_input_is_not_a_server_error(client_as, data) -> None:
    client = client_as("revisor")
    client.raise_request_exception = False
    response = client.post(url("audit_log"), data)
    assert response.status_code in (200, 400)


# --- Search by CPR number ------------------------------------------------------------------


def test_cpr_search_shows_that_citizen_only_and_never_logs_the_number(
    client_as, kk_citizen, open_case
) -> None:
    case, number = kk_citizen
    open_case(*KK, age=16, track="15-17")  # someone else, with events of their own
    assert client_as("ssp.aalborg").get(url("case_detail", case.pk)).status_code == 200
    client = client_as("revisor")
    for typed in (number, f"{number[:6]}-{number[6:]}"):
        # The citizen's events, the earlier search among them (it showed the citizen).
        expected = set(
            AuditEvent.objects.filter(citizen_id=case.citizen_id).values_list("pk", flat=True)
        )
        assert len(expected) >= 4  # registered, case opened, participant added, page viewed
        response = client.post(url("audit_log"), {"cpr": typed})
        assert response.status_code == 200
        assert {e.pk for e in response.context["events"]} == expected
        assert {e.citizen_id for e in response.context["events"]} == {case.citizen_id}
    searches = AuditEvent.objects.filter(actor_username="revisor", purpose="audit:log")
    assert searches.count() == 2
    for search in searches:
        assert search.action == "search" and search.citizen_id == case.citizen_id
        assert search.detail["criterion"] == {"cpr": f"citizen:{case.citizen_id}"}
    texts = event_texts()
    assert not any(number in text for text in texts)
    assert not any(f"{number[:6]}-{number[6:]}" in text for text in texts)


def test_cpr_search_for_an_unknown_number_finds_nothing(client_as) -> None:
    number = fresh_cpr(40)  # valid, never registered
    response = client_as("revisor").post(url("audit_log"), {"cpr": number})
    assert response.status_code == 200
    assert response.context["events"] == []
    search = events_of("revisor").get()
    assert search.action == "search" and search.citizen_id is None
    assert search.detail["criterion"] == {"cpr": "no match"}
    assert not any(number in text for text in event_texts())


@pytest.mark.parametrize("typed", ["1234567", "3213991234", "abcdefghij"])
def test_cpr_search_with_an_invalid_number_is_400(client_as, typed) -> None:
    response = client_as("revisor").post(url("audit_log"), {"cpr": typed})
    assert response.status_code == 400
    assert "cpr" in response.context["filter"].form.errors
    assert response.context["events"] == []
    assert not any(typed in text for text in event_texts())


# --- CSV export ----------------------------------------------------------------------------


def read_csv(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # the byte-order mark Excel needs
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_export_is_csv_of_the_filtered_events_and_is_audited(client_as, persona) -> None:
    day = quiet_day()
    actor = persona("job.aalborg")
    case = not_own_cases(actor).first()
    wanted = log_events(at(day, 10), 3, actor=actor, action="view", obj=case)
    log_events(at(day, 11), 2, actor=actor, action="list")  # another action
    log_events(at(day + dt.timedelta(days=1), 10), 2, actor=actor, action="view")  # another day
    response = client_as("revisor").post(
        url("audit_export"), {"action": "view", "since": day, "until": day, **EXPORT_TO}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="revisionslog-')
    rows = read_csv(response)
    header, lines = rows[0], rows[1:]
    assert header[:5] == ["id", "time", "user", "unit", "action"]
    assert "purpose" in header and "request_id" in header and "citizen" in header
    assert len(lines) == 3
    assert {int(line[0]) for line in lines} == {e.pk for e in wanted}
    column = dict(zip(header, lines[0], strict=True))
    assert column["user"] == "job.aalborg" and column["action"] == "view"
    assert column["case"] == str(case.pk) and column["citizen"] == str(case.citizen_id)
    # A disclosure to the recipient named, one per citizen in the file (here one).
    export = AuditEvent.objects.get(actor_username="revisor", action="disclose")
    assert export.purpose == "audit:export" and export.legal_basis == "FVL28"
    assert export.citizen_id == case.citizen_id
    assert export.detail["channel"] == "csv"
    assert export.detail["recipient"] == "Intern revision"
    assert export.detail["justification"] == "Kvartalets stikprøvekontrol"
    assert export.detail["rows"] == 3
    assert export.detail["criterion"] == {
        "action": "view",
        "since": str(at(day, 0)),
        "until": str(at(day, 0)),
    }
    assert not AuditEvent.objects.filter(actor_username="revisor", action="export").exists()


def test_export_neutralises_spreadsheet_formulas(client_as, persona) -> None:
    day = quiet_day()
    mallory = User.objects.create_user(username="=HYPERLINK(1)", password="x")
    purposes = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "prevention:ssp"]
    for index, purpose in enumerate(purposes):
        log_events(at(day, 9 + index), actor=persona("job.aalborg"), action="view", purpose=purpose)
    audit.write_event(actor=mallory, action="view", purpose="plain")
    response = client_as("revisor").post(
        url("audit_export"), {"since": day, "until": day, "user": "job.aalborg", **EXPORT_TO}
    )
    assert response.status_code == 200
    rows = read_csv(response)
    column = rows[0].index("purpose")
    assert sorted(line[column] for line in rows[1:]) == sorted(
        ["'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", "prevention:ssp"]
    )
    by_name = read_csv(
        client_as("revisor").post(url("audit_export"), {"user": mallory.username, **EXPORT_TO})
    )
    assert len(by_name) == 2
    assert by_name[1][by_name[0].index("user")] == "'=HYPERLINK(1)"


# --- Anomaly reports ---------------------------------------------------------------------


def anomalies(client: Client, since: dt.date, until: dt.date) -> str:
    response = client.get(
        url("audit_anomalies"), {"fra": since.isoformat(), "til": until.isoformat()}
    )
    assert response.status_code == 200
    return response.content.decode()


def views_of(actor: User, cases: list[Case], when: dt.datetime) -> list[AuditEvent]:
    events = []
    for case in cases:
        event = audit.build_event(actor=actor, action="view", obj=case)
        event.occurred_at = when
        events.append(event)
    audit.insert_events(events)
    return events


def test_anomalies_flag_many_citizens_outside_ones_own_cases(client_as, persona) -> None:
    day = quiet_day()
    limit = settings.AUDIT_ANOMALY_CITIZENS_PER_DAY
    investigator = persona("politi.efterforsk")
    strangers = list(not_own_cases(investigator).order_by("citizen_id").distinct())
    by_citizen = list({c.citizen_id: c for c in strangers}.values())
    assert len(by_citizen) > limit + 1, "the seed has too few citizens for this threshold"
    views_of(investigator, by_citizen[: limit + 1], at(day, 10))
    # Exactly the threshold is not "more than" it.
    family = persona("fam.aalborg")
    not_family = list({c.citizen_id: c for c in not_own_cases(family)}.values())
    assert len(not_family) >= limit
    views_of(family, not_family[:limit], at(day, 11))
    # A coordinator opening many of their own cases is doing their job.
    coordinator = persona("ssp.aalborg")
    own = list(Case.objects.filter(coordinator=coordinator).order_by("pk"))
    assert len({c.citizen_id for c in own}) > limit
    views_of(coordinator, own, at(day, 9))
    views_of(coordinator, own, at(day, 13))
    # The same burst on another day is outside the period asked for.
    jobcenter = persona("job.aalborg")
    theirs_not = list({c.citizen_id: c for c in not_own_cases(jobcenter)}.values())
    assert len(theirs_not) > limit
    views_of(jobcenter, theirs_not[: limit + 1], at(day - dt.timedelta(days=7), 10))

    body = anomalies(client_as("revisor"), day, day)
    rows = table_rows(body, "anomaly-many-citizens")
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("politi.efterforsk", str(limit + 1), str(limit + 1))
    ]
    wider = anomalies(client_as("revisor"), day - dt.timedelta(days=7), day)
    flagged = {r[0] for r in table_rows(wider, "anomaly-many-citizens")}
    assert flagged == {"politi.efterforsk", "job.aalborg"}


def test_anomalies_report_access_outside_working_hours(client_as, persona) -> None:
    day = quiet_day()  # a Wednesday
    saturday = day + dt.timedelta(days=3)
    case = Case.objects.order_by("pk").first()
    log_events(at(day, 2), actor=persona("job.aalborg"), action="view", obj=case)
    log_events(at(day, 3), actor=persona("job.aalborg"), action="create", obj=case)  # not a read
    log_events(at(day, 10), actor=persona("skole.aalborg"), action="view", obj=case)
    log_events(at(day, 17, 59), actor=persona("social.aalborg"), action="list", obj=case)
    log_events(at(day, 18), actor=persona("psyk.syd"), action="search", obj=case)
    log_events(at(day, 4), actor=None, action="list")  # the system, not a person
    log_events(at(saturday, 12), actor=persona("fam.aalborg"), action="view", obj=case)
    client = client_as("revisor")

    rows = {r[0]: r for r in table_rows(anomalies(client, day, saturday), "anomaly-off-hours")}
    assert set(rows) == {"job.aalborg", "psyk.syd", "fam.aalborg"}
    _user, _day, events, citizens, first, last = rows["job.aalborg"]
    assert (events, citizens, first, last) == ("1", "1", "02:00", "02:00")
    assert rows["psyk.syd"][4] == "18:00"
    assert rows["fam.aalborg"][4] == "12:00"
    # Only the period asked for.
    weekday_only = table_rows(anomalies(client, day, day), "anomaly-off-hours")
    assert {r[0] for r in weekday_only} == {"job.aalborg", "psyk.syd"}


def test_anomalies_list_emergency_access_exports_and_failed_logins(client_as, persona) -> None:
    day = quiet_day()
    emergency_case, export_case = Case.objects.order_by("pk")[:2]
    log_events(
        at(day, 11),
        actor=persona("politi.efterforsk"),
        action="emergency_access",
        obj=emergency_case,
        purpose="Akut fare for barnet, der må handles nu",
    )
    log_events(at(day, 14), actor=persona("job.aalborg"), action="export", obj=export_case)
    log_events(at(day, 8), 3, action="login_failed", actor=None, outcome="denied",
               detail={"username": "x"})  # fmt: skip
    log_events(at(day, 9), action="login_failed", actor=None, outcome="denied",
               detail={"username": "y"})  # fmt: skip
    log_events(at(day - dt.timedelta(days=1), 9), 5, action="login_failed", actor=None,
               outcome="denied", detail={"username": "x"})  # fmt: skip

    body = anomalies(client_as("revisor"), day, day)
    emergency = table_rows(body, "anomaly-emergency")
    assert len(emergency) == 1
    assert "politi.efterforsk" in emergency[0][1]
    assert f"SAG-{emergency_case.pk:06d}" in emergency[0][3]
    exports = table_rows(body, "anomaly-exports")
    assert len(exports) == 1
    assert "job.aalborg" in exports[0][1] and f"SAG-{export_case.pk:06d}" in exports[0][3]
    failed = table_rows(body, "anomaly-failed-logins")
    assert [(r[0], r[2]) for r in failed] == [("x", "3"), ("y", "1")]

    report = AuditEvent.objects.filter(actor_username="revisor", purpose="audit:anomalies")
    assert {e.citizen_id for e in report} == {emergency_case.citizen_id, export_case.citizen_id}
    assert all(e.action == "view" for e in report)
    assert all(e.detail["period"] == [str(day), str(day)] for e in report)


# --- Review samples ----------------------------------------------------------------------


def test_drawing_a_sample_creates_its_items_and_opens_it(client_as, persona) -> None:
    day = quiet_day()
    pool = log_events(at(day, 10), 10, actor=persona("job.aalborg"), action="view")
    response = client_as("revisor").post(
        url("audit_samples"), {"period_start": day, "period_end": day, "size": 5}
    )
    assert response.status_code == 302
    sample = AuditSample.objects.get(drawn_by=persona("revisor"))
    assert response["Location"] == url("audit_sample", sample.pk)
    items = list(sample.items.all())
    drawn = {i.event_id for i in items}
    assert sample.size == 5 and len(items) == 5 and len(drawn) == 5
    assert drawn <= {e.pk for e in pool}
    assert all(i.conclusion == "pending" and i.reviewed_at is None for i in items)
    event = AuditEvent.objects.get(actor_username="revisor", object_type="coordination.auditsample")
    assert event.action == "create" and event.purpose == "audit:sample"
    assert set(event.detail["events"]) == drawn
    page = client_as("revisor").get(response["Location"])
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="sample-item"') == 5


def test_a_sample_draws_only_the_action_asked_for_and_never_the_auditors(
    client_as, persona
) -> None:
    day = quiet_day()
    views = log_events(at(day, 10), 6, actor=persona("job.aalborg"), action="view")
    log_events(at(day, 11), 4, actor=persona("job.aalborg"), action="list")
    log_events(at(day, 12), 5, actor=persona("revisor"), action="view", purpose="audit:log")
    response = client_as("revisor").post(
        url("audit_samples"),
        {"period_start": day, "period_end": day, "action": "view", "size": 100},
    )
    assert response.status_code == 302
    sample = AuditSample.objects.get(drawn_by=persona("revisor"))
    assert sample.size == 6 and sample.action == "view"
    assert set(sample.items.values_list("event_id", flat=True)) == {e.pk for e in views}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"size": 0}, "size"),
        ({"size": 101}, "size"),
        ({"size": "many"}, "size"),
        ({"period_end": "end"}, "period_end"),  # replaced by the day before the start below
        ({"period_start": "2026-02-30"}, "period_start"),
    ],
    ids=["size-0", "size-101", "size-text", "end-before-start", "bad-date"],
)
def test_drawing_a_sample_with_bad_input_is_400(client_as, persona, change, field) -> None:
    day = quiet_day()
    log_events(at(day, 10), 10, actor=persona("job.aalborg"), action="view")
    data: dict[str, Any] = {"period_start": day, "period_end": day, "size": 5, **change}
    if data["period_end"] == "end":
        data["period_end"] = day - dt.timedelta(days=1)
    response = client_as("revisor").post(url("audit_samples"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not AuditSample.objects.exists()


def test_drawing_from_an_empty_period_is_400(client_as) -> None:
    empty = quiet_day(weeks_ago=6)
    response = client_as("revisor").post(
        url("audit_samples"), {"period_start": empty, "period_end": empty, "size": 5}
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not AuditSample.objects.exists()


def test_concluding_justified_records_the_reviewer(client_as, persona, sample) -> None:
    item = sample.items.order_by("pk").first()
    response = client_as("revisor").post(
        url("audit_sample", sample.pk), {"item": item.pk, "conclusion": "justified"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("audit_sample", sample.pk)
    item.refresh_from_db()
    assert item.conclusion == "justified" and item.note == ""
    assert item.reviewed_by == persona("revisor")
    assert item.reviewed_at is not None
    assert abs(timezone.now() - item.reviewed_at) < dt.timedelta(minutes=1)
    event = AuditEvent.objects.get(
        actor_username="revisor", object_type="coordination.auditsampleitem"
    )
    assert event.action == "change" and event.purpose == "audit:sample"
    assert event.object_id == str(item.pk)
    assert event.detail == {"sample": sample.pk, "event": item.event_id, "conclusion": "justified"}
    page = client_as("revisor").get(url("audit_sample", sample.pk))
    assert page.context["reviewed"] == 1


@pytest.mark.parametrize("conclusion", ["unjustified", "follow_up"])
def test_concluding_anything_but_justified_needs_a_note(client_as, sample, conclusion) -> None:
    item = sample.items.order_by("pk").first()
    client = client_as("revisor")
    response = client.post(
        url("audit_sample", sample.pk), {"item": item.pk, "conclusion": conclusion, "note": "  "}
    )
    assert response.status_code == 400
    assert "note" in response.context["form"].errors
    assert 'id="id_note-error"' in response.content.decode()
    item.refresh_from_db()
    assert item.conclusion == "pending" and item.reviewed_by is None and item.reviewed_at is None
    assert not AuditEvent.objects.filter(object_type="coordination.auditsampleitem").exists()

    noted = client.post(
        url("audit_sample", sample.pk),
        {"item": item.pk, "conclusion": conclusion, "note": "Ingen sag i enheden"},
    )
    assert noted.status_code == 302
    item.refresh_from_db()
    assert item.conclusion == conclusion and item.note == "Ingen sag i enheden"


def test_pending_is_not_a_conclusion(client_as, sample) -> None:
    item = sample.items.order_by("pk").first()
    response = client_as("revisor").post(
        url("audit_sample", sample.pk), {"item": item.pk, "conclusion": "pending"}
    )
    assert response.status_code == 400
    assert "conclusion" in response.context["form"].errors
    item.refresh_from_db()
    assert item.reviewed_at is None


def test_a_caseworker_cannot_conclude(client_as, sample) -> None:
    item = sample.items.order_by("pk").first()
    response = client_as("ssp.aalborg").post(
        url("audit_sample", sample.pk), {"item": item.pk, "conclusion": "justified"}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.conclusion == "pending" and item.reviewed_at is None
    assert AuditEvent.objects.filter(actor_username="ssp.aalborg", outcome="denied").exists()
    assert not AuditEvent.objects.filter(object_type="coordination.auditsampleitem").exists()


def test_an_item_of_another_sample_is_404(client_as, persona, sample) -> None:
    day = quiet_day(weeks_ago=4)
    log_events(at(day, 10), 2, actor=persona("fam.aalborg"), action="view")
    other = services.audit_sample_draw(
        actor=persona("revisor"), period_start=day, period_end=day, size=2
    )
    foreign = other.items.first()
    response = client_as("revisor").post(
        url("audit_sample", sample.pk), {"item": foreign.pk, "conclusion": "justified"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.reviewed_at is None


@pytest.mark.parametrize("item", ["", "abc"])
def test_a_malformed_item_is_not_a_server_error(client_as, sample, item) -> None:
    client = client_as("revisor")
    client.raise_request_exception = False
    response = client.post(
        url("audit_sample", sample.pk), {"item": item, "conclusion": "justified"}
    )
    assert response.status_code in (400, 404)


# --- The citizen insight report ----------------------------------------------------------


def read_events(citizen_id: int) -> Any:
    return AuditEvent.objects.filter(citizen_id=citizen_id, action__in=READ_ACTIONS, outcome="ok")


def test_insight_report_lists_every_look_up_without_staff_names(
    client_as, kk_citizen, open_case
) -> None:
    case, number = kk_citizen
    page = url("case_detail", case.pk)
    caseworker = client_as("ssp.aalborg")
    assert caseworker.get(page).status_code == 200
    assert caseworker.get(page).status_code == 200
    assert client_as("politi.forebyg").get(page).status_code == 200
    open_case(*KK, age=16, track="15-17")  # another citizen's look-ups stay out
    views = AuditEvent.objects.filter(citizen_id=case.citizen_id, action="view", case_id=case.pk)
    assert Counter(views.values_list("actor_username", flat=True)) == {
        "ssp.aalborg": 2,
        "politi.forebyg": 1,
    }
    expected = set(read_events(case.citizen_id).values_list("pk", flat=True))

    response = client_as("revisor").post(
        url("audit_insight"), {"cpr": number, "reference": "J.nr. 2026-117"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="insight-lookup"') == len(expected)
    report = response.context["report"]
    assert report.citizen == case.citizen and not report.include_staff
    assert {e.pk for e in report.lookups} == expected
    assert set(views.values_list("pk", flat=True)) <= expected
    lookups = table_rows(body, "insight-lookups")
    assert len(lookups) == len(expected)
    assert all(len(row) == 4 for row in lookups)  # no staff column
    units = Counter(row[3] for row in lookups)
    assert units["SSP Aalborg"] >= 2 and units["Forebyggelse Aalborg"] >= 1
    section = re.search(r'data-testid="insight-lookups".*?</table>', body, re.S).group(0)
    assert "ssp.aalborg" not in section and "politi.forebyg" not in section
    assert [row[0] for row in table_rows(body, "insight-cases")] == [case.reference]
    assert number not in body

    # The auditor's review is a look-up; printing it would be a disclosure.
    viewed = AuditEvent.objects.get(actor_username="revisor", purpose="audit:insight")
    assert viewed.action == "view" and viewed.citizen_id == case.citizen_id
    assert viewed.detail == {
        "view": "audit_insight",
        "include_staff": False,
        "include_content": False,
        "reference": "J.nr. 2026-117",
        "lookups": len(expected),
        "withheld": 0,
    }
    assert not events_of("revisor").filter(action__in=["print", "export", "disclose"]).exists()
    assert not any(number in text for text in event_texts())


def test_insight_report_names_staff_when_asked(client_as, kk_citizen) -> None:
    case, number = kk_citizen
    assert client_as("ssp.aalborg").get(url("case_detail", case.pk)).status_code == 200
    assert client_as("politi.forebyg").get(url("case_detail", case.pk)).status_code == 200
    expected = read_events(case.citizen_id).count()
    response = client_as("revisor").post(
        url("audit_insight"), {"cpr": number, "include_staff": "on"}
    )
    assert response.status_code == 200
    lookups = table_rows(response.content.decode(), "insight-lookups")
    assert len(lookups) == expected
    staff = Counter(row[4] for row in lookups)
    assert staff["ssp.aalborg"] >= 1 and staff["politi.forebyg"] >= 1
    viewed = AuditEvent.objects.get(actor_username="revisor", purpose="audit:insight")
    assert viewed.detail["include_staff"] is True and viewed.detail["lookups"] == expected


@pytest.mark.parametrize("kind", ["unknown", "invalid"])
def test_insight_for_an_unknown_or_invalid_number_is_400(client_as, kind) -> None:
    number = fresh_cpr(40) if kind == "unknown" else "3213991234"
    response = client_as("revisor").post(url("audit_insight"), {"cpr": number})
    assert response.status_code == 400
    assert "cpr" in response.context["form"].errors
    assert 'id="id_cpr-error"' in response.content.decode()
    assert not events_of("revisor").filter(action__in=["print", "disclose"]).exists()
    search = events_of("revisor").get()
    assert search.action == "search" and search.purpose == "audit:insight"
    expected = {"cpr": "no match" if kind == "unknown" else "invalid"}
    assert search.detail["criterion"] == expected and search.citizen_id is None
    assert not any(number in text for text in event_texts())


def test_a_reviewed_event_cannot_be_concluded_again(persona) -> None:
    revisor = persona("revisor")
    sample = services.audit_sample_draw(
        actor=revisor,
        period_start=timezone.localdate() - dt.timedelta(days=1),
        period_end=timezone.localdate(),
        size=1,
    )
    item = sample.items.get()
    services.audit_sample_conclude(actor=revisor, item=item, conclusion="justified")
    with pytest.raises(ValidationError):
        services.audit_sample_conclude(
            actor=revisor, item=item, conclusion="unjustified", note="changed my mind"
        )
    item.refresh_from_db()
    assert item.conclusion == "justified"


def test_insight_report_as_pdf_is_an_audited_disclosure(client_as, kk_citizen) -> None:
    case, number = kk_citizen
    response = client_as("revisor").post(
        url("audit_insight"), {"cpr": number, "format": "pdf", **HAND_TO}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    disposition = response["Content-Disposition"]
    assert number not in disposition and case.citizen.last_name not in disposition
    disclosed = AuditEvent.objects.get(actor_username="revisor", action="disclose")
    assert disclosed.citizen_id == case.citizen_id and disclosed.legal_basis == "GDPR15"
    assert disclosed.purpose == "audit:insight"
    assert disclosed.detail["channel"] == "pdf" and disclosed.detail["recipient"] == "Borgeren"
    assert not AuditEvent.objects.filter(
        actor_username="revisor", action__in=["print", "export"]
    ).exists()
    assert not any(number in text for text in event_texts())
