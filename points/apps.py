from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "points"
    verbose_name = _("积分")

    def ready(self) -> None:
        from points.dashboard import FIGURES
        from points.models import (
            Account,
            AccountTally,
            LedgerEntry,
            MemberTally,
            MonthTally,
            PassbookPolicy,
            PointRule,
        )
        from points.passbook import is_resident_visit
        from residents.app_role import protected_tables
        from residents.audit import audited_tables
        from residents.dashboard import dashboard_figures
        from residents.demo_steps import DemoStep, demo_steps
        from residents.errors import WayBack, way_backs
        from residents.household_page import HouseholdSection, household_sections

        # Insert-only: corrections are reversing entries (migrations 0002 and 0007).
        protected_tables.register(LedgerEntry)
        # Opened by a posting; the balance moves only by the ledger's trigger, which runs as
        # the owner. UPDATE of updated_at alone is what lets a posting lock the row.
        protected_tables.register(Account, update_fields=["updated_at"])
        # Running totals: written only by the ledger's trigger (migration 0012).
        for tally in (MonthTally, AccountTally, MemberTally):
            protected_tables.register(tally, insert=False)
        # Rules are audited (migration 0005); the ledger is a record of its own.
        audited_tables.register(
            PointRule, page=lambda rule: reverse("points:rule_edit", args=[rule.pk])
        )
        # 基础分也计入家庭存折: set on a higher app's settings page, so no page of its own.
        audited_tables.register(PassbookPolicy)
        # Its demo data, after the apps below it (seed_demo).
        demo_steps.register(
            DemoStep(
                label=self.verbose_name,
                order=30,
                seed="points.demo.seed_demo",
                on_timeline=True,
            )
        )
        # An error page shown to a resident session leads back to the passbook.
        way_backs.register(
            WayBack(
                name="points.passbook",
                order=10,
                applies=is_resident_visit,
                url_name="points:passbook",
                label=_("回到我的存折"),
                layout="points/resident/base_resident.html",
            )
        )
        # Its figures on the staff dashboard.
        for figure in FIGURES:
            dashboard_figures.register(figure)
        # The passbook's ledger and its QR code on the household page.
        household_sections.register(
            HouseholdSection(
                name="points.ledger",
                order=10,
                template="points/ledger/includes/_household_section.html",
            )
        )
        household_sections.register(
            HouseholdSection(
                name="points.passbook_qr",
                order=20,
                template="points/printing/includes/_household_section.html",
            )
        )
