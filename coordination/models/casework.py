"""The work on a case beyond contacts and entries: Knock Knock offers, referrals, PSP
incidents and outcome snapshots at 3, 6 and 12 months."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from coordination.models.choices import Category
from coordination.models.content import SharedContent
from coordination.models.fields import user_fk

# --- Knock Knock outreach: offers ----------------------------------------------------------


class Offer(SharedContent):
    """An offer made to the young person (on a visit or a meeting), and their answer."""

    SHARED_AT_FIELD = "made_at"

    AUTHOR_UNIT_FIELD = "unit"

    class Kind(models.TextChoices):
        LEISURE_JOB = "leisure_job", _("Leisure job")
        EDUCATION = "education", _("Education")
        JOBCENTER_MEETING = "jobcenter_meeting", _("Jobcenter meeting")
        MENTOR = "mentor", _("Mentor")
        CLUB = "club", _("Club")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        MADE = "made", _("Made")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    case = models.ForeignKey(
        "coordination.Case", on_delete=models.CASCADE, related_name="offers", verbose_name=_("case")
    )
    kind = models.CharField(_("offer"), max_length=30, choices=Kind.choices)
    status = models.CharField(
        _("answer"), max_length=10, choices=Status.choices, default=Status.MADE
    )
    made_at = models.DateTimeField(_("made"), default=timezone.now)
    made_by = user_fk(_("made by"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    contact = models.ForeignKey(
        "coordination.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("made at the contact"),
    )
    note = models.CharField(_("short note"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-made_at", "-pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    def __str__(self) -> str:
        return self.get_kind_display()


# --- Referrals ------------------------------------------------------------------------------


class Referral(SharedContent):
    """A referral (henvisning) of the citizen to a unit or a service, followed to its end.
    Its own legal basis: a referral outside the case (to a service, or a unit not taking
    part) rests on one of its own, usually consent (sharing-rules.md 1)."""

    SHARED_AT_FIELD = "sent_at"

    AUTHOR_UNIT_FIELD = "from_unit"

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")
        DROPPED = "dropped", _("Dropped out")

    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        related_name="referrals",
        verbose_name=_("case"),
    )
    from_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    to_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
        verbose_name=_("to unit"),
    )
    to_service = models.CharField(_("to service"), max_length=200, blank=True)
    purpose = models.CharField(_("what for"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = user_fk(_("sent by"))
    feedback = models.TextField(_("feedback"), blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_unit__isnull=False) | ~models.Q(to_service=""),
                name="referral_has_a_recipient",
            ),
        ]

    def __str__(self) -> str:
        return str(self.to_unit or self.to_service)

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.ACCEPTED, self.Status.STARTED)


# --- PSP incidents -------------------------------------------------------------------------


class Incident(SharedContent):
    """Something PSP measures its effect by: forced admissions, police use of force, new
    charges. Recorded on the case with its date and source; counted before and after the
    citizen was enrolled."""

    SHARED_AT_FIELD = "recorded_at"

    class Kind(models.TextChoices):
        FORCED_ADMISSION_POLICE = (
            "forced_admission_police",
            _("Forced admission with police assistance"),
        )
        FORCED_ADMISSION = "forced_admission", _("Forced admission without police assistance")
        USE_OF_FORCE = "use_of_force", _("Police use of force")
        NEW_CHARGE = "new_charge", _("New charge")
        OTHER = "other", _("Other")

    # The information category each kind is (sharing-rules.md 3): who may see it follows from it.
    CATEGORY: dict[str, str] = {
        Kind.FORCED_ADMISSION_POLICE: Category.HEALTH,
        Kind.FORCED_ADMISSION: Category.HEALTH,
        Kind.USE_OF_FORCE: Category.POLICE,
        Kind.NEW_CHARGE: Category.POLICE,
        Kind.OTHER: Category.GENERAL,
    }

    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        related_name="incidents",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, editable=False
    )
    occurred_on = models.DateField(_("date"))
    source_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("source")
    )
    recorded_by = user_fk(_("recorded by"))
    # The unit the recorder acted for (the source may be another participating unit).
    author_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("recorded for")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    note = models.CharField(_("short note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["case", "occurred_on"], name="incident_case_date_idx")]

    def __str__(self) -> str:
        return self.get_kind_display()

    def save(self, *args: object, **kwargs: object) -> None:
        self.category = self.CATEGORY[self.kind]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


# --- Outcome snapshots ------------------------------------------------------------------------


class OutcomeSnapshot(SharedContent):
    """Where the citizen stands 3, 6 and 12 months after enrolment (opfølgningsstatus)."""

    SHARED_AT_FIELD = "recorded_at"

    AUTHOR_UNIT_FIELD = "unit"

    class Milestone(models.IntegerChoices):
        M3 = 3, _("3 months")
        M6 = 6, _("6 months")
        M12 = 12, _("12 months")

    class Education(models.TextChoices):
        NONE = "none", _("Not in education")
        ENROLLED = "enrolled", _("In education")
        COMPLETED = "completed", _("Completed education")

    class Job(models.TextChoices):
        NONE = "none", _("No job")
        LEISURE = "leisure", _("Leisure job")
        PART_TIME = "part_time", _("Part-time job")
        FULL_TIME = "full_time", _("Full-time job")

    class Housing(models.TextChoices):
        STABLE = "stable", _("Stable housing")
        UNSTABLE = "unstable", _("Unstable housing")
        HOMELESS = "homeless", _("Homeless")

    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        related_name="outcomes",
        verbose_name=_("case"),
    )
    milestone = models.PositiveSmallIntegerField(_("milestone"), choices=Milestone.choices)
    education = models.CharField(_("education"), max_length=10, choices=Education.choices)
    job = models.CharField(_("job"), max_length=10, choices=Job.choices)
    leisure = models.BooleanField(_("organised leisure activity"), default=False)
    housing = models.CharField(_("housing"), max_length=10, choices=Housing.choices)
    new_police_contact = models.BooleanField(_("new police contact"), default=False)
    note = models.CharField(_("short note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = user_fk(_("recorded by"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )

    class Meta:
        ordering = ["case", "milestone"]
        verbose_name = _("outcome snapshot")
        verbose_name_plural = _("outcome snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "milestone"], name="outcome_once_per_milestone"
            ),
        ]

    def __str__(self) -> str:
        return self.get_milestone_display()
