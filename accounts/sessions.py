"""Session bookkeeping: every staff login is mapped to its database session (UserSession),
so deactivating a user, or removing their last community role, deletes their sessions at
once instead of waiting for them to expire. (Django would refuse an inactive user on the
next request anyway; deleting the sessions also ends them for a bulk .update().) The
receivers are connected by AccountsConfig.ready().
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import UserSession
from residents.models import StaffMembership

logger = logging.getLogger("passbook.security")

# Seconds since the epoch of the signed-in user's last request, kept in their session.
LAST_SEEN_KEY = "staff_last_seen"
# Writing the session on every request would be a database write per page; a minute's
# precision is plenty for a 30-minute timeout.
LAST_SEEN_RESOLUTION = 60


def end_sessions(user) -> int:
    """Deletes every database session of the user; returns how many there were."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    if not keys:
        return 0
    deleted, _rows = Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    logger.info("ended %s session(s) of user %s", deleted, user.pk)
    return deleted


@receiver(user_logged_in, dispatch_uid="passbook_session_opened")
def _session_opened(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[LAST_SEEN_KEY] = int(time.time())
    key = request.session.session_key
    if not key:
        return
    UserSession.objects.update_or_create(session_key=key, defaults={"user": user})
    # Sessions that expired (or were cleared by clearsessions) leave mapping rows behind.
    UserSession.objects.filter(user=user).exclude(
        session_key__in=Session.objects.values("session_key")
    ).delete()


@receiver(user_logged_out, dispatch_uid="passbook_session_closed")
def _session_closed(sender, request, user, **kwargs) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="passbook_user_deactivated")
def _user_saved(sender, instance, created: bool, **kwargs) -> None:
    if not created and not instance.is_active:
        end_sessions(instance)


@receiver(post_delete, sender=StaffMembership, dispatch_uid="passbook_membership_removed")
def _membership_removed(sender, instance: StaffMembership, **kwargs) -> None:
    """Without any community role a user can do nothing here: end their sessions (the
    superuser and Django-admin staff keep theirs for /admin/)."""
    user = instance.user
    if user.is_superuser or user.is_staff:
        return
    if not StaffMembership.objects.filter(user=user).exists():
        end_sessions(user)
