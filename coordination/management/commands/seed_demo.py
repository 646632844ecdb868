"""`manage.py seed_demo`: the North Jutland demo (docs/demo-data.md), for development only.

Creates the organisations, units, forums and personas of coordination/demo/ and about 60
fictitious citizens with cases, contacts and entries, and tells the workflows in Aalborg
around a few more (Knock Knock nominations, visits, offers and list meetings; a PSP case
with incidents, referrals, outcome snapshots and a meeting). The seeding itself is
`coordination.demo.seed.Seeder` (domain data written through the services, only the
timestamps of the demo's past moved back); this command refuses to run on what may be real
data, shows the progress and reports what is in the database. Idempotent: whatever already
exists (organisations, units, forums and users by name, citizens by CPR blind index, a
workflow story by its citizens) is left as it is, so a second run changes nothing.
"""

from __future__ import annotations

import io
import time
from argparse import ArgumentParser
from typing import IO, Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import transaction
from django.db.models import Count
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accounts.models import Organisation, Unit, User
from coordination import demo
from coordination.demo.seed import STORIES, Seeder
from coordination.demo.seed_cases import Tally
from coordination.models import (
    AgendaItem,
    Case,
    Citizen,
    ConcernReport,
    Contact,
    Entry,
    Forum,
    Incident,
    Meeting,
    Offer,
    OutcomeSnapshot,
    Referral,
)


class _Stream(io.TextIOBase):
    """Lets rich write through the command's stdout without OutputWrapper adding newlines."""

    def __init__(self, out: OutputWrapper) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.write(text, ending="")
        return len(text)

    def flush(self) -> None:
        self._out.flush()

    def isatty(self) -> bool:
        return self._out.isatty()


class Command(BaseCommand):
    help = (
        "Create the North Jutland demo: organisations, units, forums, personas and about 60 "
        "fictitious citizens with cases. Development and demo databases only; idempotent."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off (a demo server). Never on real data.",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Also set the demo password on personas that already exist.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo writes fictitious demo data and runs only with DEBUG on. "
                "If this really is a demo database, run it again with --force."
            )
        verbosity: int = options["verbosity"]
        console = Console(
            file=cast(IO[str], _Stream(self.stdout)),
            no_color=options.get("no_color", False),
            force_terminal=True if options.get("force_color") else None,
            highlight=False,
            width=None if self.stdout.isatty() else 120,
        )
        password = getattr(settings, "DEMO_PASSWORD", "") or demo.DEFAULT_DEMO_PASSWORD
        started = time.monotonic()
        with transaction.atomic():
            seeder = Seeder(
                password=password,
                reset_passwords=options["reset_passwords"],
                warn=lambda text: console.print(f"[yellow]{text}[/]"),
            )
            seeder.structure()
            _citizens(seeder, console, verbosity)
            tally = seeder.tally
        elapsed = time.monotonic() - started
        if verbosity >= 1:
            _report(console, tally, password, elapsed, verbosity)


def _citizens(seeder: Seeder, console: Console, verbosity: int) -> None:
    """The citizens with their cases, then the workflow stories, each with a progress bar."""
    specs = demo.citizen_specs()
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=verbosity == 0,
        refresh_per_second=4,
    )
    with progress:
        task = progress.add_task("Citizens and cases", total=len(specs))
        for spec in specs:
            seeder.seed_citizen(spec)
            progress.advance(task)
        task = progress.add_task("Workflows in Aalborg", total=len(STORIES))
        for story in STORIES:
            seeder.tell(story)
            progress.advance(task)


def _report(console: Console, tally: Tally, password: str, elapsed: float, verbosity: int) -> None:
    if verbosity >= 2:
        for kind, names in tally.names.items():
            console.print(f"Created {kind}: {', '.join(names)}")
    created = ", ".join(f"{n} {kind}" for kind, n in tally.created.items()) or "nothing new"
    console.print(f"Seeded in {elapsed:.1f} s: {created}.")
    if tally.existing_citizens:
        console.print(f"{tally.existing_citizens} demo citizens were already there (left as is).")
    if tally.existing_stories:
        console.print(
            f"{tally.existing_stories} workflow stories were already there (left as they are)."
        )

    counts = Table(title="Demo data in the database", title_justify="left")
    counts.add_column("What")
    counts.add_column("Count", justify="right")
    counts.add_row("Organisations", str(Organisation.objects.count()))
    counts.add_row("Units", str(Unit.objects.count()))
    counts.add_row("Forums", str(Forum.objects.count()))
    counts.add_row("Users", str(User.objects.count()))
    counts.add_row("Citizens", str(Citizen.objects.count()))
    per_forum = (
        Case.objects.values_list("forum__name").annotate(n=Count("pk")).order_by("forum__name")
    )
    for forum_name, n in per_forum:
        counts.add_row(f"  Cases in {forum_name}", str(n))
    counts.add_row("Cases", str(Case.objects.count()))
    for label, model in (
        ("Contacts", Contact),
        ("Entries", Entry),
        ("Concern reports", ConcernReport),
        ("Meetings", Meeting),
        ("Agenda items", AgendaItem),
        ("Offers", Offer),
        ("Referrals", Referral),
        ("Incidents", Incident),
        ("Outcome snapshots", OutcomeSnapshot),
    ):
        counts.add_row(label, str(model.objects.count()))
    console.print(counts)

    personas = Table(title="Personas", title_justify="left")
    personas.add_column("Username", style="bold")
    personas.add_column("Name")
    personas.add_column("Who")
    personas.add_column("Unit")
    for persona in demo.PERSONAS:
        personas.add_row(
            persona.username,
            f"{persona.first_name} {persona.last_name}",
            persona.who,
            persona.unit,
        )
    console.print(personas)
    console.print(f"Open {demo.DEMO_URL} and log in as a persona with the password: {password}")
    if tally.kept_passwords:
        console.print(
            "Personas that already existed kept their password "
            "(use --reset-passwords to set the demo password on them too)."
        )
