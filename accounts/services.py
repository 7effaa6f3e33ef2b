"""Writes on staff accounts: one transaction each, `by` the person who acts.

A community's admin manages its staff here: adds an account with a role, changes a role,
resets a password, deactivates and reactivates an account; everyone changes their own
password. Each action is an AccountEvent (copied into the audit trail by its trigger).

An account belongs to one person, who may work for several communities; a password or a
deactivation affects all of them. So an admin resets or deactivates only the accounts that
work for their community alone (`manageable`); for the others, and for the operator's
accounts (superuser, Django-admin staff), the operator does it in /admin/.
"""

from __future__ import annotations

import logging

from axes.utils import reset as reset_attempts
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.auth import normalize_username
from accounts.models import AccountEvent
from accounts.sessions import end_sessions
from residents.models import Community, StaffMembership
from residents.transactions import retry_on_conflict

logger = logging.getLogger("passbook.security")
Role = StaffMembership.Role


@transaction.atomic
def unlock(*, user: AbstractBaseUser, by: AbstractBaseUser) -> int:
    """Deletes the user's failed logins so they can log in again at once; returns how many
    were removed."""
    removed = reset_attempts(username=normalize_username(user.get_username()))
    logger.info(
        "login unlocked: %r by %r (%s failures removed)",
        user.get_username(),
        by.get_username(),
        removed,
    )
    return removed


def _record(*, community: Community, user, action: str, by) -> AccountEvent:
    return AccountEvent.objects.create(community=community, user=user, action=action, by=by)


def manageable(*, user, community: Community) -> bool:
    """Whether the community's admin may reset the account's password or deactivate it: it
    works for this community only and is not one of the operator's accounts."""
    if user.is_superuser or user.is_staff:
        return False
    return not StaffMembership.objects.filter(user=user).exclude(community=community).exists()


def _check_manageable(*, user, community: Community, by) -> None:
    if user.pk == by.pk:
        raise ValidationError(
            _("不能对自己的账号这样做：请在“修改密码”里改自己的密码。"), code="self"
        )
    if not manageable(user=user, community=community):
        raise ValidationError(
            _("这个账号也在其他居民区工作（或是系统管理员账号），请联系系统管理员处理。"),
            code="shared",
        )


def _check_admins_remain(*, community: Community, losing) -> None:
    """A community keeps at least one active admin (or nobody could manage its staff)."""
    admins = StaffMembership.objects.filter(
        community=community, role=Role.ADMIN, user__is_active=True
    ).exclude(user=losing)
    if not admins.exists():
        raise ValidationError(
            _("本居民区至少要有一位在用的管理员：请先让另一位工作人员成为管理员。"),
            code="last_admin",
        )


@retry_on_conflict
def add_staff(
    *, community: Community, username: str, name: str, role: str, password: str, by
) -> AbstractBaseUser:
    """A new account working for `community` in `role`, signing in with `password`."""
    User = get_user_model()
    username = username.strip()
    if User.objects.annotate(lower=Lower("username")).filter(lower=username.lower()).exists():
        raise ValidationError({"username": _("这个用户名已被使用，请换一个。")}, code="taken")
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password, first_name=name)
    except IntegrityError as error:  # the same name added a moment ago
        raise ValidationError(
            {"username": _("这个用户名已被使用，请换一个。")}, code="taken"
        ) from error
    StaffMembership.objects.create(user=user, community=community, role=role)
    _record(community=community, user=user, action=AccountEvent.Action.CREATED, by=by)
    logger.info("staff account %r added to community %s by %r", username, community.pk, by.pk)
    return user


@retry_on_conflict
def change_role(*, membership: StaffMembership, role: str, by) -> StaffMembership:
    """The account's role in the membership's community (the audit trail records it)."""
    locked = StaffMembership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == role:
        return locked
    if locked.user_id == by.pk:
        raise ValidationError(_("不能修改自己的角色，请让另一位管理员修改。"), code="self")
    if locked.role == Role.ADMIN:
        # Lock the community's admins so two admins cannot demote each other at once.
        list(
            StaffMembership.objects.select_for_update()
            .filter(community_id=locked.community_id, role=Role.ADMIN)
            .values_list("pk")
        )
        _check_admins_remain(community=locked.community, losing=locked.user_id)
    locked.role = role
    locked.save(update_fields=["role"])
    return locked


@retry_on_conflict
def reset_password(*, community: Community, user, password: str, by) -> None:
    """A new password for one of the community's staff; their sessions end."""
    _check_manageable(user=user, community=community, by=by)
    user.set_password(password)
    user.save(update_fields=["password"])
    end_sessions(user)
    _record(community=community, user=user, action=AccountEvent.Action.PASSWORD_RESET, by=by)
    logger.info("password of user %s reset by %s", user.pk, by.pk)


@retry_on_conflict
def deactivate(*, community: Community, user, by) -> None:
    """The account can no longer sign in; every session of it ends at once."""
    _check_manageable(user=user, community=community, by=by)
    if not user.is_active:
        return
    if StaffMembership.objects.filter(user=user, community=community, role=Role.ADMIN).exists():
        list(
            StaffMembership.objects.select_for_update()
            .filter(community=community, role=Role.ADMIN)
            .values_list("pk")
        )
        _check_admins_remain(community=community, losing=user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])  # accounts.sessions ends its sessions
    end_sessions(user)
    _record(community=community, user=user, action=AccountEvent.Action.DEACTIVATED, by=by)
    logger.info("user %s deactivated by %s", user.pk, by.pk)


@retry_on_conflict
def reactivate(*, community: Community, user, by) -> None:
    _check_manageable(user=user, community=community, by=by)
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    _record(community=community, user=user, action=AccountEvent.Action.REACTIVATED, by=by)


@retry_on_conflict
def change_own_password(*, user, password: str, community: Community | None) -> None:
    """The signed-in user's new password (the view keeps their own session signed in)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    if community is not None:
        _record(
            community=community, user=user, action=AccountEvent.Action.PASSWORD_CHANGED, by=user
        )
