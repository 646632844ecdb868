"""Fixtures shared by the coordination tests."""

from __future__ import annotations

import pytest

from accounts.models import Unit
from coordination import services
from coordination.models import ALL_CATEGORIES, Case, Forum
from tests.conftest import fresh_cpr


@pytest.fixture
def kk_citizen(persona) -> tuple[Case, str]:
    """A new Knock Knock case led by ssp.aalborg with Forebyggelse Aalborg taking part, and
    the CPR number of its citizen (kept here: the application only stores it encrypted)."""
    number = fresh_cpr(16)
    actor = persona("ssp.aalborg")
    citizen = services.citizen_create(
        actor=actor, cpr_number=number, first_name="Ida", last_name="Indsigtsen"
    )
    forum = Forum.objects.get(name="Knock Knock Aalborg")
    case = services.case_open(
        actor=actor,
        citizen=citizen,
        forum=forum,
        lead_unit=Unit.objects.get(name="SSP Aalborg"),
        track="15-17",
    )
    services.participant_add(
        actor=actor,
        case=case,
        unit=Unit.objects.get(name="Forebyggelse Aalborg"),
        role="participant",
        legal_basis=forum.default_legal_basis,
        categories=ALL_CATEGORIES,
    )
    return case, number
