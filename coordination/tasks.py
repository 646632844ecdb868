"""Celery tasks: thin wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from coordination import services


@shared_task(acks_late=True, ignore_result=True)
def expire_grants() -> int:
    """Delete grant rows whose participation ended (access already stopped at expiry)."""
    return services.grants_expire()
