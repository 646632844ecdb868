"""`manage.py rotate_cpr_keys`: re-encrypt every CPR number under the newest key.

The procedure (docs/security.md, "Key management"):

1. Generate a key (`Fernet.generate_key()`) and put it FIRST in CPR_ENCRYPTION_KEYS, keeping
   the old key after it; deploy that to every web server and worker and restart them, so
   that new citizens are encrypted under the new key from then on.
2. Run `manage.py rotate_cpr_keys` (`--dry-run` first shows how many rows would change).
3. When it exits 0, remove the old key from CPR_ENCRYPTION_KEYS and deploy again; a
   `--dry-run` with the new key alone then reports 0 to re-encrypt and nothing undecryptable.

Works in chunks of 1,000 citizens (one transaction each, in pk order); a row already under
the first key is skipped, so an interrupted run is simply run again. Running it with a
single key is allowed and changes nothing: it then checks that every token decrypts.
The blind index (CPR_HMAC_KEY) is not touched, so look-ups by CPR number keep working.

Exits 1 naming the citizen ids whose token no configured key decrypts; those rows are left
as they are. Writes one audit event per run (none for a dry run). Prints counts and
citizen ids only, never a CPR number.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coordination import services
from coordination.management.commands._progress import progress_bar
from coordination.models import Citizen


class Command(BaseCommand):
    help = "Re-encrypt every citizen's CPR number under the first key of CPR_ENCRYPTION_KEYS."
    shown = 50

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the rows that would be re-encrypted; change nothing.",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=1000,
            help="Citizens per transaction (default 1000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be a positive number.")
        keys = len(settings.CPR_ENCRYPTION_KEYS)
        with progress_bar() as progress:
            task = progress.add_task(
                "Checking CPR tokens" if dry_run else "Re-encrypting CPR numbers",
                total=Citizen.objects.count(),
            )
            result = services.citizens_rekey(
                dry_run=dry_run,
                chunk_size=options["chunk_size"],
                progress=lambda n: progress.advance(task, n),
            )
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{result.checked} citizen(s) checked with {keys} key(s): {result.rekeyed} {verb} "
            f"under the first key, {result.current} already under it, "
            f"{len(result.undecryptable)} undecryptable."
        )
        if keys == 1:
            self.stdout.write(
                "Only one key is configured, so there is nothing older to rotate away from."
            )
        if result.undecryptable:
            ids = ", ".join(str(pk) for pk in result.undecryptable[: self.shown])
            more = len(result.undecryptable) - self.shown
            if more > 0:
                ids += f" and {more} more"
            raise CommandError(
                f"No key in CPR_ENCRYPTION_KEYS decrypts the CPR number of "
                f"{len(result.undecryptable)} citizen(s), left unchanged: citizen id {ids}. "
                "Do not remove any key until they are accounted for."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        elif keys > 1:
            self.stdout.write(
                self.style.SUCCESS(
                    "Every CPR number is encrypted under the first key; the older key(s) can "
                    "now be removed from CPR_ENCRYPTION_KEYS."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("Every CPR number decrypts under the key."))
