"""The people around a citizen: guardians and other related persons (Knock Knock's 15-17
track works with the parents). Access, form, service, audit, as every case form."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from coordination import access, services
from coordination.forms.people import RelatedPersonForm
from coordination.models import Case, RelatedPerson
from coordination.views.base import case_form_view


def _add_related_person(*, actor: User, case: Case, **data: Any) -> RelatedPerson:
    return services.related_person_add(actor=actor, citizen=case.citizen, **data)


@login_required
@require_http_methods(["GET", "POST"])
def related_person_new(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Tilføj pårørende": a guardian or other person around the case's citizen."""
    return case_form_view(
        request,
        pk,
        action=access.CaseAction.LOG_CONTACT,
        form_class=RelatedPersonForm,
        service=_add_related_person,
        template="coordination/related_person_new.html",
        done=_("The person has been added."),
    )
