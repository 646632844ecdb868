from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import TokenProxy

from accounts import services
from accounts.models import Membership, Organisation, Unit, User
from coordination.admin import AuditedAdmin


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]
    # Memberships grant access: they are changed through accounts.services, which keeps
    # the unit groups in step and audits the change.
    readonly_fields = ["unit", "role", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    inlines = [MembershipInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        user = self.get_object(request, object_id)
        warning = services.purpose_lock_warning(user) if user is not None else ""
        if warning:
            messages.warning(request, warning)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "org_type", "municipality_code"]
    list_filter = ["org_type"]
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "unit_type", "organisation", "municipality"]
    list_filter = ["unit_type", "organisation"]
    search_fields = ["name"]
    readonly_fields = ["group"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "unit", "role", "created_at"]
    list_filter = ["role", "unit__unit_type"]
    search_fields = ["user__username", "unit__name"]
    readonly_fields = ["user", "unit", "role", "created_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


# Two-factor devices: an administrator may see who has one and delete it (a lost phone), but
# never its secret; django-otp's own admin shows the key and the QR code.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AuditedAdmin):
    list_display = ["user", "name", "confirmed", "last_used_at"]
    fields = ["user", "name", "confirmed", "last_used_at"]
    readonly_fields = ["user", "name", "confirmed", "last_used_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(StaticDevice)
class StaticDeviceAdmin(TOTPDeviceAdmin):
    list_display = ["user", "name", "confirmed"]
    fields = ["user", "name", "confirmed"]
    readonly_fields = ["user", "name", "confirmed"]


# API tokens are not in the admin at all: a token's primary key is the secret itself, so
# every list row and URL would show it. Issue and replace them with
# `manage.py drf_create_token [-r] <username>`.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
