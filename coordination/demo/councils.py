"""The district's governance in the demo, from Kredsrådets samarbejdsplan 2025 (facts in
shared/docs/SEED_DATA.md): the plan and its seven focus areas, the kredsråd and the nine
lokalråd, handleplans in several states, Bo Trygt's roll-out per municipality.

Tables only; `seed_councils` writes them (idempotent: what exists by its natural key is
left as it is)."""

from __future__ import annotations

import datetime as dt

from accounts.models import Organisation, Unit, User
from coordination.demo.organisations import (
    ALL_MUNICIPALITIES,
    POLICE,
    municipality_organisation,
)
from coordination.models import (
    ActionPlan,
    ActionPlanItem,
    BoTrygtStatus,
    CooperationPlan,
    Council,
    CouncilMeeting,
    CouncilMember,
    EffortType,
    FocusArea,
)

PLAN_YEAR = 2025
PLAN_TITLE = "Kredsrådets samarbejdsplan 2025"

# (number, title, goal, the effort whose case data follows it)
FOCUS_AREAS: tuple[tuple[str, str, str, str], ...] = (
    ("05.1", "Bedre samarbejde om indsatsen over for sårbare borgere",
     "Færre episoder, hvor politiet må bruge magt, gennem en målrettet indsats for de få "
     "borgere med mange tvangsindlæggelser (PSP).", EffortType.PSP),
    ("05.2", "Styrkelse af indsatsen mod bandekriminalitet",
     "Mindre rekruttering af unge: kontakt til de unge og aktivering i fritid, arbejde og "
     "uddannelse (Knock Knock, Stadion-indsatsen, Tryk Ungeliv).", EffortType.KNOCK_KNOCK),
    ("05.3", "Udviklingen i ungdomskriminaliteten følges",
     "Kredsrådet drøfter ungdomskriminaliteten mindst én gang om året på en analyse for "
     "kredsen og hver kommune.", EffortType.SSP),
    ("05.4", "Konkrete indsatser for tryghed",
     "Tryghed i nattelivet, forebyggelse af drugging, Tryg Aalborg og oplæg på "
     "ungdomsuddannelserne.", ""),
    ("05.5", "Indbrud", "Færre indbrud gennem Bo Trygt i samarbejde med TrygFonden og Det "
     "Kriminalpræventive Råd.", ""),
    ("05.6", "Tryghed og sikkerhed på nettet",
     "Materialet \"Stop \N{EN DASH} vær skeptisk\" til seniorer, \"Den Sikre Side\" i "
     "skolerne og et årligt møde om CEO-svindel med det lokale erhvervsliv i hver kommune.", ""),
    ("05.7", "Indsatser for mere sikker trafik", "Mere sikker trafik i hele politikredsen.", ""),
)  # fmt: skip

KREDSRAAD = "Kredsrådet for Nordjylland"

# The kredsråd's ordinary meetings in the plan's year: (month, day, topic, youth crime).
KREDSRAAD_MEETINGS: tuple[tuple[int, int, str, bool], ...] = (
    (5, 22, "Ungdomskriminaliteten i kredsen og i hver kommune", True),
    (11, 20, "Samarbejdsplanen for det kommende år", False),
)

# Handleplans: the state each lokalråd's plan for the plan's year is in (approved on a
# day before 1 February, approved late, or still a draft).
ACTION_PLAN_APPROVED: dict[str, dt.date | None] = {
    "Aalborg": dt.date(2025, 1, 28),
    "Brønderslev": dt.date(2025, 1, 20),
    "Frederikshavn": dt.date(2025, 1, 30),
    "Hjørring": dt.date(2025, 1, 15),
    "Jammerbugt": dt.date(2025, 2, 12),
    "Læsø": dt.date(2025, 1, 24),
    "Mariagerfjord": None,
    "Rebild": dt.date(2025, 1, 31),
    "Vesthimmerland": None,
}

# Items every plan has, by focus area: (area, title, responsible: police or municipality).
ACTION_PLAN_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("05.1", "PSP-møder hver anden uge med psykiatrien", "police"),
    ("05.3", "Lokal analyse af ungdomskriminaliteten til lokalrådet", "police"),
    ("05.5", "Bo Trygt: nabohjælp og boligforeninger", "municipality"),
    ("05.6", '"Den Sikre Side" i 6.-9. klasse', "municipality"),
    ("05.6", "Årligt møde om CEO-svindel med erhvervslivet", "police"),
)
# And a few more, locally.
LOCAL_ITEMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Aalborg": (
        ("05.2", "Knock Knock: opsøgende besøg i par", "police"),
        ("05.2", "Stadion-indsatsen ved hjemmekampe", "police"),
        ("05.4", "Tryg Aalborg i nattelivet", "municipality"),
    ),
    "Hjørring": (("05.5", "Hjørring \N{EN DASH} Det gode naboskab", "municipality"),),
    "Læsø": (("", "Sommerbesøgende og færgehavnen", "police"),),
}

# Bo Trygt per municipality: (status, since, note).
BO_TRYGT: dict[str, tuple[str, dt.date | None, str]] = {
    "Hjørring": (
        "integrated",
        dt.date(2019, 1, 1),
        'Del af "Hjørring \N{EN DASH} Det gode naboskab".',
    ),
    "Mariagerfjord": ("active", dt.date(2024, 3, 1), "Udvidet i 2024."),
    "Frederikshavn": ("active", dt.date(2024, 5, 1), "Udvidet i 2024."),
    "Brønderslev": ("active", dt.date(2024, 9, 1), "Udvidet i 2024."),
    "Aalborg": ("active", dt.date(2024, 12, 1), "Aftale ved udgangen af 2024."),
    "Vesthimmerland": ("active", dt.date(2024, 12, 1), "Aftale ved udgangen af 2024."),
    "Rebild": ("active", dt.date(2025, 2, 1), "Fra begyndelsen af 2025."),
    "Jammerbugt": ("active", dt.date(2025, 2, 1), "Fra begyndelsen af 2025."),
    "Læsø": ("not_relevant", None, "Indbrud er sjældne på Læsø."),
}
BO_TRYGT_SUPPORTED_UNTIL = dt.date(2026, 12, 31)


# Lokalråd with a secretariat unit and a secretary persona in Samråd (organisations.py).
SECRETARIES: dict[str, tuple[str, str]] = {
    "Aalborg": ("Lokalrådssekretariatet Aalborg", "lokalraad.aalborg"),
    "Hjørring": ("Lokalrådssekretariatet Hjørring", "lokalraad.hjoerring"),
}


def lokalraad_name(municipality: str) -> str:
    return f"Lokalrådet i {municipality} Kommune"


def seed_councils() -> dict[str, int]:
    """The plan, the councils, their meetings, members and handleplans, and Bo Trygt;
    returns how many of each it created."""
    created = {"plans": 0, "councils": 0, "action plans": 0}
    plan, new = CooperationPlan.objects.get_or_create(
        year=PLAN_YEAR, defaults={"title": PLAN_TITLE, "approved_on": dt.date(2024, 11, 21)}
    )
    created["plans"] += new
    areas = {}
    for code, title, goal, effort in FOCUS_AREAS:
        areas[code], _ = FocusArea.objects.get_or_create(
            plan=plan, code=code, defaults={"title": title, "goal": goal, "effort_type": effort}
        )
    police = Organisation.objects.get(name=POLICE)
    kredsraad, new = Council.objects.get_or_create(
        name=KREDSRAAD, defaults={"kind": Council.Kind.KREDSRAAD}
    )
    if new:
        created["councils"] += 1
        CouncilMember.objects.create(
            council=kredsraad, name="Politidirektøren", title="Politidirektør", organisation=police
        )
        for municipality in ALL_MUNICIPALITIES:
            CouncilMember.objects.create(
                council=kredsraad,
                name=f"Borgmesteren i {municipality}",
                title=f"Borgmester, {municipality} Kommune",
                organisation=Organisation.objects.get(name=municipality_organisation(municipality)),
            )
        for month, day, topic, youth in KREDSRAAD_MEETINGS:
            CouncilMeeting.objects.create(
                council=kredsraad,
                held_on=dt.date(PLAN_YEAR, month, day),
                topic=topic,
                youth_crime=youth,
            )
    for municipality in ALL_MUNICIPALITIES:
        organisation = Organisation.objects.get(name=municipality_organisation(municipality))
        unit_name, username = SECRETARIES.get(municipality, ("", ""))
        council, new = Council.objects.get_or_create(
            name=lokalraad_name(municipality),
            defaults={
                "kind": Council.Kind.LOKALRAAD,
                "municipality": municipality,
                "secretariat": Unit.objects.filter(name=unit_name).first(),
            },
        )
        if not new:
            continue
        created["councils"] += 1
        for name, title, org in (
            ("Lokalpolitiets leder", f"Politiets lokale ledelse, {municipality}", police),
            ("Kommunaldirektøren", f"Kommunaldirektør, {municipality} Kommune", organisation),
        ):
            CouncilMember.objects.create(council=council, name=name, title=title, organisation=org)
        secretary = User.objects.filter(username=username).first() if username else None
        if secretary is not None:
            CouncilMember.objects.create(
                council=council,
                name=secretary.get_full_name(),
                title=f"Sekretær for lokalrådet, {municipality} Kommune",
                organisation=organisation,
                user=secretary,
            )
        approved = ACTION_PLAN_APPROVED.get(municipality)
        action_plan = ActionPlan.objects.create(
            council=council,
            year=PLAN_YEAR,
            status=ActionPlan.Status.APPROVED if approved else ActionPlan.Status.DRAFT,
            approved_on=approved,
        )
        created["action plans"] += 1
        for area, title, who in ACTION_PLAN_ITEMS + LOCAL_ITEMS.get(municipality, ()):
            ActionPlanItem.objects.create(
                plan=action_plan,
                focus_area=areas.get(area),
                title=title,
                responsible=police if who == "police" else organisation,
                status=ActionPlanItem.Status.IN_PROGRESS
                if approved
                else ActionPlanItem.Status.PLANNED,
            )
    for municipality, (status, since, note) in BO_TRYGT.items():
        BoTrygtStatus.objects.get_or_create(
            municipality=municipality, defaults={"status": status, "since": since, "note": note}
        )
    return created
