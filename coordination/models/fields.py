"""Field helpers the model modules share."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def user_fk(verbose: Any, *, null: bool = False) -> Any:
    """A foreign key to the user who did something: protected (people are deactivated, not
    deleted) and without a reverse accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name="+",
        verbose_name=verbose,
    )
