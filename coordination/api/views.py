"""API v1 viewsets (the contract is docs/api.md).

Every queryset and object lookup comes from access.py (404 for what the caller cannot see,
403 for what they see but may not do), every write goes through the same service as the
UI, and every call writes the same audit events as the UI's page for it. Lists are cursor
pages in a fixed order, so a page costs the same whatever the size of the table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from accounts.models import Membership, Unit, User
from coordination import access, audit, handles, lifecycle, policy, services
from coordination.api import serializers as s
from coordination.api.audit_serializers import AuditEventSerializer, AuditSearchSerializer
from coordination.filters import AuditEventFilter, CaseFilter
from coordination.models import AuditEvent, Case, Entry, Forum, Notification
from coordination.reads import record_case_view, subject_case


def cursor(*fields: str, size: int = 50) -> type[CursorPagination]:
    """A cursor pagination over `fields` (the last of them unique, so that no row is lost or
    repeated between pages)."""
    return type(
        "Cursor",
        (CursorPagination,),
        {
            "ordering": fields,
            "page_size": size,
            "page_size_query_param": "page_size",
            "max_page_size": 500,
        },
    )


class ApiViewSet(viewsets.GenericViewSet[Any]):
    # What every API v1 viewset shares: the caller as a User, the CPR throttle, pages. (A
    # comment, not a docstring: the schema would show it for every operation.)

    # Actions that take a CPR number: throttled per user (API_CPR_THROTTLE_RATE).
    cpr_actions: ClassVar[frozenset[str]] = frozenset()
    throttle_scope = "cpr"
    # Query parameters that would carry personal data: a 400, whatever the endpoint.
    personal_query: ClassVar[tuple[str, ...]] = ("cpr",)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # A CPR number (or a name) in a URL ends up in proxy logs and histories: refused.
        _refuse_personal_query(request, *self.personal_query)

    def get_throttles(self) -> list[BaseThrottle]:
        throttles = list(super().get_throttles())
        if self.action in self.cpr_actions:
            throttles.append(ScopedRateThrottle())
        return throttles

    @property
    def user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # noqa: S101 (IsAuthenticated ran first)
        return user

    def page(self, queryset: QuerySet[Any]) -> list[Any]:
        rows = self.paginate_queryset(queryset)
        return list(rows) if rows is not None else list(queryset)

    def paginated(
        self, rows: list[Any], serializer: type[serializers.BaseSerializer[Any]]
    ) -> Response:
        context = self.get_serializer_context()
        return self.get_paginated_response(serializer(rows, many=True, context=context).data)

    @staticmethod
    def valid(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def _refuse_personal_query(request: Request, *names: str) -> None:
    """Personal data never travels in a URL (docs/api.md): such a query parameter is a 400."""
    found = [n for n in names if n in request.query_params]
    if found:
        raise ValidationError(
            {n: [_("This is only accepted in the body of a POST request.")] for n in found}
        )


# --- The caller, units and forums (no personal data about citizens: not audited) -----------


@extend_schema(tags=["directory"])
class MeViewSet(ApiViewSet):
    """The caller: their id, username and units (with their role in each)."""

    serializer_class = s.MeSerializer

    @extend_schema(summary="The caller and their units", responses=s.MeSerializer)
    def retrieve(self, request: Request) -> Response:
        user = User.objects.prefetch_related(
            Prefetch(
                "memberships", Membership.objects.select_related("unit").order_by("unit__name")
            )
        ).get(pk=self.user.pk)
        return Response(s.MeSerializer(user).data)


@extend_schema_view(list=extend_schema(summary="All units", tags=["directory"]))
class UnitViewSet(mixins.ListModelMixin, ApiViewSet):
    """Every unit of every organisation (a directory: no personal data)."""

    serializer_class = s.UnitSerializer
    pagination_class = cursor("name", "id", size=100)
    queryset = Unit.objects.select_related("organisation")


@extend_schema_view(
    list=extend_schema(summary="The forums the caller's units are members of", tags=["directory"])
)
class ForumViewSet(mixins.ListModelMixin, ApiViewSet):
    """The forums (samarbejdsfora) the caller's units are members of."""

    serializer_class = s.ForumSerializer
    pagination_class = cursor("name", "id", size=100)

    def get_queryset(self) -> QuerySet[Forum]:
        return access.forums_for(self.user).prefetch_related("member_units")


# --- Citizens -----------------------------------------------------------------------------


@extend_schema(tags=["citizens"])
class CitizenViewSet(ApiViewSet):
    """Citizens are registered and found by CPR number, which only ever travels in a body;
    only people who may open cases may do either. Neither answer tells whether Samraad
    holds the number: both give a handle to open a case with (docs/api.md)."""

    serializer_class = s.CitizenSerializer
    cpr_actions = frozenset({"create", "lookup"})

    @extend_schema(
        summary="Register a citizen: the CPR register's name and a handle",
        request=s.CitizenCreateSerializer,
        responses={200: s.CitizenSerializer},
        description="The same answer whether or not the number is known; nothing is stored "
        "until a case is opened with the handle. Audited with the criterion, not the number.",
    )
    def create(self, request: Request) -> Response:
        access.require_citizen_register(self.user, "api_citizen_create")
        data = self.valid(s.CitizenCreateSerializer, request.data)
        found = services.citizen_register(
            actor=self.user,
            cpr_number=data["cpr"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            view="api_citizen_create",
        )
        return Response(s.CitizenSerializer(found).data)

    @extend_schema(
        summary="Find a citizen by CPR number: a handle",
        request=s.CprOnlySerializer,
        responses={200: s.CitizenSerializer},
        description="The same answer whether or not the number is known (the name only with "
        "a case you can see). Audited with the criterion, not the number.",
    )
    @action(detail=False, methods=["post"])
    def lookup(self, request: Request) -> Response:
        what = "api_citizen_lookup"
        access.require_citizen_register(self.user, what)
        digits = self.valid(s.CprOnlySerializer, request.data)["cpr"]
        found = services.citizen_lookup(actor=self.user, cpr_number=digits, view=what)
        return Response(s.CitizenSerializer(found).data)


# --- Cases --------------------------------------------------------------------------------


@extend_schema(tags=["cases"])
class CaseViewSet(ApiViewSet):
    """Cases the caller takes part in; opening one makes the caller's unit its lead."""

    serializer_class = s.CaseSerializer
    pagination_class = cursor("-opened_at", "-id")
    # A name search would put personal data in the URL: the HTML list POSTs it.
    personal_query = ("q", "cpr")

    @extend_schema(
        summary="The caller's cases",
        parameters=[
            OpenApiParameter("forum", int, description="A forum id"),
            OpenApiParameter("status", str, enum=Case.Status.values),
        ],
    )
    def list(self, request: Request) -> Response:
        data = {
            k: request.query_params[k] for k in ("forum", "status") if k in request.query_params
        }
        filterset = CaseFilter(
            data, queryset=access.cases_for(self.user).for_list(), user=self.user
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        cases = self.page(filterset.qs)
        audit.record_many(
            [
                audit.build_event(
                    actor=self.user,
                    action=audit.Action.LIST,
                    obj=case,
                    purpose=policy.access_purpose(case.forum.effort_type),
                    detail={"view": "api_case_list", "criterion": data},
                )
                for case in cases
            ]
            or [
                audit.build_event(
                    actor=self.user,
                    action=audit.Action.LIST,
                    detail={"view": "api_case_list", "criterion": data},
                )
            ]
        )
        return self.paginated(cases, s.CaseSerializer)

    @extend_schema(
        summary="A case, with its review, hold and deletion dates", responses=s.CaseDetailSerializer
    )
    def retrieve(self, request: Request, pk: int) -> Response:
        case = access.get_case(self.user, pk)
        record_case_view(self.user, case, detail={"view": "api_case_detail"})
        case.life = lifecycle.dates(case, access.legal_holds_for(self.user, case))  # type: ignore[attr-defined]
        return Response(s.CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Open a case",
        request=s.CaseCreateSerializer,
        responses={201: s.CaseSerializer},
        description="The lead unit (one of the caller's units) becomes the lead participant "
        "and the caller the coordinator. `citizen` is a handle; `consent` is recorded with it.",
    )
    def create(self, request: Request) -> Response:
        access.require_citizen_register(self.user, "api_case_create")
        data = self.valid(s.CaseCreateSerializer, request.data)
        forum, lead_unit, consent = data["forum"], data["lead_unit"], data["consent"]
        errors: dict[str, list[str]] = {}
        if handles.read(data["citizen"], user=self.user) is None:
            errors["citizen"] = [
                _("Identify the citizen by CPR number first (POST /api/v1/citizens/lookup/).")
            ]
        # A lead unit the caller may open cases with in the forum implies the forum is one
        # they may open cases in: the forum is only asked about when the unit is refused.
        if not access.units_for_opening(self.user, forum).filter(pk=lead_unit.pk).exists():
            if not access.forums_for_opening(self.user).filter(pk=forum.pk).exists():
                errors["forum"] = [_("You cannot open cases in this forum.")]
            else:
                errors["lead_unit"] = [_("Choose one of your units that is a member of the forum.")]
        # Asked whatever consents exist: the answer must not tell whether there is one.
        if consent is None and policy.rests_on_consent(forum.effort_type, forum.consent_required):
            errors["consent"] = [
                _("This forum rests on the citizen's written consent: send it with the case.")
            ]
        if errors:
            raise ValidationError(errors)
        opening = {"actor": self.user, "forum": forum, "lead_unit": lead_unit}
        # The citizen (created now if new to Samraad), consent and case: all or nothing.
        with transaction.atomic():
            citizen = services.citizen_for_opening(actor=self.user, handle=data["citizen"])
            try:
                if consent is not None:
                    services.consent_for_opening(citizen=citizen, **opening, **consent)
            except DjangoValidationError as error:
                raise ValidationError({"consent": error.messages}) from None
            # The new case holds the citizen, forum and coordinator it was opened with: what
            # the serializer reads, without fetching the case again.
            case = services.case_open(
                citizen=citizen,
                track=data["track"],
                age_override_reason=data["age_override_reason"],
                **opening,
            )
        body = s.CaseSerializer(case, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


class CaseContentViewSet(ApiViewSet):
    # One kind of a case's content: `GET cases/{case_pk}/<kind>/` lists what the caller may
    # see of it (audited as a view of the case), `POST` adds to it through the service the
    # UI's form uses.

    read_action: ClassVar[access.CaseAction] = access.CaseAction.VIEW
    write_action: ClassVar[access.CaseAction]
    input_serializer: ClassVar[type[serializers.Serializer[Any]]]
    kind: ClassVar[str]
    # The access.py function listing the rows, (user, case) -> QuerySet, and the service
    # adding one, (actor=, case=, **body) -> the new row (staticmethods).
    rows_of: ClassVar[Callable[..., QuerySet[Any]]]
    service: ClassVar[Callable[..., Any]]

    def rows(self, case: Case) -> QuerySet[Any]:
        return type(self).rows_of(self.user, case)

    def write(self, case: Case, data: dict[str, Any]) -> Any:
        return type(self).service(actor=self.user, case=case, **data)

    def categories(self, rows: Iterable[Any]) -> list[str]:
        return []

    def case(self, case_action: access.CaseAction) -> Case:
        return access.get_case(self.user, self.kwargs["case_pk"], case_action)

    def list(self, request: Request, case_pk: int) -> Response:
        case = self.case(self.read_action)
        rows = self.page(self.rows(case))
        record_case_view(
            self.user,
            case,
            categories=self.categories(rows),
            detail={"view": f"api_case_{self.kind}", self.kind: [row.pk for row in rows]},
        )
        return self.paginated(rows, self.get_serializer_class())

    def create(self, request: Request, case_pk: int) -> Response:
        case = self.case(self.write_action)
        made = self.write(case, self.valid(self.input_serializer, request.data))
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)


def _content_schema(
    kind: str, listed: str, added: str, body: Any, note: str = ""
) -> Callable[[Any], Any]:
    return extend_schema_view(
        list=extend_schema(summary=listed, tags=[kind]),
        create=extend_schema(summary=added, request=body, description=note, tags=[kind]),
    )


@_content_schema(
    "participants",
    "The units taking part in the case",
    "Add a participating unit",
    s.ParticipantCreateSerializer,
    "Needs the lead role on the case. The unit's access starts at once.",
)
class ParticipantViewSet(CaseContentViewSet):
    """The units taking part in a case, each with its role, legal basis and categories."""

    serializer_class = s.ParticipantSerializer
    pagination_class = cursor("id")
    write_action = access.CaseAction.MANAGE
    input_serializer = s.ParticipantCreateSerializer
    kind = "participants"

    rows_of = staticmethod(access.participants_for)
    service = staticmethod(services.participant_add)

    @extend_schema(
        summary="End a unit's participation",
        responses={204: None},
        description="Its access ends at once. The lead unit cannot be removed.",
        tags=["participants"],
    )
    def destroy(self, request: Request, case_pk: int, pk: int) -> Response:
        case = self.case(access.CaseAction.MANAGE)
        participant = access.get_participant(self.user, case, pk)
        services.participant_end(actor=self.user, participant=participant)
        return Response(status=status.HTTP_204_NO_CONTENT)


@_content_schema(
    "entries",
    "The case's entries the caller may see",
    "Share an entry",
    s.EntryCreateSerializer,
    "The category, legal basis and audience are checked against the sharing rules "
    "(sharing-rules.md); an empty audience means all participants.",
)
class EntryViewSet(CaseContentViewSet):
    """Entries (disclosures): each is visible only to its audience, as the law allows."""

    serializer_class = s.EntrySerializer
    pagination_class = cursor("-created_at", "-id")
    write_action = access.CaseAction.ADD_ENTRY
    input_serializer = s.EntryCreateSerializer
    kind = "entries"

    def rows(self, case: Case) -> QuerySet[Entry]:
        return access.with_recipients(access.entries_for(self.user, case))

    def categories(self, rows: Iterable[Entry]) -> list[str]:
        return [row.category for row in rows]

    def write(self, case: Case, data: dict[str, Any]) -> Entry:
        entry = services.entry_share(actor=self.user, case=case, **data)
        return access.with_recipients(access.entries_for(self.user, case)).get(pk=entry.pk)


@_content_schema(
    "contacts", "The case's contact log", "Log a contact attempt", s.ContactCreateSerializer
)
class ContactViewSet(CaseContentViewSet):
    """The contact log: each attempt to reach the citizen or a guardian, with its result."""

    serializer_class = s.ContactSerializer
    pagination_class = cursor("-occurred_at", "-id")
    write_action = access.CaseAction.LOG_CONTACT
    input_serializer = s.ContactCreateSerializer
    kind = "contacts"

    service = staticmethod(services.contact_log)

    def rows(self, case: Case) -> QuerySet[Any]:
        return access.with_recipients(access.contacts_for(self.user, case))


@_content_schema(
    "actions",
    "The case's follow-up actions, open and finished",
    "Add a follow-up action",
    s.ActionCreateSerializer,
    "The responsible person must work in a lead or participating unit of the case.",
)
class CaseActionViewSet(CaseContentViewSet):
    """Follow-up actions (opgaver) with a responsible person and a deadline."""

    serializer_class = s.ActionSerializer
    pagination_class = cursor("due_at", "id")
    write_action = access.CaseAction.LOG_CONTACT
    input_serializer = s.ActionCreateSerializer
    kind = "actions"

    service = staticmethod(services.action_create)

    def rows(self, case: Case) -> QuerySet[Any]:
        return access.with_recipients(access.actions_for(self.user, case, finished=True))


@_content_schema(
    "consents",
    "The consents of the case's citizen",
    "Register the citizen's consent",
    s.ConsentCreateSerializer,
    "Scoped to member units of the case's forum and to categories.",
)
class ConsentViewSet(CaseContentViewSet):
    """The citizen's consents: who gave them, which units and categories, until when."""

    serializer_class = s.ConsentSerializer
    pagination_class = cursor("-given_at", "-id")
    write_action = access.CaseAction.ADD_ENTRY
    input_serializer = s.ConsentCreateSerializer
    kind = "consents"

    rows_of = staticmethod(access.consents_for)
    service = staticmethod(services.consent_register)

    @extend_schema(
        summary="Withdraw a consent",
        request=None,
        responses={200: s.ConsentSerializer},
        description="Entries shared on the consent are hidden from the next request on.",
        tags=["consents"],
    )
    def withdraw(self, request: Request, pk: int) -> Response:
        consent, case = access.get_consent(self.user, pk, access.CaseAction.ADD_ENTRY)
        consent = services.consent_withdraw(actor=self.user, case=case, consent=consent)
        return Response(s.ConsentSerializer(consent).data)


@extend_schema(tags=["actions"])
class ActionViewSet(ApiViewSet):
    """A follow-up action of a case the caller takes part in."""

    serializer_class = s.ActionSerializer

    @extend_schema(
        summary="Mark an action done",
        request=s.ActionCompleteSerializer,
        responses={200: s.ActionSerializer},
    )
    def complete(self, request: Request, pk: int) -> Response:
        found = access.get_action(self.user, pk, access.CaseAction.LOG_CONTACT)
        note = self.valid(s.ActionCompleteSerializer, request.data)["note"]
        done = services.action_complete(actor=self.user, action=found, note=note)
        return Response(s.ActionSerializer(done).data)


@extend_schema_view(
    list=extend_schema(summary="The caller's notifications", tags=["notifications"])
)
class NotificationViewSet(ApiViewSet):
    """The caller's own notifications (the bell), about cases they can still see."""

    serializer_class = s.NotificationSerializer
    pagination_class = cursor("-created_at", "-id")

    def list(self, request: Request) -> Response:
        notes: list[Notification] = self.page(
            access.notifications_for(self.user).select_related("reminder__consent")
        )
        citizens: list[int | None] = []
        for note in notes:
            case = subject_case(note)
            citizens.append(case.citizen_id if case is not None else None)
            citizens.append(note.reminder.consent.citizen_id if note.reminder.consent else None)
        audit.record_shown(
            self.user,
            audit.Action.LIST,
            citizens,
            purpose="notifications",
            detail={"view": "api_notifications", "notifications": [note.pk for note in notes]},
        )
        return self.paginated(notes, s.NotificationSerializer)


# --- The audit log ------------------------------------------------------------------------

AUDIT_CRITERIA = ("user", "case", "action", "outcome", "since", "until")


@extend_schema(tags=["audit"])
class AuditEventViewSet(ApiViewSet):
    """The audit log for auditors: `GET events/` filters by user, case, action and period;
    `POST events/search/` also takes a citizen's CPR number in the body (never in the URL).
    Follow `next` of a search by POSTing the same body to it."""

    serializer_class = AuditEventSerializer
    pagination_class = cursor("-occurred_at", "-id")
    cpr_actions = frozenset({"search"})

    def get_queryset(self) -> Any:
        return access.audit_events_for(self.user).for_log()

    def _page(self, data: Any, events: Any) -> Response:
        filterset = AuditEventFilter(data, queryset=events)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        rows: list[AuditEvent] = self.page(filterset.qs)
        criterion = filterset.criterion()
        audit.record_shown(
            self.user,
            audit.Action.SEARCH if criterion else audit.Action.LIST,
            (e.citizen_id for e in rows),
            purpose="audit:api",
            detail={
                "view": "api_audit_events",
                "criterion": criterion,
                "events": [e.pk for e in rows],
            },
        )
        return self.paginated(rows, AuditEventSerializer)

    @extend_schema(
        summary="The audit log (auditors only)",
        parameters=[
            OpenApiParameter("user", str, description="A username or user id"),
            OpenApiParameter("case", str, description="A case reference (SAG-000042) or id"),
            OpenApiParameter("action", str, enum=AuditEvent.Action.values),
            OpenApiParameter("outcome", str, enum=AuditEvent.Outcome.values),
            OpenApiParameter("since", str, description="A date or an ISO 8601 time"),
            OpenApiParameter("until", str, description="A date or an ISO 8601 time"),
        ],
    )
    def list(self, request: Request) -> Response:
        data = {k: request.query_params[k] for k in AUDIT_CRITERIA if k in request.query_params}
        return self._page(data, self.get_queryset())

    @extend_schema(
        summary="The audit log of one citizen, by CPR number (auditors only)",
        request=AuditSearchSerializer,
        responses={200: AuditEventSerializer(many=True)},
    )
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        events = self.get_queryset()  # refuses anyone but an auditor before the body is read
        if not isinstance(request.data, dict) or not request.data.get("cpr"):
            raise ValidationError({"cpr": [_("This field is required.")]})
        data = {k: request.data[k] for k in (*AUDIT_CRITERIA, "cpr") if k in request.data}
        return self._page(data, events)
