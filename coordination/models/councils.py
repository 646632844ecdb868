"""The district's governance (retsplejeloven §§ 113-114; docs/demo-data.md): the yearly
cooperation plan with its focus areas, the kredsråd and the nine lokalråd with their members
and meetings, each lokalråd's handleplan, and the non-personal prevention work registered
against a focus area (school talks, the CEO-fraud meeting, Bo Trygt's roll-out).

Nothing here is about a citizen: these rows hold no personal data beyond the names and
titles of council members acting in office."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Unit, User
from coordination.models.choices import EffortType

# A lokalråd fixes its handleplan for the year before this day of that year (the plan).
HANDLEPLAN_DEADLINE = (2, 1)  # 1 February


class CooperationPlan(models.Model):
    """The police director's plan for a year's cooperation, approved by the kredsråd."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    approved_on = models.DateField(_("approved by the kredsråd"), null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("cooperation plan")
        verbose_name_plural = _("cooperation plans")

    def __str__(self) -> str:
        return self.title


class FocusArea(models.Model):
    """One of the plan's common focus areas (05.1 PSP, 05.2 Knock Knock, ...)."""

    plan = models.ForeignKey(
        CooperationPlan,
        on_delete=models.CASCADE,
        related_name="focus_areas",
        verbose_name=_("cooperation plan"),
    )
    code = models.CharField(_("number"), max_length=10)
    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"), blank=True)
    # The effort whose case data the indicators of this area are computed from, if any.
    effort_type = models.CharField(
        _("effort type"), max_length=20, choices=EffortType.choices, blank=True
    )

    class Meta:
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="focus_area_code_unique")
        ]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Council(models.Model):
    """The kredsråd (the police director and the nine mayors) or one municipality's
    lokalråd (the local police leadership and the municipality, perhaps others)."""

    class Kind(models.TextChoices):
        KREDSRAAD = "kredsraad", _("Kredsråd")
        LOKALRAAD = "lokalraad", _("Lokalråd")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, unique=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    # The unit that keeps the council's papers; its members are told of deadlines.
    secretariat = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("secretariat"),
    )

    class Meta:
        ordering = ["kind", "municipality"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"],
                condition=models.Q(kind="lokalraad"),
                name="one_lokalraad_per_municipality",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="kredsraad") | ~models.Q(municipality=""),
                name="lokalraad_has_municipality",
            ),
        ]
        verbose_name = _("council")
        verbose_name_plural = _("councils")

    def __str__(self) -> str:
        return self.name


class CouncilMember(models.Model):
    """A seat on a council, held in office (the mayor, the police director, ...)."""

    council = models.ForeignKey(
        Council, on_delete=models.CASCADE, related_name="members", verbose_name=_("council")
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    # The member's Samråd account, where they have one (to read the statistics).
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        related_name="council_seats",
        null=True,
        blank=True,
        verbose_name=_("user"),
    )

    class Meta:
        ordering = ["council", "title", "name"]
        verbose_name = _("council member")
        verbose_name_plural = _("council members")

    def __str__(self) -> str:
        return f"{self.title}, {self.council}"


class CouncilMeeting(models.Model):
    """A council meeting; the kredsråd discusses youth crime at least once a year (May)."""

    council = models.ForeignKey(
        Council, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("council")
    )
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=300)
    youth_crime = models.BooleanField(
        _("youth crime on the agenda"),
        default=False,
        help_text=_("The yearly discussion of youth crime on the analysis per municipality."),
    )

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("council meeting")
        verbose_name_plural = _("council meetings")

    def __str__(self) -> str:
        return f"{self.council}, {self.held_on:%Y-%m-%d}"


class ActionPlan(models.Model):
    """A lokalråd's handleplan for a year, built on the plan's focus areas and local needs,
    fixed before 1 February of that year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="action_plans", verbose_name=_("lokalråd")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    approved_on = models.DateField(_("approved"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "council"]
        constraints = [
            models.UniqueConstraint(fields=["council", "year"], name="one_action_plan_a_year"),
            models.CheckConstraint(
                condition=models.Q(status="draft", approved_on__isnull=True)
                | models.Q(status="approved", approved_on__isnull=False),
                name="action_plan_approved_has_date",
            ),
        ]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")

    def __str__(self) -> str:
        return f"{self.council}, {self.year}"

    @property
    def deadline(self) -> dt.date:
        """The day the plan must be fixed before (1 February of its year)."""
        month, day = HANDLEPLAN_DEADLINE
        return dt.date(self.year, month, day)


class ActionPlanItem(models.Model):
    """One line of a handleplan: what, under which focus area (or a local need), who."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("action plan")
    )
    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("focus area"),
        help_text=_("Empty: a local need outside the plan's focus areas."),
    )
    title = models.CharField(_("title"), max_length=200)
    responsible = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["plan", "focus_area__code", "pk"]
        verbose_name = _("action plan item")
        verbose_name_plural = _("action plan items")

    def __str__(self) -> str:
        return self.title


class PreventionActivity(models.Model):
    """Non-personal prevention work against a focus area in a municipality: a talk at a
    school, the yearly CEO-fraud meeting with local businesses, a campaign. Counts only."""

    class Kind(models.TextChoices):
        SCHOOL_TALK = "school_talk", _("Talk at a school")
        BUSINESS_MEETING = "business_meeting", _("Meeting with local businesses")
        SENIORS = "seniors", _("Talk or material for seniors")
        NIGHTLIFE = "nightlife", _("Nightlife effort")
        CAMPAIGN = "campaign", _("Campaign")
        OTHER = "other", _("Other")

    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("focus area"),
    )
    municipality = models.CharField(_("municipality"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    registered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("prevention activity")
        verbose_name_plural = _("prevention activities")

    def __str__(self) -> str:
        return self.title


class BoTrygtStatus(models.Model):
    """Bo Trygt (burglary prevention with TrygFonden and Det Kriminalpræventive Råd): where
    the partnership stands in each municipality."""

    class Status(models.TextChoices):
        NONE = "none", _("Not started")
        EXPECTED = "expected", _("Agreement expected")
        ACTIVE = "active", _("Active")
        INTEGRATED = "integrated", _("Part of a local effort")
        NOT_RELEVANT = "not_relevant", _("Not relevant")

    municipality = models.CharField(_("municipality"), max_length=100, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    since = models.DateField(_("since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["municipality"]
        verbose_name = _("Bo Trygt status")
        verbose_name_plural = _("Bo Trygt statuses")

    def __str__(self) -> str:
        return f"Bo Trygt {self.municipality}"
