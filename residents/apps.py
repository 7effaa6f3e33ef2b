from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "residents"
    verbose_name = _("居民档案")

    def ready(self) -> None:
        # Connects the receivers that end a user's sessions when they are deactivated.
        import config.security  # noqa: F401
