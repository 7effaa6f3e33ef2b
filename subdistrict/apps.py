from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubdistrictConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "subdistrict"
    verbose_name = _("街道")

    def ready(self) -> None:
        from residents.home_pages import home_pages
        from subdistrict.models import SubDistrictRole

        # A 街道 user (no community membership) lands on the roll-up.
        home_pages.register_other(
            lambda user: (
                "subdistrict:rollup" if SubDistrictRole.objects.filter(user=user).exists() else None
            )
        )
