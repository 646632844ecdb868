"""Shared by the security tests: the URLconf walk (from tests/test_audited_urls.py) and a
"case world": an Aalborg Knock Knock case led by ssp.aalborg with one real object of every
kind a URL can name (participant, consent, action, contact, entry, ...), made on first use.

Helpers here are imported by the test modules (as tests/conftest.py's fresh_cpr is)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Unit, User
from coordination import services
from coordination.models import AuditEvent, Case, Notification, Reminder
from tests.test_audited_urls import ROUTES, Route, _admin_model

__all__ = [
    "ROUTES",
    "CaseWorld",
    "Route",
    "admin_model",
    "area",
    "insider_for",
    "object_params",
    "url_for",
]

FORUM = ("Knock Knock Aalborg", "ssp.aalborg", "SSP Aalborg")
OTHERS = ["Familiegrupperne", "Forebyggelse Aalborg"]
# The citizen's name: distinctive, so a leak into a response body is unmistakable.
FIRST_NAME, LAST_NAME = "Idunn", "Objektsdottir"
# Written into every free-text field of the world's objects: must never reach an outsider.
SECRET = "Fortroligt-7f3a9c"

# URL parameters that name no object (the admin's app index takes an app label).
NOT_OBJECT_PARAMS = frozenset({"app_label"})

admin_model = _admin_model


def area(route: Route) -> str:
    """Which part of the site a route belongs to: admin, api, audit (auditors only),
    case (case work: cases, actions, notifications) or public (login and the like)."""
    if route.name.startswith("admin:"):
        return "admin"
    if route.name.startswith("api:") or route.route.startswith("api/"):
        return "api"
    if route.name.startswith("coordination:audit_"):
        return "audit"
    if route.name.startswith("coordination:"):
        return "case"
    return "public"


# Case routes for a coordinator only (legal holds, sharing-rules.md 6): the world's insider
# there is politi.forebyg, coordinator of Forebyggelse Aalborg, which takes part in the case.
COORDINATOR_ROUTES = frozenset({"coordination:legal_holds", "coordination:legal_hold_lift"})


def insider_for(route: Route) -> str:
    """Who may use the route on the world's objects (the sweeps' "it is real" check)."""
    kind = area(route)
    if kind == "admin":
        return "admin"
    if kind == "audit" or (kind == "api" and "audit/" in route.route):
        return "revisor"
    if route.name in COORDINATOR_ROUTES:
        return "politi.forebyg"
    return "ssp.aalborg"


def object_params(route: Route) -> list[str]:
    return [p for p in route.params if p not in NOT_OBJECT_PARAMS]


def later(**delta: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


class CaseWorld:
    """The case and its objects; each is created (through the services) when first used."""

    def __init__(self, open_case: Callable[..., Any]) -> None:
        self.case: Case = open_case(
            *FORUM, age=16, others=OTHERS, first_name=FIRST_NAME, last_name=LAST_NAME
        )
        self.cpr = self.case.citizen.full_cpr()
        self.lead = User.objects.get(username="ssp.aalborg")

    # --- what must never leak -----------------------------------------------------------

    @property
    def personal_data(self) -> list[str]:
        """Strings that identify the citizen or come from the case's content."""
        dashed = f"{self.cpr[:6]}-{self.cpr[6:]}"
        return [LAST_NAME, f"{FIRST_NAME} {LAST_NAME}", self.cpr, dashed, SECRET]

    def populate(self) -> CaseWorld:
        """Fill the case with content (so a leak of it would show)."""
        for made in (
            self.contact,
            self.entry,
            self.consent,
            self.decision,
            self.action,
            self.offer,
            self.referral,
            self.agenda_item,
        ):
            assert made is not None
        return self

    # --- objects of the case ------------------------------------------------------------

    def unit(self, name: str) -> Unit:
        return Unit.objects.get(name=name)

    @cached_property
    def participant(self) -> Any:
        return self.case.participants.exclude(role="lead").order_by("pk").first()

    @cached_property
    def consent(self) -> Any:
        return services.consent_register(
            actor=self.lead,
            case=self.case,
            # Under 15 a guardian consents; from 15 the young person, with a guardian.
            given_by="guardian" if self.case.citizen.age_on(timezone.localdate()) < 15 else "both",
            guardian_name=f"Mor {SECRET}",
            scope_units=[self.unit("Familiegrupperne")],
            scope_categories=["general"],
            purpose=f"Samarbejde {SECRET}",
            form="written",
        )

    @cached_property
    def action(self) -> Any:
        return services.action_create(
            actor=self.lead,
            case=self.case,
            title=f"Ring til skolen {SECRET}",
            responsible=self.lead,
            due_at=later(days=2),
        )

    @cached_property
    def related_person(self) -> Any:
        return services.related_person_add(
            actor=self.lead, citizen=self.case.citizen, name=f"Far {SECRET}", relation="father"
        )

    @cached_property
    def contact(self) -> Any:
        return services.contact_log(
            actor=self.lead,
            case=self.case,
            kind="knock_visit",
            result="reached",
            occurred_at=later(minutes=-5),
            note=f"Samtale {SECRET}",
            related_person=self.related_person,
        )

    @cached_property
    def entry(self) -> Any:
        return services.entry_share(
            actor=self.lead,
            case=self.case,
            category="general",
            legal_basis=self.case.forum.default_legal_basis,
            justification=f"Nødvendigt {SECRET}",
            text=f"Notat {SECRET}",
        )

    @cached_property
    def decision(self) -> Any:
        return services.consent_decision_record(
            actor=self.lead,
            case=self.case,
            situation="not_obtainable",
            reasoning=f"Forældrene kunne ikke træffes {SECRET}",
        )

    @cached_property
    def emergency(self) -> Any:
        """Emergency access by job.aalborg (Jobcenter Aalborg: in the forum, not the case);
        it also makes a personal grant (CaseUserObjectPermission)."""
        return services.emergency_access_open(
            actor=User.objects.get(username="job.aalborg"),
            case=self.case,
            reason=f"Borgeren er forsvundet, akut behov {SECRET}",
        )

    @cached_property
    def notification(self) -> Notification:
        reminder = Reminder.objects.create(
            kind="action_due",
            action=self.action,
            case=self.case,
            recipient=self.lead,
            deadline=self.action.due_at,
            state="delivered",
        )
        return Notification.objects.create(reminder=reminder, user=self.lead)

    # --- workflows (issue 8) --------------------------------------------------------------

    @cached_property
    def concern_report(self) -> Any:
        return services.concern_report_create(
            actor=self.lead,
            forum=self.case.forum,
            received_by=self.unit("SSP Aalborg"),
            channel="school",
            urgency="amber",
            reporter=f"Lærer {SECRET}",
            summary=f"Bekymring {SECRET}",
            citizen=self.case.citizen,
        )

    @cached_property
    def meeting(self) -> Any:
        self.concern_report  # noqa: B018 - a nomination on the agenda
        return services.meeting_schedule(
            actor=self.lead,
            forum=self.case.forum,
            organiser_unit=self.unit("SSP Aalborg"),
            starts_at=later(days=3),
        )

    @cached_property
    def agenda_item(self) -> Any:
        return services.meeting_add_case(actor=self.lead, meeting=self.meeting, case=self.case)

    @cached_property
    def offer(self) -> Any:
        return services.offer_make(
            actor=self.lead, case=self.case, kind="club", note=f"Klubtilbud {SECRET}"
        )

    @cached_property
    def legal_hold(self) -> Any:
        return services.legal_hold_place(
            actor=User.objects.get(username="politi.forebyg"),
            case=self.case,
            reason=f"Klagesag verserer {SECRET}",
            until=timezone.localdate() + dt.timedelta(days=60),
        )

    @cached_property
    def referral(self) -> Any:
        return services.referral_send(
            actor=self.lead,
            case=self.case,
            to_unit=self.unit("Familiegrupperne"),
            purpose=f"Familiebehandling {SECRET}",
        )

    @cached_property
    def sample(self) -> Any:
        self.contact  # noqa: B018 - events of today to draw from
        return services.audit_sample_draw(
            actor=User.objects.get(username="revisor"),
            period_start=timezone.localdate(),
            period_end=timezone.localdate(),
            size=3,
        )

    @cached_property
    def audit_event(self) -> AuditEvent:
        event = AuditEvent.objects.filter(case_id=self.case.pk).order_by("pk").first()
        assert event is not None
        return event

    # --- admin objects: the case's own where the model belongs to it ----------------------

    def admin_object(self, model: type[models.Model]) -> Any:
        own: dict[str, Callable[[], Any]] = {
            "coordination.case": lambda: self.case,
            "coordination.citizen": lambda: self.case.citizen,
            "coordination.relatedperson": lambda: self.related_person,
            "coordination.caseparticipant": lambda: self.participant,
            "coordination.contact": lambda: self.contact,
            "coordination.entry": lambda: self.entry,
            "coordination.consent": lambda: self.consent,
            "coordination.consentdecision": lambda: self.decision,
            "coordination.emergencyaccess": lambda: self.emergency,
            "coordination.action": lambda: self.action,
            "coordination.reminder": lambda: self.notification.reminder,
            "coordination.notification": lambda: self.notification,
            "coordination.auditevent": lambda: self.audit_event,
            "coordination.auditsample": lambda: self.sample,
            "coordination.concernreport": lambda: self.concern_report,
            "coordination.meeting": lambda: self.meeting,
            "coordination.offer": lambda: self.offer,
            "coordination.referral": lambda: self.referral,
            "coordination.casegroupobjectpermission": lambda: model.objects.filter(
                content_object=self.case
            ).first(),  # type: ignore[attr-defined]
            "coordination.caseuserobjectpermission": lambda: (
                self.emergency and model.objects.filter(content_object=self.case).first()  # type: ignore[attr-defined]
            ),
            "accounts.user": lambda: self.lead,
            "accounts.unit": lambda: self.unit("SSP Aalborg"),
            "accounts.organisation": lambda: self.unit("SSP Aalborg").organisation,
            "accounts.membership": lambda: Membership.objects.filter(user=self.lead).first(),
            "auth.group": lambda: self.unit("SSP Aalborg").group,
        }
        label = model._meta.label_lower
        if label in own:
            return own[label]()
        manager = model._default_manager
        user_fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.ForeignKey | models.OneToOneField) and f.related_model is User
        ]
        if user_fields:  # an API token, an OTP device: the lead's own
            found = manager.filter(**{user_fields[0]: self.lead}).first()
            if found is None:
                try:
                    with transaction.atomic():
                        found = manager.create(**{user_fields[0]: self.lead})
                except Exception:  # noqa: BLE001 - a model that needs more: any will do
                    found = None
            if found is not None:
                return found
        return manager.order_by("pk").first()


@pytest.fixture
def world(open_case: Callable[..., Any]) -> CaseWorld:
    return CaseWorld(open_case)


# The object a URL parameter names, by the path segment in front of it
# (sager/<pk>/deltagere/<participant_pk>/ -> a case, then a participant).
SEGMENT_OBJECTS: dict[str, str] = {
    "sager": "case",
    "cases": "case",
    "deltagere": "participant",
    "participants": "participant",
    "samtykke": "consent",
    "consents": "consent",
    "opgaver": "action",
    "actions": "action",
    "stikproever": "sample",
    "samples": "sample",
    "events": "audit_event",
    "entries": "entry",
    "contacts": "contact",
    "notifications": "notification",
    "bekymringer": "concern_report",
    "moeder": "meeting",
    "punkter": "agenda_item",
    "tilbud": "offer",
    "henvisninger": "referral",
    "slettestop": "legal_hold",
}


def _segment_before(route: Route, param: str) -> str:
    at = re.search(rf"<(?:\w+:)?{param}>|\(\?P<{param}>", route.route)
    if at is None:
        return ""
    segments = [s.strip("^") for s in route.route[: at.start()].split("/") if s.strip("^")]
    return segments[-1] if segments else ""


def _case_route_object(route: Route, param: str, world: CaseWorld) -> Any:
    kind = SEGMENT_OBJECTS.get(_segment_before(route, param))
    if kind is None:
        raise LookupError(
            f"{route.name} ({route.route}): no object for <{param}>; "
            "add its path segment to SEGMENT_OBJECTS in tests/security/conftest.py"
        )
    return getattr(world, kind).pk


def url_for(route: Route, world: CaseWorld | None, *, missing: bool = False) -> str:
    """The route's URL naming the world's objects (or, with `missing`, ids that exist
    nowhere). Raises LookupError for a parameter it does not know."""
    kwargs: dict[str, Any] = {}
    for param in route.params:
        if param == "app_label":
            kwargs[param] = "coordination"
        elif missing:
            kwargs[param] = 987654321
        elif world is None:
            raise LookupError(f"{route.name}: needs objects")
        elif route.name == "admin:view_on_site" and param == "content_type_id":
            kwargs[param] = ContentType.objects.get_for_model(Case).pk
        elif route.name == "admin:view_on_site":
            kwargs[param] = world.case.pk
        elif area(route) == "admin":
            model = admin_model(route.name)
            obj = world.admin_object(model) if model is not None else None
            # No object of a third-party model exists: any id will do, since the admin
            # turns non-staff away before it looks anything up.
            kwargs[param] = obj.pk if obj is not None else 1
        else:
            kwargs[param] = _case_route_object(route, param, world)
    return reverse(route.name, kwargs=kwargs)
