"""Celery tasks: thin wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from coordination import seals, services


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
