"""Writes for organisations, units, memberships and a user's own preferences. Each writes
its audit event; those on units keep the unit's Django group in step with its memberships."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, Organisation, Unit, User
from coordination import access, audit


@transaction.atomic
def unit_create(
    *, organisation: Organisation, name: str, unit_type: str, municipality: str = ""
) -> Unit:
    """Create a unit together with the Django group that carries its object permissions."""
    group = Group.objects.create(name=f"unit:{name}")
    return Unit.objects.create(
        organisation=organisation,
        name=name,
        unit_type=unit_type,
        municipality=municipality,
        group=group,
    )


def _end_sessions(user: User) -> None:
    # What the user may see has changed: every session of theirs ends at its next request.
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)


@transaction.atomic
def user_sessions_end(*, actor: User) -> None:
    """Log out everywhere: every session of the actor ends (this one too)."""
    _end_sessions(actor)
    audit.write_event(actor=actor, action=audit.Action.LOGOUT, detail={"change": "all_sessions"})


@transaction.atomic
def membership_add(*, actor: User | None, user: User, unit: Unit, role: str) -> Membership:
    """Make `user` a member of `unit` with `role` (or change the role) and join its group.

    A person who works both in an investigation unit and elsewhere is bound by the purpose
    lock (sharing-rules.md 3): they read no prevention content at all. Such a membership is
    audited with `purpose_lock` and the administrator is warned (`purpose_lock_warning`)."""
    was_locked = access.is_purpose_locked(user, fresh=True)
    membership, created = Membership.objects.get_or_create(
        user=user, unit=unit, defaults={"role": role}
    )
    changed = created or membership.role != role
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    user.groups.add(unit.group)
    if changed:
        _end_sessions(user)
    locked = access.is_purpose_locked(user, fresh=True) and (
        was_locked or Membership.objects.filter(user=user).exclude(pk=membership.pk).exists()
    )
    detail = {"change": "membership_add", "user": user.pk, "unit": unit.pk, "role": role}
    if locked:
        detail["purpose_lock"] = True
    audit.write_event(actor=actor, action=audit.Action.GRANT_CHANGE, obj=membership, detail=detail)
    return membership


def purpose_lock_warning(user: User) -> str:
    """The administrator's warning for a person with an investigation membership and
    others ("" when there is nothing to warn about)."""
    if (
        not access.is_purpose_locked(user, fresh=True)
        or Membership.objects.filter(user=user).count() < 2
    ):
        return ""
    return str(
        _(
            "%(user)s is a member of an investigation unit and of other units: the purpose "
            "lock keeps them from reading any prevention content (sharing-rules.md 3)."
        )
        % {"user": user.get_username()}
    )


@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    """End a membership; the user loses the unit's access at once."""
    membership.user.groups.remove(membership.unit.group)
    _end_sessions(membership.user)
    audit.write_event(
        actor=actor,
        action=audit.Action.GRANT_CHANGE,
        obj=membership,
        detail={
            "change": "membership_remove",
            "user": membership.user_id,
            "unit": membership.unit_id,
        },
    )
    membership.delete()
    access.is_purpose_locked(membership.user, fresh=True)


@transaction.atomic
def user_preferences_set(*, actor: User, reminder_email: str) -> User:
    """Change the actor's own preferences: how reminders reach them by e-mail."""
    if reminder_email not in User.ReminderEmail.values:
        raise ValidationError({"reminder_email": _("Choose how reminders should reach you.")})
    previous = actor.reminder_email
    actor.reminder_email = reminder_email
    actor.save(update_fields=["reminder_email"])
    audit.write_event(
        actor=actor,
        action=audit.Action.CHANGE,
        obj=actor,
        detail={"change": "preferences", "reminder_email": [previous, reminder_email]},
    )
    return actor


# --- Two-factor login ---------------------------------------------------------------------

RECOVERY_CODES = 10


def two_factor_device(*, actor: User) -> TOTPDevice:
    """The actor's authenticator device still waiting for its first code (made if none)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="app", confirmed=False)
    return device


@transaction.atomic
def two_factor_enrol(*, actor: User, device: TOTPDevice) -> list[str]:
    """Confirm the actor's authenticator (its code was verified) and issue fresh recovery
    codes, replacing any earlier ones; returns the codes, to be shown once."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    static, _created = StaticDevice.objects.get_or_create(
        user=actor, name="recovery", defaults={"confirmed": True}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    audit.write_event(actor=actor, action=audit.Action.CHANGE, detail={"change": "2fa_enrolled"})
    return codes
