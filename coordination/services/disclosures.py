"""Print, PDF and CSV are disclosures (sharing-rules.md 5). Whoever prints the minutes of a
meeting, prints or downloads a citizen's insight report, or exports the audit log as CSV
names the recipient, the legal basis and a justification, and each case or citizen
concerned gets one `disclose` event saying so, with the channel and the recipient.

The event never holds the content disclosed, nor a CPR number: a recipient or a
justification that looks like one is refused."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from accounts.models import User
from coordination import access, audit, policy
from coordination.models import AgendaItem, AuditEvent, LegalBasis


class Channel(enum.StrEnum):
    PRINT = "print"
    PDF = "pdf"
    CSV = "csv"


class Document(enum.StrEnum):
    """What is disclosed: it decides who may disclose it, on which bases, and the purpose
    the events record."""

    MINUTES = "minutes"
    INSIGHT = "insight"
    AUDIT_LOG = "audit_log"


PURPOSES: dict[str, str] = {
    Document.MINUTES: "minutes",
    Document.INSIGHT: "audit:insight",
    Document.AUDIT_LOG: "audit:export",
}
RECIPIENT_MAX_LENGTH = 200
JUSTIFICATION_MAX_LENGTH = 2000
# Ten digits, with or without the dash (DDMMYY-XXXX): not in the disclosure log.
_CPR_LIKE = re.compile(r"(?<!\d)\d{6}[-\s]?\d{4}(?!\d)")


def disclosure_bases(document: str) -> list[str]:
    """The legal bases a disclosure of `document` may rest on: the citizen's right of access
    (policy.INSIGHT_BASES) for an insight report, and only there."""
    if document == Document.INSIGHT:
        return [b for b in LegalBasis.values if b in policy.INSIGHT_BASES]
    return [b for b in LegalBasis.values if b not in policy.INSIGHT_BASES]


def disclosure_check(
    *, document: str, channel: str, recipient: str, legal_basis: str, justification: str
) -> tuple[str, str]:
    """Validate a disclosure's recipient, basis and justification (a ValidationError keyed by
    field); returns the recipient and justification, stripped."""
    errors: dict[str, str] = {}
    if document not in {d.value for d in Document}:
        raise ValueError(f"unknown document {document!r}")
    if channel not in {c.value for c in Channel}:
        errors["channel"] = _("Choose print, PDF or CSV.")
    recipient = (recipient or "").strip()
    justification = (justification or "").strip()
    if not recipient:
        errors["recipient"] = _("Name the recipient.")
    elif len(recipient) > RECIPIENT_MAX_LENGTH:
        errors["recipient"] = _("Keep the recipient to %(n)d characters.") % {
            "n": RECIPIENT_MAX_LENGTH
        }
    if not justification:
        errors["justification"] = _("Explain why the recipient needs it.")
    elif len(justification) > JUSTIFICATION_MAX_LENGTH:
        errors["justification"] = _("Keep the justification to %(n)d characters.") % {
            "n": JUSTIFICATION_MAX_LENGTH
        }
    for name, text in (("recipient", recipient), ("justification", justification)):
        if name not in errors and _CPR_LIKE.search(text):
            errors[name] = _("Do not write a CPR number here: the log must not hold one.")
    if legal_basis not in disclosure_bases(document):
        errors["legal_basis"] = (
            _("An insight report is handed over on the citizen's right of access.")
            if document == Document.INSIGHT
            else _("Choose the legal basis of the disclosure.")
        )
    if errors:
        raise ValidationError(errors)
    return recipient, justification


def _check_access(actor: User, document: str, objects: list[models.Model]) -> None:
    """The insight report and the audit log are the auditors'; minutes are printed only with
    discussions the actor may read (the view shows no others)."""
    if document in (Document.INSIGHT, Document.AUDIT_LOG):
        access.require_auditor(actor, f"disclosure_{document}")
        return
    items = [o for o in objects if isinstance(o, AgendaItem)]
    if len(items) != len(objects):
        raise ValueError("minutes disclose agenda items only")
    wanted = {item.pk for item in items}
    if wanted - access.readable_ids(actor, AgendaItem, wanted):
        raise PermissionDenied


def disclosures_record(
    *,
    actor: User,
    document: str,
    channel: str,
    recipient: str,
    legal_basis: str,
    justification: str,
    objects: Iterable[models.Model] = (),
    citizen_ids: Iterable[int | None] = (),
    about: models.Model | None = None,
    categories: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
) -> list[AuditEvent]:
    """Record one disclosure of `document` by print, PDF or CSV: a `disclose` event per
    object shown (with its case and citizen: a discussed case of the minutes), and one per
    further citizen concerned (`citizen_ids`: the citizens of an exported log); with
    neither, one event about `about` (the meeting, or nothing), so the disclosure itself
    is always logged. Each names the channel, the recipient and the justification."""
    shown = list(objects)
    recipient, justification = disclosure_check(
        document=document,
        channel=channel,
        recipient=recipient,
        legal_basis=legal_basis,
        justification=justification,
    )
    _check_access(actor, document, shown)
    said = {
        **(detail or {}),
        "document": str(document),
        "channel": str(channel),
        "recipient": recipient,
        "justification": justification,
    }
    common: dict[str, Any] = {
        "actor": actor,
        "action": audit.Action.DISCLOSE,
        "purpose": PURPOSES[document],
        "legal_basis": legal_basis,
    }
    events = [
        audit.build_event(
            obj=obj,
            categories=[getattr(obj, "category", "")] if getattr(obj, "category", "") else (),
            detail=said,
            **common,
        )
        for obj in shown
    ]
    covered = {event.citizen_id for event in events}
    events += [
        audit.build_event(citizen_id=pk, categories=categories, detail=said, **common)
        for pk in sorted({pk for pk in citizen_ids if pk} - covered)
    ]
    if not events:
        events = [audit.build_event(obj=about, categories=categories, detail=said, **common)]
    # Nothing but the log is written: the events go with the request's others, and if they
    # cannot be inserted the print, PDF or file is withheld (audit.AuditMiddleware, fail
    # closed). Outside a request they are inserted at once.
    audit.record_many(events)
    return events


def disclosure_record(
    *,
    actor: User,
    channel: str,
    recipient: str,
    legal_basis: str,
    justification: str,
    document: str,
    case: models.Model | None = None,
    citizen_id: int | None = None,
    obj: models.Model | None = None,
    categories: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record the disclosure of one thing by print, PDF or CSV: an object (with its case and
    citizen), else a case, else a citizen's data. One `disclose` event with the channel
    and the recipient."""
    return disclosures_record(
        actor=actor,
        document=document,
        channel=channel,
        recipient=recipient,
        legal_basis=legal_basis,
        justification=justification,
        objects=[obj] if obj is not None else [],
        citizen_ids=[citizen_id] if obj is None and case is None else [],
        about=case,
        categories=categories,
        detail=detail,
    )[0]
