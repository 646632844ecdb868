"""Django admin: metadata for administrators. Case content (entry texts, contact notes,
CPR numbers) is not shown here, and nothing that grants access is edited here: those go
through the services, which check access and write the audit log."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from coordination import audit, services
from coordination.forms.base import apply_service_errors
from coordination.models import (
    Action,
    ActionPlan,
    ActionPlanItem,
    BoTrygtStatus,
    Case,
    CaseGroupObjectPermission,
    CaseParticipant,
    CaseUserObjectPermission,
    Citizen,
    ConcernReport,
    Consent,
    ConsentDecision,
    Contact,
    CooperationPlan,
    Council,
    CouncilMeeting,
    CouncilMember,
    EmergencyAccess,
    Entry,
    FocusArea,
    Forum,
    Incident,
    LegalHold,
    Meeting,
    Offer,
    OutcomeSnapshot,
    PreventionActivity,
    Referral,
    RelatedPerson,
)


class AuditedAdmin(admin.ModelAdmin):
    """Admin pages log what they show, like every other page: one event per object on a
    list page (with its case and citizen, where it has them), one for a change page."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            detail = {"view": "admin_changelist", "model": self.model._meta.label_lower}
            audit.record_many(
                [
                    audit.build_event(
                        actor=request.user,  # type: ignore[arg-type]
                        action=audit.Action.LIST,
                        obj=obj,
                        purpose="administration",
                        detail=detail,
                    )
                    for obj in changelist.result_list
                ]
                or [
                    audit.build_event(
                        actor=request.user,  # type: ignore[arg-type]
                        action=audit.Action.LIST,
                        purpose="administration",
                        detail=detail,
                    )
                ]
            )
        return response

    def _record_object(self, request: HttpRequest, response: Any, key: str, view: str) -> Any:
        obj = getattr(response, "context_data", {}).get(key)
        if obj is not None:
            audit.record(
                actor=request.user,  # type: ignore[arg-type]
                action=audit.Action.VIEW,
                obj=obj,
                purpose="administration",
                detail={"view": view},
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        return self._record_object(request, response, "original", "admin_change")

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        response = super().history_view(request, object_id, extra_context)
        return self._record_object(request, response, "object", "admin_history")

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        response = super().delete_view(request, object_id, extra_context)
        return self._record_object(request, response, "object", "admin_delete")


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SharedContentAdmin(ReadOnlyAdmin):
    """Shared content (sharing-rules.md 3) in the admin: the sharing metadata only (case,
    category, basis, author unit, audience, time): never a text, a kind or a result, which
    are content a system administrator does not receive."""

    list_select_related = ["case"]
    list_filter = ["category", "legal_basis"]


@admin.register(Forum)
class ForumAdmin(AuditedAdmin):
    list_display = [
        "name",
        "effort_type",
        "municipality",
        "default_legal_basis",
        "review_months",
        "retention_months",
    ]
    list_filter = ["effort_type"]
    search_fields = ["name", "municipality"]
    filter_horizontal = ["member_units"]


@admin.register(Citizen)
class CitizenAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at"]
    fields = ["protected_address", "created_at"]


@admin.register(RelatedPerson)
class RelatedPersonAdmin(ReadOnlyAdmin):
    list_display = ["pk", "relation", "has_custody"]
    fields = ["relation", "has_custody"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "forum", "status", "opened_at", "closed_at", "next_review_at"]
    list_filter = ["status", "forum__effort_type", "forum"]
    fields = [
        "forum",
        "status",
        "stage",
        "track",
        "opened_at",
        "closed_at",
        "next_review_at",
        "retention_from",
    ]


class LegalHoldForm(forms.ModelForm):
    """The service's own checks, so a wrong date or a missing reason is a form error."""

    class Meta:
        model = LegalHold
        fields = ["case", "reason", "until"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            services.legal_hold_check(data.get("reason", ""), data.get("until"))
        except ValidationError as error:
            apply_service_errors(self, error)
        return data


@admin.register(LegalHold)
class LegalHoldAdmin(AuditedAdmin):
    """Administrators put a case on hold by its number (sharing-rules.md 6): the hold goes
    through the service (checked and audited); lifting is an action. Nothing is edited or
    deleted here."""

    form = LegalHoldForm
    raw_id_fields = ["case"]
    list_display = ["case", "until", "placed_at", "placed_by", "lifted_at"]
    list_select_related = ["case", "placed_by"]
    actions = ["lift"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        hold = services.legal_hold_place(
            actor=request.user,  # type: ignore[arg-type]
            case=obj.case,
            reason=obj.reason,
            until=obj.until,
        )
        obj.pk = hold.pk

    @admin.action(description=_("Lift the selected holds"))
    def lift(self, request: HttpRequest, queryset: QuerySet[LegalHold]) -> None:
        holds = list(queryset.select_related("case"))
        for hold in holds:
            services.legal_hold_lift(actor=request.user, hold=hold)  # type: ignore[arg-type]
        messages.success(request, _("%(n)s hold(s) lifted.") % {"n": len(holds)})


@admin.register(CaseParticipant)
class CaseParticipantAdmin(ReadOnlyAdmin):
    list_select_related = ["case"]
    list_display = ["case", "unit", "role", "legal_basis", "valid_from", "valid_until"]
    list_filter = ["role", "legal_basis"]


@admin.register(Contact)
class ContactAdmin(SharedContentAdmin):
    list_display = ["case", "category", "legal_basis", "unit", "created_at"]
    fields = ["case", "category", "legal_basis", "unit", "audience_all", "created_at"]


@admin.register(Entry)
class EntryAdmin(SharedContentAdmin):
    list_display = ["case", "category", "legal_basis", "author_unit", "created_at"]
    fields = ["case", "category", "legal_basis", "author_unit", "audience_all", "created_at"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["pk", "given_by", "form", "given_at", "valid_until", "withdrawn_at"]
    list_filter = ["given_by", "form"]
    fields = ["given_by", "form", "given_at", "valid_until", "withdrawn_at"]


@admin.register(ConsentDecision)
class ConsentDecisionAdmin(ReadOnlyAdmin):
    list_select_related = ["case"]
    list_display = ["case", "situation", "decided_at"]
    fields = ["case", "situation", "decided_at"]


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(ReadOnlyAdmin):
    list_select_related = ["case"]
    list_display = ["case", "user", "unit", "started_at", "expires_at", "reviewed_at"]
    fields = ["case", "user", "unit", "started_at", "expires_at", "reviewed_at"]


@admin.register(Action)
class ActionAdmin(SharedContentAdmin):
    list_display = ["case", "category", "legal_basis", "author_unit", "due_at"]
    fields = ["case", "category", "legal_basis", "author_unit", "audience_all", "due_at"]


@admin.register(CaseGroupObjectPermission)
class CaseGroupObjectPermissionAdmin(ReadOnlyAdmin):
    """Grants are derived from participants by services; here they can only be read."""

    list_display = ["content_object", "group", "permission", "starts_at", "expires_at"]
    list_select_related = ["content_object", "group", "permission"]


@admin.register(CaseUserObjectPermission)
class CaseUserObjectPermissionAdmin(ReadOnlyAdmin):
    list_display = ["content_object", "user", "permission", "starts_at", "expires_at"]
    list_select_related = ["content_object", "user", "permission"]


# --- Workflows: metadata only (no summaries, discussions, notes or feedback texts) ----------


@admin.register(ConcernReport)
class ConcernReportAdmin(ReadOnlyAdmin):
    list_select_related = ["forum", "received_by"]
    list_display = ["reference", "forum", "received_by", "channel", "urgency", "decision"]
    list_filter = ["channel", "urgency", "decision"]
    fields = ["forum", "received_by", "received_at", "channel", "urgency", "decision", "decided_at"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_select_related = ["forum"]
    list_display = ["forum", "kind", "starts_at", "held_at"]
    list_filter = ["kind"]
    fields = ["forum", "kind", "starts_at", "held_at"]


@admin.register(Offer)
class OfferAdmin(SharedContentAdmin):
    list_display = ["case", "category", "legal_basis", "unit", "made_at"]
    fields = ["case", "category", "legal_basis", "unit", "audience_all", "made_at"]


@admin.register(Referral)
class ReferralAdmin(SharedContentAdmin):
    list_display = ["case", "category", "legal_basis", "from_unit", "sent_at"]
    fields = ["case", "category", "legal_basis", "from_unit", "audience_all", "sent_at"]


@admin.register(Incident)
class IncidentAdmin(SharedContentAdmin):
    # Not the kind: a forced admission is health information.
    list_display = ["case", "category", "legal_basis", "author_unit", "recorded_at"]
    fields = ["case", "category", "legal_basis", "author_unit", "audience_all", "recorded_at"]


@admin.register(OutcomeSnapshot)
class OutcomeSnapshotAdmin(SharedContentAdmin):
    list_display = ["case", "category", "legal_basis", "unit", "recorded_at"]
    fields = ["case", "category", "legal_basis", "unit", "audience_all", "recorded_at"]


# --- The district's governance (models/councils.py): no personal data -------------------------


class FocusAreaInline(admin.TabularInline):  # type: ignore[type-arg]
    model = FocusArea
    extra = 0


@admin.register(CooperationPlan)
class CooperationPlanAdmin(AuditedAdmin):
    list_display = ["year", "title", "approved_on"]
    inlines = [FocusAreaInline]


class CouncilMemberInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CouncilMember
    extra = 0
    autocomplete_fields = ["user"]


class CouncilMeetingInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CouncilMeeting
    extra = 0


@admin.register(Council)
class CouncilAdmin(AuditedAdmin):
    list_display = ["name", "kind", "municipality", "secretariat"]
    list_filter = ["kind"]
    inlines = [CouncilMemberInline, CouncilMeetingInline]


class ActionPlanItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ActionPlanItem
    extra = 0


@admin.register(ActionPlan)
class ActionPlanAdmin(AuditedAdmin):
    list_display = ["council", "year", "status", "approved_on"]
    list_filter = ["year", "status"]
    list_select_related = ["council"]
    inlines = [ActionPlanItemInline]


@admin.register(PreventionActivity)
class PreventionActivityAdmin(AuditedAdmin):
    list_display = ["held_on", "municipality", "kind", "title", "focus_area"]
    list_filter = ["kind", "municipality"]


@admin.register(BoTrygtStatus)
class BoTrygtStatusAdmin(AuditedAdmin):
    list_display = ["municipality", "status", "since", "note"]
