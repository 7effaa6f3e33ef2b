from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "needs"
    verbose_name = _("走访与微心愿")

    def ready(self) -> None:
        from needs.models import (
            ActivityServed,
            Need,
            NeedEvent,
            Pairing,
            PartnerPerson,
            PartnerUnit,
            Visit,
        )
        from needs.passbook import WISHES_PANEL
        from points.panels import passbook_panels
        from residents.app_role import protected_tables
        from residents.audit import audited_tables
        from residents.demo_steps import DemoStep, demo_steps
        from residents.household_page import HouseholdSection, household_sections
        from residents.spreadsheets import EXPORT_KINDS
        from volunteering.activity_page import ActivitySection, activity_sections

        # A need's history is a record of its own: its events are written once, never
        # rewritten (migration 0002 keeps the app role from it).
        protected_tables.register(NeedEvent)
        # Visits, needs, partner units and pairings are audited (migration 0002).
        audited_tables.register(Visit)
        audited_tables.register(Need)
        audited_tables.register(PartnerUnit)
        audited_tables.register(Pairing)
        audited_tables.register(PartnerPerson, part_of="unit")
        # Which households an activity served: filed under the household (migration 0004).
        audited_tables.register(ActivityServed, part_of="household")
        # The household's file (民情档案) on its page: visits, needs and help, as a timeline.
        household_sections.register(
            HouseholdSection(
                name="needs.file", order=20, template="needs/includes/_household_section.html"
            )
        )
        # The households an activity served, on the activity's page.
        activity_sections.register(
            ActivitySection(
                name="needs.served", order=20, template="needs/includes/_activity_section.html"
            )
        )
        # Its download in the export log.
        EXPORT_KINDS["service_hours"] = _("志愿服务时长")
        # Its demo data, after points and redemption (seed_demo): the hours of the needs
        # done wait in the review queue, those done over two weeks ago reviewed on their
        # day (on the demo's timeline, with points' reviews and redemption's rounds).
        demo_steps.register(
            DemoStep(
                label=self.verbose_name,
                order=50,
                seed="needs.demo.seed_demo",
                on_timeline=True,
            )
        )
        # The resident's own wishes on their passbook.
        passbook_panels.register(WISHES_PANEL)
