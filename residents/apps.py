from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "residents"
    verbose_name = _("居民档案")

    def ready(self) -> None:
        from residents.app_role import grant_after_migrate, protected_tables
        from residents.audit import audited_tables
        from residents.models import (
            AuditEvent,
            BuildingGroup,
            Compound,
            ExportRecord,
            Household,
            HouseholdType,
            Member,
            PhoneReveal,
            StaffMembership,
        )

        # The trail is written by its trigger (as the owner); the application only reads it.
        protected_tables.register(AuditEvent, insert=False)
        # Every download stays on record.
        protected_tables.register(ExportRecord)
        # Every phone number shown in full stays on record too.
        protected_tables.register(PhoneReveal)
        # Once, after all apps' migrations (post_migrate is sent once per app).
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="residents_app_role")

        # The register's tables with the audit trigger (migration 0005), in the order the
        # trail's filter offers them.
        def settings_page(_obj) -> str:
            return reverse("residents:settings")

        audited_tables.register(Household)
        audited_tables.register(
            Member,
            # A non-resident (报到) has no household page; their history shows in the trail.
            page=lambda member: (
                member.household.get_absolute_url() if member.household_id else None
            ),
            part_of="household",
        )
        audited_tables.register_link(Household, "types")
        audited_tables.register(Compound, page=settings_page)
        audited_tables.register(BuildingGroup, page=settings_page)
        audited_tables.register(HouseholdType, page=settings_page)
        audited_tables.register(StaffMembership)
        audited_tables.register(
            PhoneReveal,
            page=lambda reveal: reveal.household.get_absolute_url(),
            part_of="household",
        )
