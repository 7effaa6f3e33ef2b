from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Staff accounts: signing in (throttled), sessions and lockouts. Above residents, whose
    staff roles it reads; nothing below it names it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("员工账号")

    def ready(self) -> None:
        # Connects the receivers that keep track of staff sessions and end them when a
        # user is deactivated or loses their last role.
        from accounts import sessions  # noqa: F401
        from accounts.models import AccountEvent
        from residents.app_role import protected_tables
        from residents.audit import audited_tables

        # What admins did to staff accounts: insert-only, and in the audit trail (its
        # trigger: accounts/migrations/0002).
        protected_tables.register(AccountEvent)
        audited_tables.register(
            AccountEvent, page=lambda event: reverse("staff_detail", args=[event.user_id])
        )
