"""Cases, the units taking part in them, and the work logged on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from coordination.models.choices import ALL_CATEGORIES, Category, LegalBasis
from coordination.models.citizens import Citizen, RelatedPerson
from coordination.models.content import SharedContent
from coordination.models.forums import Forum
from coordination.querysets import CaseParticipantQuerySet, CaseQuerySet, ContactQuerySet


class Case(models.Model):
    """One citizen in one forum."""

    class Status(models.TextChoices):
        SCREENING = "screening", _("Screening")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    class Track(models.TextChoices):
        NONE = "", _("No track")
        AGE_15_17 = "15-17", _("15-17 years")
        AGE_18_25 = "18-25", _("18-25 years")

    # Knock Knock's tracks and their ages (local policy, sharing-rules.md 2): (youngest, oldest).
    TRACK_AGES: dict[str, tuple[int, int]] = {"15-17": (15, 17), "18-25": (18, 25)}

    citizen = models.ForeignKey(
        Citizen, on_delete=models.PROTECT, related_name="cases", verbose_name=_("citizen")
    )
    forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, related_name="cases", verbose_name=_("forum")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    track = models.CharField(_("track"), max_length=10, choices=Track.choices, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_cases",
        verbose_name=_("coordinator"),
    )
    next_review_at = models.DateField(_("next review"), null=True, blank=True)
    age_override_reason = models.TextField(_("reason for age-band override"), blank=True)
    ksp_basis = models.CharField(
        _("KSP status (§ 115, stk. 1, nr. 3)"),
        max_length=20,
        blank=True,
        choices=[
            (LegalBasis.RPL115_KSP_A, _("a: released convict")),
            (LegalBasis.RPL115_KSP_B, _("b: under 18, released from a placement")),
            (LegalBasis.RPL115_KSP_C, _("c: released from custody, radicalised or at risk")),
        ],
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_reason = models.CharField(_("closure reason"), max_length=200, blank=True)
    # One of the forum type's closure reasons (coordination/workflows.py), for statistics.
    closure_code = models.CharField(_("closed because"), max_length=30, blank=True)
    # The retention clock (sharing-rules.md 6): from the closing, or from the day the
    # citizen left the forum's band or track when no decision was taken.
    retention_from = models.DateTimeField(_("kept from"), null=True, blank=True)
    # The day of leaving the band or track (coordination/lifecycle.py) that the lead unit's
    # handover decision covered: until one covers the current day, the case is flagged from
    # that day and closes by itself when the countdown has run.
    band_decision_for = models.DateField(_("age band decision for"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("log_contact", "Can log a contact on the case"),
            ("add_entry", "Can write an entry on the case"),
            ("manage_case", "Can manage the case's participants"),
            ("close_case", "Can close the case"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen", "forum"],
                condition=~models.Q(status="closed"),
                name="case_one_open_per_citizen_and_forum",
            ),
            models.CheckConstraint(
                condition=models.Q(status="closed", closed_at__isnull=False)
                | (~models.Q(status="closed") & models.Q(closed_at__isnull=True)),
                name="case_closed_at_iff_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-opened_at"], name="case_status_opened_idx"),
            # "Mine sager" pages in this order: the first page reads only its rows.
            models.Index(fields=["-opened_at", "-id"], name="case_opened_idx"),
            # The retention run's scan: closed cases by the start of their clock.
            models.Index(
                fields=["retention_from"],
                condition=models.Q(status="closed"),
                name="case_retention_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The case reference: safe to put in e-mails and URLs (no personal data)."""
        return f"SAG-{self.pk:06d}" if self.pk else "SAG-NY"

    @property
    def outside_age_band(self) -> bool:
        """Whether the citizen is outside the forum's age band today (sharing-rules.md 2, rule 2:
        reaching the upper bound flags the case for closure or transfer). Reads the citizen
        and the forum: select them with the case."""
        age = self.citizen.age_on(timezone.localdate())
        return self.status != self.Status.CLOSED and not self.forum.age_in_band(age)


class CaseParticipant(models.Model):
    """A unit taking part in a case; this row is the source of truth for access."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PARTICIPANT = "participant", _("Participant")
        INFORMED = "informed", _("Informed")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="participants", verbose_name=_("case")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="case_participations", verbose_name=_("unit")
    )
    contact_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    categories = models.JSONField(_("categories"), default=list)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    # A temporary grant to `contact_user` alone (nødadgang), not to the whole unit.
    emergency = models.BooleanField(_("emergency access"), default=False)
    # The unit type may take part only after legal review (a jobcenter in KSP, sharing-rules.md 2).
    legal_review = models.BooleanField(_("needs legal review"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = CaseParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["role", "unit__name"]
        verbose_name = _("case participant")
        verbose_name_plural = _("case participants")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "unit"],
                condition=models.Q(emergency=False),
                name="participant_unique_case_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(emergency=False)
                | models.Q(contact_user__isnull=False, valid_until__isnull=False),
                name="participant_emergency_is_personal_and_limited",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gt=models.F("valid_from")),
                name="participant_valid_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ({self.get_role_display()})"

    @property
    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels[c]) for c in ALL_CATEGORIES if c in self.categories]


class Contact(SharedContent):
    """One contact attempt with the citizen or a guardian, often by a police + municipal pair.
    The whole row is shared content: its note can carry personal details."""

    AUTHOR_UNIT_FIELD = "unit"

    class Kind(models.TextChoices):
        KNOCK_VISIT = "knock_visit", _("Knock visit")
        HOME_VISIT = "home_visit", _("Home visit")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        STREET = "street", _("Street contact")
        CONCERN_TALK = "concern_talk", _("Concern talk")
        MEETING = "meeting", _("Meeting")
        PARENT_CONTACT = "parent_contact", _("Parent contact")

    class Result(models.TextChoices):
        NOT_HOME = "not_home", _("Not at home")
        NO_ANSWER = "no_answer", _("No answer")
        REFUSED = "refused", _("Refused")
        REACHED = "reached", _("Reached")
        CONVERSATION_HELD = "conversation_held", _("Conversation held")
        OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
        OFFER_DECLINED = "offer_declined", _("Offer declined")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("case")
    )
    occurred_at = models.DateTimeField(_("time of contact"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="logged_contacts",
        verbose_name=_("logged by"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("together with"),
    )
    related_person = models.ForeignKey(
        RelatedPerson,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("guardian or related person"),
    )
    note = models.CharField(_("short note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("logged"), default=timezone.now, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [models.Index(fields=["case", "-occurred_at"], name="contact_case_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class Entry(SharedContent):
    """A note or disclosure on a case, visible only to its audience."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="entries", verbose_name=_("case")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="authored_entries",
        verbose_name=_("author"),
    )
    author_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="authored_entries", verbose_name=_("unit")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    justification = models.TextField(_("necessity justification"))
    text = models.TextField(_("text"))
    # Consent-based entries (CONSENT, SUL43_CONSENT) name the consent they rest on.
    consent = models.ForeignKey(
        "coordination.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("consent"),
    )
    # SUL43_2_2: the health professional who decided to disclose without consent.
    deciding_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deciding health professional"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        indexes = [models.Index(fields=["case", "-created_at"], name="entry_case_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.created_at:%Y-%m-%d}"
