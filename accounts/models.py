"""Staff sign-in records: django-axes' failed logins (shown to the superuser) and which
database session belongs to which signed-in user."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LoginAttempt(AccessAttempt):
    """django-axes' record of failed staff logins (accounts/auth.py): per name typed (lower
    case, whether or not such a user exists), address and browser, how many failures and
    the last one's time. Shown to the superuser in the Django admin; deleting a name's rows
    unlocks it."""

    class Meta:
        proxy = True
        verbose_name = _("登录失败记录")
        verbose_name_plural = pgettext_lazy("plural", "登录失败记录")

    def __str__(self) -> str:
        return f"{self.username} · {self.ip_address or '-'} · {self.failures_since_start}"


class UserSession(models.Model):
    """Which database session belongs to which signed-in user, so deactivating a user can
    end every session they have without decoding the whole session table."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        # Kept from when residents held it (migrations residents/0006 and accounts/0001).
        db_table = "residents_usersession"
        verbose_name = _("登录会话")
        verbose_name_plural = pgettext_lazy("plural", "登录会话")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.session_key[:6]}…"
