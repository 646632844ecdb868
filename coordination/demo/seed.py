"""Seeding the North Jutland demo (docs/demo-data.md) through the services: `Seeder`.

`manage.py seed_demo` drives it: `structure()` (organisations, units, forums and personas),
then `seed_citizen()` for each of `citizen_specs()` and `tell()` for each of `STORIES`.
Domain data is written through the services (so access checks and the audit log apply as
in real use); only timestamps of the demo's past are moved back afterwards (see
`backdate`). Idempotent: whatever already exists (organisations, units, forums and users
by name, citizens by CPR blind index, a workflow story by its citizens) is left as it is,
so a second run changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.hashers import make_password

from accounts import services as account_services
from accounts.models import Membership, Organisation, Unit, User
from coordination.demo.councils import seed_councils
from coordination.demo.organisations import FORUMS, ORGANISATIONS, PERSONAS, UNITS
from coordination.demo.seed_cases import CaseSeeder
from coordination.demo.seed_story import Story
from coordination.models import Forum

# Membership roles that work on cases (the others see no case content).
_WORKING_ROLES = frozenset(
    {Membership.Role.COORDINATOR, Membership.Role.CASEWORKER, Membership.Role.CONTACT}
)

# The workflow stories, in the order they are told.
STORIES: tuple[Callable[[Story], None], ...] = (Story.knock_knock, Story.psp, Story.life)


class Seeder(CaseSeeder):
    """The demo's structure and personas; the citizens' cases come from `CaseSeeder` and
    the workflow stories from `Story`. `warn` is told about a unit that exists with another
    type than the demo's."""

    def __init__(
        self, *, password: str, reset_passwords: bool, warn: Callable[[str], None]
    ) -> None:
        super().__init__()
        self.password = password
        self.reset_passwords = reset_passwords
        self.warn = warn
        self._password_hash = ""

    def structure(self) -> None:
        """Organisations, units, forums (with their member units) and the personas."""
        self._organisations()
        self._units()
        self._forums()
        self._personas()
        # The plan, the kredsråd and the lokalråd (facts of the 2025 plan; no personal data).
        self.tally.created.update(seed_councils())

    def tell(self, story: Callable[[Story], None]) -> None:
        """One of `STORIES`; left out if its citizens exist (the story was told)."""
        story(Story(self))

    def _organisations(self) -> None:
        for spec in ORGANISATIONS:
            organisation, created = Organisation.objects.get_or_create(
                name=spec.name,
                defaults={"org_type": spec.org_type, "municipality_code": spec.municipality_code},
            )
            if created:
                self.tally.add("organisations", spec.name)
            self.organisations[spec.name] = organisation

    def _units(self) -> None:
        names = [spec.name for spec in UNITS]
        existing = {unit.name: unit for unit in Unit.objects.filter(name__in=names)}
        for spec in UNITS:
            unit = existing.get(spec.name)
            if unit is None:
                unit = account_services.unit_create(
                    organisation=self.organisations[spec.organisation],
                    name=spec.name,
                    unit_type=spec.unit_type,
                    municipality=spec.municipality,
                )
                self.tally.add("units", spec.name)
            elif unit.unit_type != spec.unit_type:
                self.warn(
                    f"Unit {spec.name} exists with type {unit.unit_type} "
                    f"(demo: {spec.unit_type}); left as it is."
                )
            self.units[spec.name] = unit

    def _forums(self) -> None:
        for spec in FORUMS:
            forum, created = Forum.objects.get_or_create(
                name=spec.name,
                defaults={
                    "effort_type": spec.effort_type,
                    "municipality": spec.municipality,
                    "default_legal_basis": spec.default_legal_basis,
                    "age_min": spec.age_min,
                    "age_max": spec.age_max,
                    "consent_required": spec.consent_required,
                },
            )
            if created:
                forum.full_clean()
                self.tally.add("forums", spec.name)
            if forum.coordinating_unit_id is None:
                forum.coordinating_unit = self.units[spec.coordinator]
                forum.save(update_fields=["coordinating_unit"])
            present = set(forum.member_units.values_list("name", flat=True))
            missing = [self.units[name] for name in spec.members if name not in present]
            if missing:
                forum.member_units.add(*missing)
                self.tally.created["forum members"] += len(missing)
            self.forums[spec.name] = forum

    def _personas(self) -> None:
        for persona in PERSONAS:
            user = User.objects.filter(username=persona.username).first()
            if user is None:
                user = User(
                    username=persona.username,
                    first_name=persona.first_name,
                    last_name=persona.last_name,
                    email=f"{persona.username}@samraad.example",
                    is_staff=persona.superuser,
                    is_superuser=persona.superuser,
                )
                user.password = self._hashed_password()
                user.save()
                self.tally.add("personas", persona.username)
            elif self.reset_passwords:
                user.password = self._hashed_password()
                user.save(update_fields=["password"])
            else:
                self.tally.kept_passwords.append(persona.username)
            unit = self.units[persona.unit]
            if not Membership.objects.filter(user=user, unit=unit, role=persona.role).exists():
                account_services.membership_add(actor=None, user=user, unit=unit, role=persona.role)
                self.tally.created["memberships"] += 1
            self.users[persona.username] = user
            if persona.role in _WORKING_ROLES:
                self.persona_by_unit[persona.unit] = user

    def _hashed_password(self) -> str:
        # One PBKDF2 hash (about 0.4 s) shared by all personas, who share the password
        # anyway; hashing it twelve times would make up most of the seeding time.
        if not self._password_hash:
            self._password_hash = make_password(self.password)
        return self._password_hash
