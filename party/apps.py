from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "party"
    verbose_name = _("党员积分")

    def ready(self) -> None:
        from party.models import PartyAccount, PartyEntry, PartyMember, PartySettings, ProjectRole
        from party.services import LISTENER
        from points.hooks import approval_listeners
        from points.ledgers import Ledger, ledgers
        from residents.app_role import protected_tables
        from residents.audit import audited_tables
        from residents.demo_steps import DemoStep, demo_steps

        # Its demo data: after volunteering's activities, before points reviews them.
        demo_steps.register(
            DemoStep(label=self.verbose_name, order=25, seed="party.demo.seed_demo")
        )
        # Insert-only: corrections are reversing entries (migration 0002).
        protected_tables.register(PartyEntry)
        # Opened by a posting; the balance moves only by the ledger's trigger (as the owner).
        protected_tables.register(PartyAccount, update_fields=["updated_at"])
        # Approved service (and duties) earn party points, in the approval's transaction.
        approval_listeners.register(LISTENER)

        # Settings, project roles and 报到 dates join the audit trail (migration 0002).
        def settings_page(_obj) -> str:
            return reverse("party:settings")

        audited_tables.register(PartySettings, page=settings_page)
        audited_tables.register(ProjectRole, page=settings_page)
        audited_tables.register(
            PartyMember, page=lambda profile: reverse("party:member", args=[profile.member_id])
        )
        # `manage.py reconcile_ledger` checks party accounts too.
        ledgers.register(
            Ledger(
                name="party",
                order=10,
                label="党员积分账户",
                account=PartyAccount,
                entry=PartyEntry,
                describe=lambda account: f"党员 {account.member_id}",
            )
        )
