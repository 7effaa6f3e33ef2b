from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubdistrictConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "subdistrict"
    verbose_name = _("街道")

    def ready(self) -> None:
        from points.panels import PassbookPanel, passbook_panels
        from residents.app_role import protected_tables
        from residents.demo_steps import DemoStep, demo_steps
        from residents.home_pages import home_pages
        from residents.stars import star_awards
        from subdistrict.models import (
            ContestObjection,
            Objection,
            Publication,
            StarContest,
            StarEntry,
            SubDistrictRole,
        )
        from subdistrict.stars import (
            passbook_notices,
            passbook_publications,
            passbook_star,
            published_stars,
        )

        # 公示: a publication is never deleted and its list never rewritten, only made final;
        # an objection only gets its decision (the triggers of migration 0003 freeze both
        # once final).
        protected_tables.register(
            Publication, update_fields=["status", "finalized_by", "finalized_at"]
        )
        protected_tables.register(Objection, update_fields=["decision", "decided_by", "decided_at"])
        # The star contest's 公示 likewise: a contest is never deleted, only published and
        # made final; an entry only gets its stars; an objection only its decision (the
        # triggers of migration 0006 freeze them under 公示 and once final).
        protected_tables.register(
            StarContest,
            update_fields=[
                "status",
                "published_by",
                "published_at",
                "published_on",
                "ends_on",
                "finalized_by",
                "finalized_at",
            ],
        )
        protected_tables.register(StarEntry, update_fields=["stars", "rated_by", "rated_at"])
        protected_tables.register(
            ContestObjection, update_fields=["decision", "decided_by", "decided_at"]
        )

        # What is under publication in the household's community, on the passbook page.
        passbook_panels.register(
            PassbookPanel(
                name="subdistrict.publications",
                order=6,
                template="subdistrict/passbook/_publications.html",
                context=passbook_publications,
            )
        )
        # The community's notices, at the top of the passbook page.
        passbook_panels.register(
            PassbookPanel(
                name="subdistrict.notices",
                order=1,
                template="subdistrict/passbook/_notices.html",
                context=passbook_notices,
                place=PassbookPanel.TOP,
            )
        )
        # Its demo data (jd_admin, this year's contest), after every app below it.
        demo_steps.register(
            DemoStep(label=self.verbose_name, order=90, seed="subdistrict.demo.seed_demo")
        )
        # ★ means one thing everywhere: the stars of the contest's published result.
        star_awards.register(published_stars)
        # "本楼组为 2026 年度三星楼组" on the resident's passbook page.
        passbook_panels.register(
            PassbookPanel(
                name="subdistrict.star",
                order=5,
                template="subdistrict/passbook/_star.html",
                context=passbook_star,
            )
        )

        # A 街道 user (no community membership) lands on the roll-up.
        home_pages.register_other(
            lambda user: (
                "subdistrict:rollup" if SubDistrictRole.objects.filter(user=user).exists() else None
            )
        )
