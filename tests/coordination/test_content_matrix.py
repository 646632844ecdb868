"""THE permission matrix, for every kind of content (sharing-rules.md 3: "entry" means
everything a person writes about a citizen).

tests/coordination/test_permission_matrix.py holds the table: for each case kind, each
persona and each category, whether the persona reads the case's entry of that category
(shared to all participants, to named units, on the case's basis or on consent; on Exit
with the consent active and withdrawn). This module shares every one of those entries
again as each other kind of content (a contact, an offer, an action, a referral to a
unit taking part, a meeting discussion, and on PSP an incident of the category) with the
same author, category, basis, audience and consent, and checks that every persona reads
each of them exactly as the table says it reads the entry: through access.content_for,
through the case page (the text is on it or not), and through the API where the kind has
an endpoint (contacts, actions).

So the matrix is persona x content kind x category x audience x consent state, with the
entry rows of the table as its expectations. Not repeated for other kinds: a disclosure
under sundhedsloven § 43, stk. 2, nr. 2 (only ever an entry: its deciding professional
and the task to inform the patient), and categories an incident cannot have (an incident's
category is its kind's: health, police or general).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from coordination import access, services
from coordination.models import (
    Action,
    AgendaItem,
    Contact,
    Incident,
    Offer,
    Referral,
)
from tests.coordination.test_permission_matrix import (
    FORUM_BASIS,
    GRID,
    GRID_ACTIONS,
    KINDS,
    Built,
    EntrySpec,
    Y,
    build,
)
from tests.helpers import token_client, unit, user

pytestmark = pytest.mark.django_db

INCIDENT_OF = {"health": "forced_admission", "police": "use_of_force", "general": "other"}
ON_THE_PAGE = ("contact", "offer", "action", "referral", "incident")
API_PATHS = {"contact": "contacts", "action": "actions"}


def _share_of(built: Built, spec: EntrySpec) -> dict[str, Any]:
    """The entry's sharing, for the same content of another kind."""
    basis = built.basis if spec.basis == FORUM_BASIS else spec.basis
    return {
        "legal_basis": basis,
        "audience": [unit(name) for name in spec.audience],
        "consent": built.consent if spec.on_consent else None,
    }


def _writers(built: Built) -> dict[str, Callable[[User, EntrySpec, str], Any]]:
    case = built.case

    def contact(actor: User, spec: EntrySpec, text: str) -> Contact:
        return services.contact_log(
            actor=actor,
            case=case,
            kind="phone",
            result="reached",
            occurred_at=timezone.now(),
            note=text,
            category=spec.category,
            **_share_of(built, spec),
        )

    def offer(actor: User, spec: EntrySpec, text: str) -> Offer:
        return services.offer_make(
            actor=actor,
            case=case,
            kind="club",
            note=text,
            category=spec.category,
            **_share_of(built, spec),
        )

    def action(actor: User, spec: EntrySpec, text: str) -> Action:
        return services.action_create(
            actor=actor,
            case=case,
            title=text,
            responsible=actor,
            due_at=timezone.now() + dt.timedelta(days=7),
            category=spec.category,
            **_share_of(built, spec),
        )

    def referral(actor: User, spec: EntrySpec, text: str) -> Referral:
        # To the case's lead unit (or, from it, to the first other unit taking part).
        author = access.acting_participation(actor, case, access.CaseAction.ADD_ENTRY)
        assert author is not None
        to_unit = next(
            p.unit
            for p in case.participants.select_related("unit").order_by("pk")
            if p.unit_id != author.unit_id
        )
        share = _share_of(built, spec)
        if share["audience"] and to_unit not in share["audience"]:
            return None  # would add the unit referred to: not the entry's audience
        return services.referral_send(
            actor=actor,
            case=case,
            to_unit=to_unit,
            purpose=text,
            category=spec.category,
            **share,
        )

    def discussion(actor: User, spec: EntrySpec, text: str) -> AgendaItem:
        meeting = services.meeting_schedule(
            actor=user(built.spec.lead),
            forum=case.forum,
            organiser_unit=unit(built.spec.lead_unit),
            starts_at=timezone.now() - dt.timedelta(minutes=5),
            kind="emergency",
        )
        item = services.meeting_add_case(actor=user(built.spec.lead), meeting=meeting, case=case)
        return services.agenda_item_record(
            actor=actor,
            item=item,
            picture=text,
            assessment="",
            decision="",
            category=spec.category,
            **_share_of(built, spec),
        )

    def incident(actor: User, spec: EntrySpec, text: str) -> Incident | None:
        if spec.category not in INCIDENT_OF:
            return None
        return services.incident_record(
            actor=actor,
            case=case,
            kind=INCIDENT_OF[spec.category],
            occurred_on=timezone.localdate(),
            note=text,
            **_share_of(built, spec),
        )

    writers: dict[str, Callable[[User, EntrySpec, str], Any]] = {
        "contact": contact,
        "offer": offer,
        "action": action,
        "referral": referral,
        "discussion": discussion,
    }
    if case.forum.effort_type == "psp":
        writers["incident"] = incident
    return writers


def build_all_kinds(kind_name: str) -> tuple[Built, dict[tuple[str, str], Any]]:
    """The table's case kind with every entry shared again as each other kind of content,
    before the consent is withdrawn or the case closed (as the entries were)."""
    spec = KINDS[kind_name]
    KINDS[f"{kind_name}:open"] = dataclasses.replace(spec, withdraw=False, close=False)
    try:
        built = build(f"{kind_name}:open")
    finally:
        del KINDS[f"{kind_name}:open"]
    built.kind = kind_name
    made: dict[tuple[str, str], Any] = {}
    for entry_spec in spec.entries:
        if entry_spec.decided_by:
            continue  # SUL43_2_2: only ever an entry
        for content_kind, write in _writers(built).items():
            text = f"MARK-{content_kind}-{entry_spec.key}-X".replace(" ", "_")
            row = write(user(entry_spec.author), entry_spec, text)
            if row is not None:
                made[content_kind, entry_spec.key] = (row, text)
    if spec.withdraw:
        assert built.consent is not None
        services.consent_withdraw(actor=user(spec.lead), case=built.case, consent=built.consent)
    if spec.close:
        services.case_close(actor=user(spec.lead), case=built.case, reason="Afsluttet")
    return built, made


MODELS = {
    "contact": Contact,
    "offer": Offer,
    "action": Action,
    "referral": Referral,
    "discussion": AgendaItem,
    "incident": Incident,
}


@pytest.mark.parametrize("kind_name", list(GRID))
def test_every_kind_of_content_follows_the_entry_rows(kind_name: str) -> None:
    built, made = build_all_kinds(kind_name)
    assert made, "no content was made"
    wrong: dict[tuple[str, str, str], str] = {}
    checked = 0
    for persona_name, cells in GRID[kind_name]:
        persona = user(persona_name)
        expected_of = {
            action.removeprefix("view entry: "): cell
            for action, cell in zip(GRID_ACTIONS, cells, strict=True)
            if action.startswith("view entry: ")
        }
        readable = {
            content_kind: set(
                access.content_for(persona, built.case, model).values_list("pk", flat=True)
            )
            for content_kind, model in MODELS.items()
        }
        client = Client()
        client.force_login(persona)
        page = client.get(reverse("coordination:case_detail", args=[built.case.pk]))
        body = page.content.decode() if page.status_code == 200 else ""
        listed = {}
        for content_kind, path in API_PATHS.items():
            response = token_client(persona).get(
                f"/api/v1/cases/{built.case.pk}/{path}/?page_size=500"
            )
            rows = response.json().get("results", []) if response.status_code == 200 else []
            listed[content_kind] = {row["id"] for row in rows}
        for (content_kind, key), (row, text) in made.items():
            if key not in expected_of:
                continue
            expected = expected_of[key] == Y
            checked += 1
            got = row.pk in readable[content_kind]
            if got != expected:
                wrong[persona_name, content_kind, key] = f"content_for: expected {expected}"
            if content_kind in ON_THE_PAGE and (text in body) != expected:
                wrong[persona_name, content_kind, key] = f"case page: expected {expected}"
            if content_kind in API_PATHS and (row.pk in listed[content_kind]) != expected:
                wrong[persona_name, content_kind, key] = f"API: expected {expected}"
    assert checked, "nothing was checked"
    assert not wrong, f"{kind_name}: {wrong}"
