"""Citizens: the people cases are about."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination import cpr
from coordination.querysets import CitizenQuerySet


def age_on(born: dt.date, day: dt.date) -> int:
    """The age on `day` of a person born on `born` (whole years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def birthday(born: dt.date, age: int) -> dt.date:
    """The day a person born on `born` turns `age` (born on 29 February: 1 March in a year
    without one, the day `age_on` counts the year from)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return born.replace(year=born.year + age, day=28) + dt.timedelta(days=1)


class Citizen(models.Model):
    """A person known to the cooperation; the CPR number is held only encrypted."""

    cpr_encrypted = models.TextField(_("CPR number (encrypted)"), editable=False)
    cpr_index = models.CharField(_("CPR blind index"), max_length=64, unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"), editable=False)
    protected_address = models.BooleanField(_("protected address"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = CitizenQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def masked_cpr(self) -> str:
        return cpr.mask(self.birth_date)

    def full_cpr(self) -> str:
        """The decrypted number; only for views that need it, and they audit that."""
        return cpr.decrypt(self.cpr_encrypted)

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


class RelatedPerson(models.Model):
    """A guardian or other person around a citizen (parents of a minor, for example)."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GUARDIAN = "guardian", _("Guardian")
        OTHER = "other", _("Other")

    citizen = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, related_name="related_persons", verbose_name=_("citizen")
    )
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    has_custody = models.BooleanField(_("has custody"), default=False)

    class Meta:
        verbose_name = _("related person")
        verbose_name_plural = _("related persons")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"
