"""Chainable reads. Permission filters come from access.py, never from here."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from coordination import cpr

if TYPE_CHECKING:
    import datetime as dt

# A case reference as people type it: SAG-000042, SAG42 or 42.
REFERENCE_RE = re.compile(r"^(?:SAG-?)?0*(\d{1,9})$", re.IGNORECASE)


class CaseQuerySet(models.QuerySet[Any]):
    def open(self) -> CaseQuerySet:
        return self.exclude(status="closed")

    def for_list(self) -> CaseQuerySet:
        return self.select_related("citizen", "forum", "coordinator")

    def search(self, text: str) -> CaseQuerySet:
        """Match a case reference (SAG-000042 or 42) or words of the citizen's name."""
        text = (text or "").strip()
        if not text:
            return self
        match = REFERENCE_RE.match(text)
        if match:
            return self.filter(pk=int(match.group(1)))
        condition = Q()
        for word in text.split()[:5]:
            condition &= Q(citizen__first_name__icontains=word) | Q(
                citizen__last_name__icontains=word
            )
        return self.filter(condition)


class CaseParticipantQuerySet(models.QuerySet[Any]):
    def active(self, at: dt.datetime | None = None) -> CaseParticipantQuerySet:
        """Participations in force at `at` (now by default)."""
        moment = at or timezone.now()
        return self.filter(valid_from__lte=moment).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=moment)
        )


class ContactQuerySet(models.QuerySet[Any]):
    def timeline(self) -> ContactQuerySet:
        return self.select_related("logged_by", "unit", "partner", "related_person").order_by(
            "-occurred_at", "-pk"
        )


class CitizenQuerySet(models.QuerySet[Any]):
    def by_cpr(self, digits: str) -> CitizenQuerySet:
        """Exact match on the keyed blind index; `digits` must already be normalised."""
        return self.filter(cpr_index=cpr.blind_index(digits))


# Actions that read personal data: what a citizen's insight report calls look-ups.
READ_ACTIONS = ("view", "list", "search", "export", "print")


class AuditEventQuerySet(models.QuerySet[Any]):
    def reads(self) -> AuditEventQuerySet:
        return self.filter(action__in=READ_ACTIONS, outcome="ok")

    def in_period(self, since: dt.datetime | None, until: dt.datetime | None) -> AuditEventQuerySet:
        queryset = self
        if since is not None:
            queryset = queryset.filter(occurred_at__gte=since)
        if until is not None:
            queryset = queryset.filter(occurred_at__lt=until)
        return queryset

    def for_log(self) -> AuditEventQuerySet:
        """Newest first, by time (the (column, -occurred_at) indexes serve every filter)."""
        return self.select_related("actor_unit").order_by("-occurred_at", "-pk")

    def before(self, occurred_at: dt.datetime, pk: int) -> AuditEventQuerySet:
        """The events after (older than) the one at (occurred_at, pk) in `for_log` order."""
        return self.filter(Q(occurred_at__lt=occurred_at) | Q(occurred_at=occurred_at, pk__lt=pk))
