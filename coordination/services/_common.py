"""What several service areas share: the unit an actor acts for on a case, the check of a
list of information categories, and the clock skew a logged time may have."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from coordination import access
from coordination.models import ALL_CATEGORIES, Case

# Times may be logged a little ahead of the server clock (phones drift), not more.
CLOCK_SKEW = dt.timedelta(minutes=5)


def acting_unit(actor: User, case: Case, action: access.CaseAction, unit: Unit | None) -> Unit:
    """The unit through which `actor` performs `action` on `case` (through `unit`, when
    given). A ValidationError on `unit` if the act is allowed but not through that unit;
    PermissionDenied if it is not allowed at all."""
    participation = access.acting_participation(actor, case, action, unit)
    if participation is None and unit is not None:
        # The act is allowed (the caller checked), but not through the unit named.
        raise ValidationError({"unit": _("You do not take part in the case through that unit.")})
    if participation is None:
        raise PermissionDenied
    return participation.unit


def check_categories(categories: Iterable[str]) -> list[str]:
    """The categories, sorted and without repeats; a ValidationError if none or an unknown
    one is given."""
    chosen = sorted(set(categories))
    unknown = [c for c in chosen if c not in ALL_CATEGORIES]
    if unknown or not chosen:
        raise ValidationError({"categories": _("Choose one or more known categories.")})
    return chosen
