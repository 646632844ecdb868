"""Users, the organisations and units they work in, and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in; what they may do follows from their memberships."""

    class ReminderEmail(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DIGEST = "digest", _("Once a day")
        NONE = "none", _("Not by e-mail")

    # Moved on by "log out everywhere" and by membership changes; a session that was
    # started under an older epoch ends (accounts.middleware.SessionPolicyMiddleware).
    session_epoch = models.PositiveIntegerField(_("session epoch"), default=0, editable=False)
    reminder_email = models.CharField(
        _("reminders by e-mail"),
        max_length=10,
        choices=ReminderEmail.choices,
        default=ReminderEmail.IMMEDIATE,
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Organisation(models.Model):
    """An authority or body taking part in the cooperation (police, a municipality, ...)."""

    class Type(models.TextChoices):
        POLICE = "police", _("Police")
        MUNICIPALITY = "municipality", _("Municipality")
        REGION = "region", _("Region")
        KRIMINALFORSORGEN = "kriminalforsorgen", _("Prison and Probation Service")
        SELVEJENDE = "selvejende", _("Independent institution")

    name = models.CharField(_("name"), max_length=200, unique=True)
    org_type = models.CharField(_("type"), max_length=32, choices=Type.choices)
    municipality_code = models.CharField(_("municipality code"), max_length=3, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A department inside an organisation, typed by function; it owns one Django group."""

    class Type(models.TextChoices):
        SSP = "ssp", _("SSP")
        POLICE_PREVENTION = "police_prevention", _("Police prevention")
        POLICE_LOCAL = "police_local", _("Local police")
        POLICE_INVESTIGATION = "police_investigation", _("Police investigation")
        SOCIAL_SERVICES = "social_services", _("Social services")
        FAMILY_SERVICES = "family_services", _("Family services")
        JOBCENTER = "jobcenter", _("Jobcenter")
        PSYCHIATRY = "psychiatry", _("Psychiatry")
        SCHOOL = "school", _("School")
        KRIMINALFORSORGEN = "kriminalforsorgen", _("Prison and Probation Service")
        YOUTH = "youth", _("Youth services")
        COOPERATION = "cooperation", _("Cooperation secretariat")
        ADMINISTRATION = "administration", _("Administration")

    POLICE_TYPES = frozenset({Type.POLICE_PREVENTION, Type.POLICE_LOCAL, Type.POLICE_INVESTIGATION})

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="units", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    unit_type = models.CharField(_("type"), max_length=32, choices=Type.choices)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="unit")

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def is_police(self) -> bool:
        return self.unit_type in self.POLICE_TYPES


class Membership(models.Model):
    """A user's role in a unit; membership of the unit is membership of its group."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        CASEWORKER = "caseworker", _("Caseworker")
        CONTACT = "contact", _("Contact person")
        READ_ONLY = "read_only", _("Read only")
        STATISTICS = "statistics", _("Statistics")
        AUDITOR = "auditor", _("Auditor")
        ADMIN = "admin", _("Administrator")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["unit__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="membership_unique_user_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit} ({self.get_role_display()})"
