"""Celery tasks: thin wrappers that call one service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from coordination import reminders, seals, services


@shared_task(acks_late=True, ignore_result=True)
def expire_grants() -> int:
    """Delete grant rows whose participation ended (access already stopped at expiry)."""
    return services.grants_expire()


@shared_task(acks_late=True, ignore_result=True)
def seal_audit() -> int:
    """Seal the audit events committed since the last seal (idempotent; overlaps are safe)."""
    return seals.audit_seal()


@shared_task(acks_late=True, ignore_result=True)
def purge_audit() -> int:
    """Delete audit events past the retention period, through the audited purge path."""
    return seals.audit_purge()


@shared_task(acks_late=True, ignore_result=True)
def apply_retention() -> int:
    """The nightly retention run (sharing-rules.md 6): close aged-out cases, delete what is
    no longer needed, in chunks; a run stopped half way is finished by the next."""
    summary = services.apply_retention()
    return summary.cases + summary.concerns + summary.citizens


@shared_task(acks_late=True, ignore_result=True)
def scan_reminders() -> int:
    """Record the reminders that have fallen due and enqueue their delivery."""
    return reminders.reminders_scan()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=reminders.SAFE_TO_RETRY,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver_reminders(reminder_ids: list[int]) -> int:
    """Deliver reminders (idempotent: a repeat notifies no one twice), then their e-mails."""
    emails = [n for pk in reminder_ids for n in reminders.reminder_deliver(reminder_id=pk)]
    return sum(reminders.notification_email(notification_id=n) for n in emails)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def send_digests() -> int:
    """The daily e-mail for users who chose a digest."""
    return sum(reminders.digest_send(user_id=pk) for pk in reminders.digest_recipients())
