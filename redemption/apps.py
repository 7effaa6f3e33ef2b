from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RedemptionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "redemption"
    verbose_name = _("积分兑换")

    def ready(self) -> None:
        from points.entry_details import entry_details
        from points.panels import passbook_panels
        from redemption.dashboard import FIGURES
        from redemption.models import (
            Cancellation,
            Redemption,
            RedemptionLine,
            Reward,
            Round,
            RoundItem,
        )
        from redemption.passbook import GOODS_DETAIL, ROUND_PANEL
        from residents.app_role import protected_tables
        from residents.audit import audited_tables
        from residents.dashboard import dashboard_figures
        from residents.demo_steps import DemoStep, demo_steps
        from residents.home_pages import home_pages, household_pages
        from residents.tenancy import Role

        # A receipt and its lines are never rewritten; a cancellation is a record of its own
        # whose trigger (running as the owner) marks the redemption (migration 0005).
        protected_tables.register(Redemption)
        protected_tables.register(RedemptionLine)
        protected_tables.register(Cancellation)
        # The catalogue and the rounds are audited (migration 0003); redemptions are
        # records of their own.
        audited_tables.register(Reward)
        audited_tables.register(
            Round, labels={"opened_by": _("开始兑换的人"), "closed_by": _("结账的人")}
        )
        audited_tables.register(RoundItem)
        # The open round's card on the resident's passbook page.
        passbook_panels.register(ROUND_PANEL)
        # What a redemption took, on its passbook row (resident and staff pages).
        entry_details.register(GOODS_DETAIL)
        # Its demo data, after the apps below it (seed_demo).
        demo_steps.register(
            DemoStep(
                label=self.verbose_name,
                order=40,
                seed="redemption.demo.seed_demo",
                on_timeline=True,
            )
        )
        # Its figures on the staff dashboard.
        for figure in FIGURES:
            dashboard_figures.register(figure)
        # Where a login lands: the dashboard, or the counter for counter clerks.
        home_pages.register(Role.ADMIN, "redemption:dashboard")
        home_pages.register(Role.STAFF, "redemption:dashboard")
        home_pages.register(Role.COUNTER, "redemption:counter")
        # A clerk who scans a passbook's QR code lands on that household at the counter.
        household_pages.register(Role.COUNTER, "redemption:counter_household")
