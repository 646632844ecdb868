"""`manage.py verify_audit`: recompute the audit log's digests and seals.

Exits 0 when every event matches its digest, every sealed window holds exactly the events it
sealed and every seal follows the one before it. Otherwise it exits 1 and names the first
event or seal that was altered, inserted or removed (then the others, up to 50). Prints the
newest seal's hash: recording it elsewhere (a ticket, a print-out) anchors the chain's end.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coordination import seals
from coordination.management.commands._progress import progress_bar
from coordination.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the audit log's digests and seal chain; exit 1 naming the first problem."
    shown = 50

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        total = AuditEvent.objects.count()
        with progress_bar(disable=options["json"]) as progress:
            task = progress.add_task("Verifying audit events", total=total)
            result = seals.audit_verify(progress=lambda n: progress.advance(task, n))
        if options["json"]:
            self.stdout.write(json.dumps(seals.describe(result), indent=2))
        else:
            through = result.purged_through
            purged = f", purged through event {through}" if through else ""
            self.stdout.write(
                f"{result.events} events, {result.seals} seals{purged}; newest seal {result.head}"
            )
            for problem in result.problems[: self.shown]:
                self.stdout.write(f"  {problem.kind:16} {problem.message}")
            if len(result.problems) > self.shown:
                self.stdout.write(f"  ... and {len(result.problems) - self.shown} more")
        if not result.ok:
            raise CommandError(f"Audit log verification failed: {result.problems[0].message}")
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS("The audit log verifies."))
