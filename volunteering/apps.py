from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteeringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "volunteering"
    verbose_name = _("志愿服务")

    def ready(self) -> None:
        from residents.dashboard import dashboard_figures
        from residents.demo_steps import DemoStep, demo_steps
        from residents.household_page import HouseholdSection, household_sections
        from residents.tenancy import membership_figures
        from volunteering.dashboard import FIGURES
        from volunteering.selectors import waiting_for_review

        # Its demo data, after the register's (seed_demo).
        demo_steps.register(
            DemoStep(label=self.verbose_name, order=20, seed="volunteering.demo.seed_demo")
        )
        # How many records wait for review, in the menu and on the dashboard (no query of
        # its own: annotated on the signed-in user's memberships).
        membership_figures.register("waiting_for_review", waiting_for_review)
        # Its figures on the staff dashboard.
        for figure in FIGURES:
            dashboard_figures.register(figure)
        # What the household took part in, on the household page.
        household_sections.register(
            HouseholdSection(
                name="volunteering.history",
                order=30,
                template="volunteering/includes/_household_section.html",
            )
        )
