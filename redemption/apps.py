from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedemptionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "redemption"
    verbose_name = _("积分兑换")
