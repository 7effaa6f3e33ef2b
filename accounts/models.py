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


class AccountEvent(models.Model):
    """What a community's admin (or the user) did to a staff account: added it, reset or
    changed its password, deactivated or reactivated it. Insert-only (the application's
    database role may not change or delete a row: residents.app_role), and each row is
    copied into the audit trail by its trigger (accounts/migrations/0002), so the trail
    says who did what to whose account, and when. Roles are in the trail already
    (residents_staffmembership)."""

    class Action(models.TextChoices):
        CREATED = "created", _("添加账号")
        PASSWORD_RESET = "password_reset", _("重设密码")
        PASSWORD_CHANGED = "password_changed", _("本人修改密码")
        DEACTIVATED = "deactivated", _("停用账号")
        REACTIVATED = "reactivated", _("恢复账号")

    community = models.ForeignKey(
        "residents.Community",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("居民区"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("账号"),
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), db_default=Now())

    class Meta:
        verbose_name = _("账号操作")
        verbose_name_plural = pgettext_lazy("plural", "账号操作")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["community", "user", "-at"], name="accounts_event_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_action_display()}"
