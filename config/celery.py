"""Celery application: the broker comes from settings (Redis in production, kombu's
filesystem transport for the embedded `make run` default)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("samraad")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
