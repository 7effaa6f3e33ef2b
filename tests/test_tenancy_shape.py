"""The shape of the tenant tables, read from the models (docs/scaling.md): every table that
belongs to a community carries `community_id`, and every unique constraint of such a table
includes it — the distribution column of a future Citus cluster, where a unique constraint
can only be enforced within one shard.

The tables that are not a community's are listed with the reason (REFERENCE_TABLES); the
offences that the code had when this test was written are listed with the mend they need
(TO_MEND): a new offence fails, and so does a listed one that is mended (take it off).
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from tests.test_architecture import LAYERS

# Tables above or beside the communities: copied to every node (Citus reference tables) or
# kept on the coordinator, never distributed.
REFERENCE_TABLES = {
    "residents_subdistrict": "a sub-district owns communities: above the tenants",
    "residents_community": "the tenant itself (its id is the distribution value)",
    "subdistrict_subdistrictrole": "a user's role in a sub-district, above its communities",
    "subdistrict_starcontest": "a sub-district's contest; its entries are the communities'",
    "subdistrict_contestobjection": "an objection to a sub-district's contest result (公示)",
    "residents_usersession": "a login's session, whichever communities the user works for",
    "axes_accessattempt": "login throttling, by user name and address, before any tenancy",
    "axes_accessattemptexpiration": "django-axes' own: when a login attempt expires",
    "axes_accessfailurelog": "django-axes' own: failed logins, before any tenancy",
    "axes_accesslog": "django-axes' own: logins and logouts, before any tenancy",
    "points_passbookaccessfailure": "failed passbook-link attempts by address, before any tenancy",
}

# What the code had when this test was written, each with the mend it needs.
TO_MEND = {
    "residents_household_types: no community_id": "add community_id to the through table",
    "volunteering_projectclaim: ('project', 'member')": "unique (community, project, member)",
    "volunteering_teammembership: ('team', 'member')": "unique (community, team, member)",
    "volunteering_attendance: ('activity', 'member')": "unique (community, activity, member)",
    "points_account: ('household',)": "one-to-one → unique (community, household)",
    "points_ledgerentry: ('reverses',)": "one-to-one → unique (community, reverses)",
    "points_ledgerentry: ('attendance',)": "unique (community, attendance)",
    "points_passbooktoken: ('token_hash',)": "unique (community, token_hash); the link "
    "carries the community, or a reference table maps a token's hash to its community",
    "points_passbooktoken: ('household',)": "unique (community, household)",
    "redemption_rounditem: ('round', 'reward')": "unique (community, round, reward)",
    "redemption_redemption: ('entry',)": "one-to-one → unique (community, entry)",
    "redemption_redemption: ('reversal',)": "one-to-one → unique (community, reversal)",
    "redemption_cancellation: ('redemption',)": "one-to-one → unique (community, redemption)",
    "redemption_cancellation: ('reversal',)": "one-to-one → unique (community, reversal)",
    "redemption_redemptionline: ('redemption', 'item')": "unique (community, redemption, item)",
}


def _project_models() -> list[type[models.Model]]:
    labels = {*LAYERS, "axes"}
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in labels
    ]


def _uniques(model: type[models.Model]) -> list[tuple[str, ...]]:
    found = [(f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    found += [
        tuple(c.fields)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields
    ]
    found += [tuple(fields) for fields in model._meta.unique_together]
    return found


def offences() -> set[str]:
    found = set()
    for model in _project_models():
        table = model._meta.db_table
        if table in REFERENCE_TABLES:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        if "community" not in names:
            found.add(f"{table}: no community_id")
            continue
        found |= {f"{table}: {fields}" for fields in _uniques(model) if "community" not in fields}
    return found


def test_every_tenant_table_carries_community_id_in_every_unique_constraint():
    new = sorted(offences() - set(TO_MEND))
    assert not new, (
        "A community's table needs a `community` foreign key, and each of its unique "
        "constraints must include it (the distribution column); a table that is no "
        "community's goes into REFERENCE_TABLES with the reason:\n" + "\n".join(new)
    )


def test_what_is_listed_to_mend_still_needs_mending():
    mended = sorted(set(TO_MEND) - offences())
    assert not mended, "Mended — take these off TO_MEND:\n" + "\n".join(mended)


def test_every_reference_table_exists_and_has_no_community():
    tables = {model._meta.db_table: model for model in _project_models()}
    assert set(REFERENCE_TABLES) <= set(tables)
    for table in REFERENCE_TABLES:
        names = {f.name for f in tables[table]._meta.concrete_fields}
        assert "community" not in names, f"{table} has a community: it is a tenant table"


def test_the_new_sub_district_tables_are_in_shape():
    mine = {o.split(":")[0] for o in offences() if o.startswith("subdistrict_")}
    assert not mine
