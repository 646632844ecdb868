"""Serializers of API v1: shapes only; access and writes live in access.py and services.py.

Output serializers read the rows access.py hands out; input serializers check the shape of
a request body (types, choices, known ids) and the services check its meaning, raising
errors by field name that the API returns as `{"field": ["message"]}`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Membership, Organisation, Unit, User
from coordination import cpr, handles, services
from coordination.models import (
    Action,
    Case,
    CaseParticipant,
    Category,
    Citizen,
    Consent,
    Contact,
    Entry,
    Forum,
    LegalBasis,
    Notification,
    RelatedPerson,
)

# --- Shapes shared by several resources ---------------------------------------------------


class CprField(serializers.CharField):
    """A CPR number (DDMMYY-XXXX or ten digits), normalised to ten digits. Only ever read
    from a request body."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 11)
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("help_text", _("DDMMYY-XXXX or ten digits; only ever in a body."))
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return cpr.normalise(super().to_internal_value(data))


class MomentField(serializers.DateTimeField):
    """A time in the case work's own era: ISO 8601, years 1900 to 2199. (Year 1 or 9999 is a
    typing error, and near the ends of the calendar a time zone shift overflows.)"""

    default_error_messages = {
        "era": _("Give a time between the years 1900 and 2199."),
    }

    def to_internal_value(self, value: Any) -> dt.datetime:
        moment = super().to_internal_value(value)
        if not 1900 <= moment.year <= 2199:
            self.fail("era")
        return moment


def optional_pk(queryset: QuerySet[Any], **kwargs: Any) -> serializers.PrimaryKeyRelatedField[Any]:
    """An id a body may leave out or send as null (None, then)."""
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset, required=False, allow_null=True, default=None, **kwargs
    )


class CprOnlySerializer(serializers.Serializer[Any]):
    cpr = CprField()


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    class Meta:
        model = Organisation
        fields = ["id", "name", "org_type"]
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer[Unit]):
    organisation = OrganisationSerializer(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "unit_type", "organisation", "municipality"]
        read_only_fields = fields


class MembershipUnitSerializer(serializers.ModelSerializer[Membership]):
    """One of the caller's units, with the caller's role in it."""

    id = serializers.IntegerField(source="unit.id", read_only=True)
    name = serializers.CharField(source="unit.name", read_only=True)
    unit_type = serializers.ChoiceField(
        source="unit.unit_type", choices=Unit.Type.choices, read_only=True
    )

    class Meta:
        model = Membership
        fields = ["id", "name", "unit_type", "role"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer[User]):
    units = MembershipUnitSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "units"]
        read_only_fields = fields


class ForumSerializer(serializers.ModelSerializer[Forum]):
    member_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Forum
        fields = [
            "id",
            "name",
            "effort_type",
            "municipality",
            "member_units",
            "default_legal_basis",
            "age_min",
            "age_max",
            "consent_required",
        ]
        read_only_fields = fields


# --- Citizens -----------------------------------------------------------------------------


class CitizenSerializer(serializers.Serializer[Any]):
    """What registering or looking up a CPR number answers: the same shape and status
    whether or not Samraad holds the number (docs/api.md)."""

    handle = serializers.CharField(
        read_only=True, help_text=_("Opaque: names the citizen when you open a case.")
    )
    name = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=_("The CPR register's; on a look-up only with a case you can see, else null."),
    )
    birth_date = serializers.DateField(read_only=True)
    masked_cpr = serializers.CharField(read_only=True)


def _typed_name() -> serializers.CharField:
    return serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("Only where no CPR register is configured (else ignored)."),
    )


class CitizenCreateSerializer(serializers.Serializer[Any]):
    cpr = CprField()
    first_name = _typed_name()
    last_name = _typed_name()


class CitizenBriefSerializer(serializers.ModelSerializer[Citizen]):
    # A handle minted for the caller, never the citizen's sequential id (which would tell
    # how long Samraad has known the person).
    id = serializers.SerializerMethodField()
    masked_cpr = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Citizen
        fields = ["id", "name", "masked_cpr"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text=_("A handle, for you, for 24 hours.")))
    def get_id(self, citizen: Citizen) -> str:
        return handles.mint(user=self.context["request"].user, citizen_id=citizen.pk)


# --- Cases --------------------------------------------------------------------------------


class ForumBriefSerializer(serializers.ModelSerializer[Forum]):
    class Meta:
        model = Forum
        fields = ["id", "name", "effort_type"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer[Case]):
    citizen = CitizenBriefSerializer(read_only=True)
    forum = ForumBriefSerializer(read_only=True)
    reference = serializers.CharField(read_only=True)
    coordinator = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "citizen",
            "forum",
            "status",
            "stage",
            "track",
            "opened_at",
            "closed_at",
            "next_review_at",
            "coordinator",
        ]
        read_only_fields = fields


class CaseLifeSerializer(serializers.Serializer[Any]):
    """The case's dates (sharing-rules.md 6): review, leaving the band, legal hold, deletion."""

    next_review = serializers.DateField(allow_null=True, read_only=True)
    review_overdue = serializers.BooleanField(read_only=True)
    leaves_band = serializers.DateField(allow_null=True, read_only=True)
    handover_pending = serializers.BooleanField(read_only=True)
    aged_out = serializers.BooleanField(read_only=True)
    closes_on = serializers.DateField(allow_null=True, read_only=True)
    deletion_due = serializers.DateField(allow_null=True, read_only=True)
    held_until = serializers.DateField(allow_null=True, read_only=True)


class CaseDetailSerializer(CaseSerializer):
    life = CaseLifeSerializer(read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "life"]
        read_only_fields = fields


# --- Participants -------------------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer[CaseParticipant]):
    unit = serializers.PrimaryKeyRelatedField(read_only=True)
    contact_user = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))

    class Meta:
        model = CaseParticipant
        fields = [
            "id",
            "unit",
            "role",
            "legal_basis",
            "categories",
            "valid_from",
            "valid_until",
            "contact_user",
            "emergency",
            "legal_review",
        ]
        read_only_fields = fields


class ParticipantCreateSerializer(serializers.Serializer[Any]):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    role = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in CaseParticipant.Role if r != CaseParticipant.Role.LEAD]
    )
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices)
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), allow_empty=False
    )
    valid_until = MomentField(required=False, allow_null=True, default=None)
    contact_user = optional_pk(User.objects.filter(is_active=True))


# --- Shared content (sharing-rules.md 3) ---------------------------------------------------


class AudienceField(serializers.Field):  # type: ignore[type-arg]
    """The units the author named (empty: all participants when it was shared)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[int]:
        return [unit.pk for unit in value.named_units]


extend_schema_field(serializers.ListField(child=serializers.IntegerField()))(AudienceField)


class ShareSerializer(serializers.Serializer[Any]):
    """The sharing fields every body that writes about a citizen takes (all optional)."""

    category = serializers.ChoiceField(
        choices=Category.choices, required=False, default=Category.GENERAL
    )
    legal_basis = serializers.ChoiceField(
        choices=LegalBasis.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("Empty: the basis your unit takes part on."),
    )
    audience = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text=_("Participating units; empty means all units taking part now."),
    )
    consent = optional_pk(
        Consent.objects.all(),
        help_text=_("For consent-based bases; empty uses the one active consent covering it."),
    )


SHARED_FIELDS = ["category", "legal_basis", "audience_all", "audience"]


# --- Entries ------------------------------------------------------------------------------


class EntrySerializer(serializers.ModelSerializer[Entry]):
    author = serializers.PrimaryKeyRelatedField(read_only=True)
    author_unit = serializers.PrimaryKeyRelatedField(read_only=True)
    audience = AudienceField()
    consent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "category",
            "legal_basis",
            "justification",
            "author",
            "author_unit",
            "audience_all",
            "audience",
            "consent",
            "text",
            "created_at",
        ]
        read_only_fields = fields


class EntryCreateSerializer(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=Category.choices)
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices)
    justification = serializers.CharField(help_text=_("Why sharing is necessary."))
    audience = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text=_("Participating units; empty means all participants."),
    )
    text = serializers.CharField()
    consent = optional_pk(
        Consent.objects.all(), help_text=_("Required for consent-based legal bases.")
    )
    deciding_professional = optional_pk(
        User.objects.filter(is_active=True),
        help_text=_("Required for sundhedsloven § 43, stk. 2, nr. 2."),
    )
    unit = optional_pk(
        Unit.objects.all(),
        help_text=_("The unit you share for, when you take part through more than one."),
    )


# --- Contacts -----------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer[Contact]):
    audience = AudienceField()
    logged_by = serializers.PrimaryKeyRelatedField(read_only=True)
    unit = serializers.PrimaryKeyRelatedField(read_only=True)
    partner = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    related_person = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "kind",
            "result",
            "occurred_at",
            "note",
            "logged_by",
            "unit",
            "partner",
            "related_person",
            *SHARED_FIELDS,
            "created_at",
        ]
        read_only_fields = fields


class ContactCreateSerializer(ShareSerializer):
    kind = serializers.ChoiceField(choices=Contact.Kind.choices)
    result = serializers.ChoiceField(choices=Contact.Result.choices)
    occurred_at = MomentField()
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    partner = optional_pk(
        User.objects.filter(is_active=True),
        help_text=_("The other person on the visit (a police + municipal pair)."),
    )
    related_person = optional_pk(
        RelatedPerson.objects.all(),
        help_text=_("When the contact was with a guardian or related person."),
    )
    unit = optional_pk(Unit.objects.all())


# --- Actions ------------------------------------------------------------------------------


class ActionSerializer(serializers.ModelSerializer[Action]):
    audience = AudienceField()
    responsible = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    responsible_unit = serializers.PrimaryKeyRelatedField(read_only=True)
    case = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "case",
            "title",
            "responsible",
            "responsible_unit",
            "due_at",
            "status",
            "result_note",
            "completed_at",
            *SHARED_FIELDS,
            "created_at",
        ]
        read_only_fields = fields


class ActionCreateSerializer(ShareSerializer):
    title = serializers.CharField(max_length=300)
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        help_text=_("A user id: a working member of a lead or participating unit."),
    )
    due_at = MomentField()

    def validate_due_at(self, value: dt.datetime) -> dt.datetime:
        return services.check_deadline(value)


class ActionCompleteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


# --- Consents -----------------------------------------------------------------------------


class ConsentSerializer(serializers.ModelSerializer[Consent]):
    scope_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    scope_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices)
    )
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Consent
        # No citizen id: a sequential id tells how long Samraad has known the person (the
        # consent is listed under its case, which names the citizen by a handle).
        fields = [
            "id",
            "given_by",
            "guardian_name",
            "scope_units",
            "scope_categories",
            "purpose",
            "form",
            "document_reference",
            "given_at",
            "valid_until",
            "withdrawn_at",
            "active",
        ]
        read_only_fields = fields


class ConsentCreateSerializer(serializers.Serializer[Any]):
    given_by = serializers.ChoiceField(choices=Consent.GivenBy.choices)
    scope_units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), many=True, allow_empty=False
    )
    scope_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=Category.choices), allow_empty=False
    )
    purpose = serializers.CharField(max_length=300)
    valid_until = MomentField(required=False, allow_null=True, default=None)
    form = serializers.ChoiceField(
        choices=Consent.Form.choices,
        required=False,
        default=Consent.Form.WRITTEN,
        help_text=_("How the consent was given; written unless said otherwise."),
    )
    guardian_name = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    document_reference = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )


# --- Opening a case (after the consents: it may carry one) ---------------------------------


class CaseCreateSerializer(serializers.Serializer[Any]):
    citizen = serializers.CharField(
        max_length=handles.MAX_LENGTH,
        help_text=_("A handle from citizens/, citizens/lookup/ or a case of yours."),
    )
    forum = serializers.PrimaryKeyRelatedField(queryset=Forum.objects.all())
    lead_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), help_text=_("One of your units, a member of the forum.")
    )
    track = serializers.ChoiceField(choices=Case.Track.choices, required=False, default="")
    age_override_reason = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        help_text=_("Only needed when the citizen is outside the forum's age band."),
    )
    consent = ConsentCreateSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Recorded with the opening; required where the forum rests on consent."),
    )


# --- Notifications ------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    kind = serializers.CharField(source="reminder.kind", read_only=True)
    deadline = serializers.DateTimeField(source="reminder.deadline", read_only=True)
    case = serializers.SerializerMethodField()
    action = serializers.IntegerField(source="reminder.action_id", read_only=True, allow_null=True)
    consent = serializers.IntegerField(
        source="reminder.consent_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "case", "action", "consent", "deadline", "created_at", "read_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_case(self, note: Notification) -> int | None:
        reminder = note.reminder
        if reminder.case_id is not None:
            return reminder.case_id
        return reminder.action.case_id if reminder.action is not None else None
