"""Writing the audit log.

Writes are audited by their service, inside the same transaction as the write
(`write_event`). Reads are collected during the request (`record`) and inserted in one
bulk insert by `AuditMiddleware` when the view has finished; if that insert fails, the
response is replaced by an error page, so no personal data leaves unaudited (fail closed).
Outside a request (tasks, commands, tests calling services) `record` inserts at once;
such events carry no actor and stand for the system.

Every event is signed before its insert (`event_digest`, a keyed HMAC over its content), and
`coordination.seals` chains the digests of committed events into seals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.ipv6 import clean_ipv6_address

from coordination.models.audit import AuditEvent

if TYPE_CHECKING:
    from accounts.models import Unit, User

logger = logging.getLogger(__name__)

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome


@dataclass
class _RequestContext:
    request_id: str
    ip: str | None
    pending: list[AuditEvent] = field(default_factory=list)


_current: ContextVar[_RequestContext | None] = ContextVar("samraad_audit_request", default=None)


# The columns a digest covers: everything an event says, but its id (assigned by the
# insert, and covered by the seal instead) and the digest itself.
DIGEST_FIELDS = (
    "uid",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_unit_id",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "citizen_id",
    "case_id",
    "categories",
    "purpose",
    "legal_basis",
    "detail",
    "request_id",
    "ip",
)


def hmac_hex(payload: bytes) -> str:
    return hmac.new(settings.AUDIT_HMAC_KEY.encode(), payload, hashlib.sha256).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def digest_of(values: Mapping[str, Any]) -> str:
    """The keyed HMAC of an event's content (DIGEST_FIELDS, by attribute name)."""
    canonical = [_canonical(values[name]) for name in DIGEST_FIELDS]
    payload = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hmac_hex(payload.encode())


def event_digest(event: AuditEvent) -> str:
    """The digest of an event object, as stored on insert and recomputed by verify_audit."""
    return digest_of({name: getattr(event, name) for name in DIGEST_FIELDS})


def _normalised_ip(ip: str | None) -> str | None:
    # The column stores IPv6 addresses in their clean form; sign what will be stored.
    if not ip:
        return None
    return clean_ipv6_address(ip) if ":" in ip else ip


def insert_events(events: list[AuditEvent]) -> None:
    """Sign and insert events now, in one statement (the middleware's batch, a write's event)."""
    for event in events:
        event.digest = event_digest(event)
    AuditEvent.objects.bulk_create(events)


def _references(obj: models.Model | None) -> dict[str, Any]:
    """object type/id plus the case and citizen an object belongs to, where it has them."""
    if obj is None:
        return {}
    refs: dict[str, Any] = {"object_type": obj._meta.label_lower, "object_id": str(obj.pk)}
    label = obj._meta.label_lower
    if label == "coordination.citizen":
        refs["citizen_id"] = obj.pk
    elif label == "coordination.case":
        refs["case_id"] = obj.pk
        refs["citizen_id"] = obj.citizen_id  # type: ignore[attr-defined]
    elif hasattr(obj, "citizen_id"):
        refs["citizen_id"] = obj.citizen_id
    elif hasattr(obj, "case_id"):
        refs["case_id"] = obj.case_id
        case = getattr(obj, "case", None)
        refs["citizen_id"] = case.citizen_id if case is not None else None
    return refs


def build_event(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    unit: Unit | None = None,
    citizen_id: int | None = None,
    case_id: int | None = None,
    categories: Iterable[str] = (),
    purpose: str = "",
    legal_basis: str = "",
    detail: dict[str, Any] | None = None,
    outcome: str = Outcome.OK,
) -> AuditEvent:
    context = _current.get()
    refs = _references(obj)
    if citizen_id is not None:
        refs["citizen_id"] = citizen_id
    if case_id is not None:
        refs["case_id"] = case_id
    authenticated = actor is not None and actor.is_authenticated
    return AuditEvent(
        actor=actor if authenticated else None,
        actor_username=actor.get_username() if authenticated and actor else "",
        actor_unit=unit,
        action=action,
        outcome=outcome,
        categories=sorted(set(categories)),
        purpose=str(purpose),
        legal_basis=legal_basis,
        # Stored as JSON and signed as JSON: turn dates and lazy strings into text first, so
        # the signed content is exactly what the database gives back.
        detail=json.loads(json.dumps(detail or {}, default=str)),
        request_id=context.request_id if context else "",
        ip=_normalised_ip(context.ip) if context else None,
        **refs,
    )


def write_event(**kwargs: Any) -> AuditEvent:
    """Insert one event now: for writes, inside the service's own transaction."""
    event = build_event(**kwargs)
    insert_events([event])
    return event


def record(**kwargs: Any) -> None:
    """Note a read; it is inserted with the request's other events when the view ends."""
    record_many([build_event(**kwargs)])


def record_many(events: list[AuditEvent]) -> None:
    context = _current.get()
    if context is None:
        insert_events(events)
    else:
        context.pending.extend(events)


def record_shown(
    user: User,
    action: str,
    citizen_ids: Iterable[int | None],
    *,
    purpose: str,
    detail: dict[str, Any],
) -> None:
    """Note a list or report: one event per distinct citizen shown, or one without a citizen
    when none is (so that the look-up itself, with its criterion, is always logged)."""
    shown = sorted({pk for pk in citizen_ids if pk})
    record_many(
        [
            build_event(actor=user, action=action, citizen_id=pk, purpose=purpose, detail=detail)
            for pk in shown
        ]
        or [build_event(actor=user, action=action, purpose=purpose, detail=detail)]
    )


def _request_id(request: HttpRequest) -> str:
    supplied = request.headers.get("X-Request-ID", "")
    try:
        return str(uuid.UUID(supplied))
    except ValueError:
        return str(uuid.uuid4())


def _audit_failed(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "The audit log could not be written, so nothing is shown."}, status=503
        )
    response = TemplateResponse(request, "audit_failed.html", status=503)
    response.render()
    return response


class AuditMiddleware:
    """Collects the request's audit events and inserts them in one go, failing closed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = _RequestContext(
            request_id=_request_id(request), ip=request.META.get("REMOTE_ADDR")
        )
        token = _current.set(context)
        try:
            response = self.get_response(request)
            if context.pending:
                try:
                    insert_events(context.pending)
                except DatabaseError:
                    # Never show what we could not log. The reason goes to the server log;
                    # the event itself carries personal references, so it is not logged.
                    logger.exception(
                        "Audit insert failed; response withheld (request %s)", context.request_id
                    )
                    response = _audit_failed(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = context.request_id
        return response


# --- Authentication events (Django's auth signals are the only hook it offers) ---------


def on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    write_event(actor=user, action=Action.LOGIN)


def on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        write_event(actor=user, action=Action.LOGOUT)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the username tried: never the password Django has already masked.
    write_event(
        actor=None,
        action=Action.LOGIN_FAILED,
        outcome=Outcome.DENIED,
        detail={"username": str(credentials.get("username", ""))[:150]},
    )


def _token_event(instance: Any, change: str) -> None:
    # An API token is its user's permission: logged as the system's change, never the key.
    write_event(
        actor=None, action=Action.GRANT_CHANGE, detail={"change": change, "user": instance.user_id}
    )


def on_token_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """An API token issued (`manage.py drf_create_token`, the admin)."""
    if created:
        _token_event(instance, "api_token_issued")


def on_token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An API token revoked (`drf_create_token -r` replaces it: revoked, then issued)."""
    _token_event(instance, "api_token_revoked")


def connect_auth_signals() -> None:
    from django.contrib.auth import signals
    from django.db.models.signals import post_delete, post_save
    from rest_framework.authtoken.models import Token

    signals.user_logged_in.connect(on_login, dispatch_uid="samraad_audit_login")
    signals.user_logged_out.connect(on_logout, dispatch_uid="samraad_audit_logout")
    signals.user_login_failed.connect(on_login_failed, dispatch_uid="samraad_audit_login_failed")
    post_save.connect(on_token_saved, sender=Token, dispatch_uid="samraad_audit_token_saved")
    post_delete.connect(on_token_deleted, sender=Token, dispatch_uid="samraad_audit_token_deleted")
