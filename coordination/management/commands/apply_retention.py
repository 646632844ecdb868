"""`manage.py apply_retention`: the retention run (sharing-rules.md 6) now, as the nightly
beat task `coordination.tasks.apply_retention` runs it.

Closes the cases whose citizen left the forum's band without a decision once the countdown
has run, then deletes, in chunks (one transaction each): closed cases past their forum's
retention period that are not on hold, with everything hanging off them; concern reports
screened out or never opened into a case, past their period; and citizens with nothing
left. `--dry-run` counts what would happen and changes nothing. A run that is stopped is
simply run again: it goes on where the last one stopped.

Prints counts only (never a name or CPR number); the receipts are in the audit log.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coordination import services
from coordination.management.commands._progress import progress_bar

STAGES = {
    "cases": "Deleting closed cases",
    "concerns": "Deleting concern reports",
    "citizens": "Deleting citizens with nothing left",
}


class Command(BaseCommand):
    help = "Apply the retention rules now: close aged-out cases, delete what is no longer needed."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be closed and deleted; change nothing.",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=None,
            help="Cases (concerns, citizens) per transaction (default RETENTION_CHUNK_SIZE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["chunk_size"]
        if size is not None and size < 1:
            raise CommandError("--chunk-size must be a positive number.")
        dry_run: bool = options["dry_run"]
        with progress_bar(disable=dry_run) as progress:
            tasks: dict[str, Any] = {}

            def advance(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(STAGES[stage], total=total)
                progress.update(tasks[stage], completed=done, total=total)

            summary = services.apply_retention(dry_run=dry_run, chunk_size=size, progress=advance)
        if dry_run:
            self.stdout.write(
                f"Dry run: {summary.closed_aged_out} aged-out case(s) would be closed; "
                f"{summary.cases} closed case(s), {summary.concerns} concern report(s) and "
                f"{summary.citizens} citizen(s) would be deleted; {summary.cases_held} "
                "case(s) past their period are on hold. Nothing was changed."
            )
            return
        self.stdout.write(
            f"Retention run {summary.run}: {summary.closed_aged_out} aged-out case(s) closed; "
            f"deleted {summary.cases} case(s), {summary.concerns} concern report(s) and "
            f"{summary.citizens} citizen(s) in {summary.chunks} chunk(s); "
            f"{summary.cases_held} case(s) kept on hold."
        )
        if summary.rows:
            rows = ", ".join(f"{name} {n}" for name, n in sorted(summary.rows.items()) if n)
            self.stdout.write(f"Rows deleted: {rows}.")
        self.stdout.write(
            "One receipt per deleted case, concern report and citizen is in the audit log."
        )
