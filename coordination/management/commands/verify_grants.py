"""`manage.py verify_grants`: do the guardian rows match what the participants justify?

Exits 1 and lists every difference: a grant no participation justifies (a stray row, e.g.
inserted by hand), or a participation whose grant is missing. Rows that have already
expired grant nothing and are left to the expire_grants task."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from coordination import services
from coordination.models import CaseGroupObjectPermission, CaseParticipant, CaseUserObjectPermission


class Command(BaseCommand):
    help = "Check that the object permissions agree with the case participants."
    shown = 50

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Re-derive the grants of every case with a difference (audited).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        live = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        participants = CaseParticipant.objects.select_related("unit").iterator(chunk_size=5000)
        expected = services.expected_grants(participants)
        actual: set[tuple[Any, ...]] = set()
        for kind, model, holder in (
            ("group", CaseGroupObjectPermission, "group_id"),
            ("user", CaseUserObjectPermission, "user_id"),
        ):
            rows = model.objects.filter(live).values_list(
                "content_object_id",
                holder,
                "permission__codename",
                "participant_id",
                "starts_at",
                "expires_at",
            )
            actual.update((kind, *row) for row in rows.iterator(chunk_size=5000))
        stray, missing = sorted(actual - expected, key=str), sorted(expected - actual, key=str)
        lines = [f"STRAY   {self._describe(r)}" for r in stray]
        lines += [f"MISSING {self._describe(r)}" for r in missing]
        for line in lines[: self.shown]:
            self.stdout.write(line)
        if len(lines) > self.shown:
            self.stdout.write(f"... and {len(lines) - self.shown} more")
        if (stray or missing) and options["repair"]:
            cases = sorted({row[1] for row in stray + missing})
            services.grants_repair(case_ids=cases)
            self.stdout.write(self.style.WARNING(f"Re-derived the grants of {len(cases)} case(s)."))
            return
        if stray or missing:
            raise CommandError(f"{len(stray)} stray and {len(missing)} missing grant(s).")
        self.stdout.write(self.style.SUCCESS(f"{len(actual)} grants match the participants."))

    @staticmethod
    def _describe(row: tuple[Any, ...]) -> str:
        kind, case_id, holder, codename, participant_id, _starts, expires = row
        return (
            f"case {case_id}: {kind} {holder} {codename} "
            f"(participant {participant_id}, expires {expires or '-'})"
        )
