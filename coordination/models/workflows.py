"""The PSP and Knock Knock workflows around a case: intake (bekymringshenvendelser), case
conferences (sagsmøder), outreach offers, referrals, PSP incidents and outcome snapshots.

The local rules these follow (screening deadlines, stages, closure reasons, outcome
milestones) are tables in coordination/workflows.py, not here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from coordination.models.choices import Category


def _user_fk(verbose: Any, *, null: bool = False) -> Any:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name="+",
        verbose_name=verbose,
    )


# --- Intake: bekymringshenvendelser -------------------------------------------------------


class ConcernReport(models.Model):
    """A concern about someone, received by a unit of a forum, screened by a deadline set by
    its urgency. It may be discussed anonymised before the citizen is identified."""

    class Channel(models.TextChoices):
        POLICE_DAILY_REPORT = "police_daily_report", _("Police daily report (døgnrapport)")
        SCHOOL = "school", _("School")
        PARENT = "parent", _("Parent")
        HOTLINE = "hotline", _("Hotline")
        JOBCENTER = "jobcenter", _("Jobcenter")
        PSYCHIATRY = "psychiatry", _("Psychiatry")
        CLUB = "club", _("Club")
        SELF = "self", _("The person themselves")

    class Urgency(models.TextChoices):
        RED = "red", _("Red: acute")
        AMBER = "amber", _("Amber: soon")
        GREEN = "green", _("Green: when possible")

    class Decision(models.TextChoices):
        OPEN_CASE = "open_case", _("Open a case")
        ADD_TO_EXISTING = "add_to_existing", _("Add to an existing case")
        ADVICE_ONLY = "advice_only", _("Advice only")
        FORWARD = "forward", _("Forward to another authority")
        NOTIFY_CHILD_WELFARE = "notify_child_welfare", _("Notify child welfare (underretning)")
        NO_ACTION = "no_action", _("No action")

    forum = models.ForeignKey(
        "coordination.Forum",
        on_delete=models.PROTECT,
        related_name="concern_reports",
        verbose_name=_("forum"),
    )
    received_by = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    recorded_by = _user_fk(_("recorded by"))
    channel = models.CharField(_("channel"), max_length=30, choices=Channel.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    reporter = models.CharField(
        _("reporter"), max_length=200, blank=True, help_text=_("Who raised the concern.")
    )
    reporter_contact = models.CharField(_("reporter's contact"), max_length=200, blank=True)
    summary = models.TextField(_("the concern"))
    # None while the concern is discussed anonymised.
    citizen = models.ForeignKey(
        "coordination.Citizen",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concern_reports",
        verbose_name=_("citizen"),
    )
    screening_due_at = models.DateTimeField(_("screening deadline"))
    decision = models.CharField(
        _("screening decision"), max_length=30, choices=Decision.choices, blank=True
    )
    decision_note = models.TextField(_("reasoning"), blank=True)
    forwarded_to = models.CharField(_("forwarded to"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("screened"), null=True, blank=True)
    decided_by = _user_fk(_("screened by"), null=True)
    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concern_reports",
        verbose_name=_("case"),
    )
    feedback_due_at = models.DateTimeField(_("feedback due"), null=True, blank=True)
    feedback_given_at = models.DateTimeField(_("feedback given"), null=True, blank=True)
    feedback_note = models.CharField(_("what the reporter was told"), max_length=500, blank=True)
    feedback_by = _user_fk(_("feedback given by"), null=True)

    class Meta:
        ordering = ["screening_due_at", "pk"]
        verbose_name = _("concern report")
        verbose_name_plural = _("concern reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision="") | models.Q(decided_at__isnull=False),
                name="concern_decision_has_a_time",
            ),
        ]
        indexes = [
            models.Index(fields=["received_by", "screening_due_at"], name="concern_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{_('Concern')} {self.reference}"

    @property
    def reference(self) -> str:
        return f"BH-{self.pk:06d}" if self.pk else "BH-NY"

    @property
    def is_screened(self) -> bool:
        return bool(self.decision)

    @property
    def is_anonymous(self) -> bool:
        return self.citizen_id is None


# --- Case conferences: sagsmøder -------------------------------------------------------------


class Meeting(models.Model):
    """A case conference of a forum: who attended, which cases, what was decided."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular meeting")
        EMERGENCY = "emergency", _("Emergency meeting")

    forum = models.ForeignKey(
        "coordination.Forum",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("forum"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REGULAR)
    starts_at = models.DateTimeField(_("time"))
    organiser = _user_fk(_("organiser"))
    organiser_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("organising unit")
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("attendees")
    )
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["forum", "-starts_at"], name="meeting_forum_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class AgendaItem(models.Model):
    """One case (or one nomination, a concern report to accept) on a meeting's agenda, with
    its discussion: the picture, the assessment and the decision."""

    class Origin(models.TextChoices):
        REVIEW_DUE = "review_due", _("Review due")
        ADDED = "added", _("Added")
        NOMINATION = "nomination", _("Nomination")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="items", verbose_name=_("meeting")
    )
    case = models.ForeignKey(
        "coordination.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("case"),
    )
    concern_report = models.ForeignKey(
        ConcernReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("nomination"),
    )
    origin = models.CharField(_("on the agenda because"), max_length=20, choices=Origin.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    picture = models.TextField(_("the picture now"), blank=True)
    assessment = models.TextField(_("assessment"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    discussed_at = models.DateTimeField(_("discussed"), null=True, blank=True)
    discussed_by = _user_fk(_("written by"), null=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | models.Q(concern_report__isnull=False),
                name="agenda_item_has_a_subject",
            ),
            models.UniqueConstraint(
                fields=["meeting", "case"],
                condition=models.Q(case__isnull=False),
                name="agenda_item_case_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.case or self.concern_report}"


class MinutesDistribution(models.Model):
    """The minutes of a meeting sent to a unit: each sending is a disclosure (audited)."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="distributions", verbose_name=_("meeting")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    sent_by = _user_fk(_("sent by"))

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("minutes distribution")
        verbose_name_plural = _("minutes distributions")

    def __str__(self) -> str:
        return f"{self.meeting} -> {self.unit}"


# --- Knock Knock outreach: offers ----------------------------------------------------------


class Offer(models.Model):
    """An offer made to the young person (on a visit or a meeting), and their answer."""

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
    made_by = _user_fk(_("made by"))
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


class Referral(models.Model):
    """A referral (henvisning) of the citizen to a unit or a service, followed to its end."""

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
    sent_by = _user_fk(_("sent by"))
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


class Incident(models.Model):
    """Something PSP measures its effect by: forced admissions, police use of force, new
    charges. Recorded on the case with its date and source; counted before and after the
    citizen was enrolled."""

    class Kind(models.TextChoices):
        FORCED_ADMISSION_POLICE = (
            "forced_admission_police",
            _("Forced admission with police assistance"),
        )
        FORCED_ADMISSION = "forced_admission", _("Forced admission without police assistance")
        USE_OF_FORCE = "use_of_force", _("Police use of force")
        NEW_CHARGE = "new_charge", _("New charge")
        OTHER = "other", _("Other")

    # The information category each kind is (LEGAL.md 3): who may see it follows from it.
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
    recorded_by = _user_fk(_("recorded by"))
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


class OutcomeSnapshot(models.Model):
    """Where the citizen stands 3, 6 and 12 months after enrolment (opfølgningsstatus)."""

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
    recorded_by = _user_fk(_("recorded by"))
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
