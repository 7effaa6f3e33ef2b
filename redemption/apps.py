from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedemptionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "redemption"
    verbose_name = _("积分兑换")

    def ready(self) -> None:
        from redemption.models import Cancellation, Redemption, RedemptionLine
        from residents.app_role import protected_tables

        # A receipt and its lines are never rewritten; a cancellation is a record of its own
        # whose trigger (running as the owner) marks the redemption (migration 0005).
        protected_tables.register(Redemption)
        protected_tables.register(RedemptionLine)
        protected_tables.register(Cancellation)
