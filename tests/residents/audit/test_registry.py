"""The audited tables are said twice: the owning app's migration attaches the trigger, and
the app registers the model in its AppConfig.ready() (residents.audit.audited_tables) for
the trail's pages. Both must name the same tables, in the order the filter offers them."""

from __future__ import annotations

import pytest
from django.db import connection

from residents.audit import audited_tables, table_choices

pytestmark = pytest.mark.django_db


def _tables_with_the_trigger() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE p.proname = 'passbook_audit' AND NOT t.tgisinternal"
        )
        return {row[0] for row in cursor.fetchall()}


def test_every_table_with_the_audit_trigger_is_registered_and_no_other():
    assert set(audited_tables) == _tables_with_the_trigger()


def test_the_filter_offers_the_tables_in_the_order_the_apps_registered_them():
    assert [table for table, _label in table_choices()] == [
        "residents_household",
        "residents_member",
        "residents_household_types",
        "residents_compound",
        "residents_buildinggroup",
        "residents_householdtype",
        "residents_staffmembership",
        "residents_phonereveal",
        "accounts_accountevent",
        "points_pointrule",
        "points_passbookpolicy",
        "redemption_reward",
        "redemption_round",
        "redemption_rounditem",
        "party_partysettings",
        "party_projectrole",
        "party_partymember",
        "needs_visit",
        "needs_need",
        "needs_partnerunit",
        "needs_pairing",
        "needs_partnerperson",
        "needs_activityserved",
    ]


def test_a_link_table_is_filed_under_its_owner_and_a_member_under_its_household():
    link = audited_tables.link("residents_household_types")
    assert (link.owner_table, link.owner_column) == ("residents_household", "household_id")
    assert [part.table for part in audited_tables.parts_of("residents_household")] == [
        "residents_member",
        "residents_phonereveal",
        "needs_activityserved",
    ]
