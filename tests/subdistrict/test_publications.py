"""公示: a community's quarterly standings published for N days with a printable notice,
objections recorded (who raised, what was decided), then final and frozen — by the
database, for the application's role too; residents see what is under publication."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from points import passbook
from residents.models import StaffMembership
from residents.reporting import quarter_of
from subdistrict import services_publications as services
from subdistrict.models import Objection, Publication
from tests.factories import HouseholdFactory, StaffMembershipFactory, UserFactory
from tests.security.roles import app_role, connect, connection_params

pytestmark = pytest.mark.django_db
LIST = reverse("subdistrict:publication_list")
TODAY = timezone.localdate()


@pytest.fixture
def shanxin(street):
    return street["mine"][0]


@pytest.fixture
def admin(shanxin) -> Client:
    client = Client()
    client.force_login(
        StaffMembershipFactory(community=shanxin, role=StaffMembership.Role.ADMIN).user
    )
    return client


def published(community, *, days=7, today=TODAY):
    return services.publish_standings(
        community=community, period=quarter_of(today), days=days, today=today, by=UserFactory()
    )


def test_an_admin_publishes_a_quarters_standings_for_n_days_with_a_printable_notice(shanxin, admin):
    response = admin.post(LIST, {"period": quarter_of(TODAY).param, "days": "7"})
    publication = Publication.objects.get()
    assert response.status_code == 302
    assert publication.ends_on == TODAY + datetime.timedelta(days=6)
    assert [row["points"] for row in publication.rows["households"]]  # busy_community earned
    notice = admin.get(reverse("subdistrict:publication_notice", args=[publication.pk]))
    body = notice.content.decode()
    assert "积分排行公示" in body and "如有异议" in body and "data-print" in body
    # Names masked, as on the notice board; never a passbook number.
    assert "*" in body and "F-0" not in body
    again = admin.post(LIST, {"period": quarter_of(TODAY).param, "days": "7"})
    assert again.status_code == 400 and "已经公示过了" in again.content.decode()


@pytest.mark.parametrize("days", ["0", "31", "７x", "NaN"])
def test_a_bad_number_of_days_is_refused_and_nothing_published(shanxin, admin, days):
    response = admin.post(LIST, {"period": quarter_of(TODAY).param, "days": days})
    assert response.status_code == 400 and not Publication.objects.exists()


def test_an_objection_is_recorded_decided_and_the_list_then_freezes(shanxin, admin):
    publication = published(shanxin, days=1, today=TODAY - datetime.timedelta(days=3))
    detail = reverse("subdistrict:publication_detail", args=[publication.pk])
    objected = {"raised_by": "3号楼 王先生", "raised_on": TODAY.isoformat(), "content": "少算2分"}
    admin.post(detail, objected)
    objection = Objection.objects.get()
    finalize = reverse("subdistrict:publication_finalize", args=[publication.pk])
    admin.post(finalize)
    assert Publication.objects.get().status == "published"  # an objection without decision
    decide = reverse("subdistrict:objection_decide", args=[publication.pk, objection.pk])
    admin.post(decide, {"decision": "核实后已补记，公示单不变。"})
    admin.post(finalize)
    final = Publication.objects.get()
    assert final.status == "final" and final.finalized_at is not None
    page = admin.get(detail).content.decode()
    assert "3号楼 王先生" in page and "核实后已补记" in page and "记录一条异议" not in page
    admin.post(detail, {"raised_by": "晚来", "raised_on": TODAY.isoformat(), "content": "x"})
    assert Objection.objects.count() == 1


def test_the_notice_period_must_be_over_before_it_is_final(shanxin):
    publication = published(shanxin, days=7)
    with pytest.raises(services.PublicationError):
        services.finalize(publication=publication, today=TODAY, by=UserFactory())


def test_the_database_refuses_to_change_a_final_publication_or_its_objections(shanxin):
    publication = published(shanxin, days=1, today=TODAY - datetime.timedelta(days=3))
    objection = services.record_objection(
        publication=publication, raised_by="甲", raised_on=TODAY, content="x", by=UserFactory()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.filter(pk=publication.pk).update(rows={"households": []})
    services.decide_objection(objection=objection, decision="已核实", by=UserFactory())
    services.finalize(publication=publication, today=TODAY, by=UserFactory())
    for attempt in (
        lambda: Publication.objects.filter(pk=publication.pk).update(status="published"),
        lambda: Publication.objects.filter(pk=publication.pk).delete(),
        lambda: Objection.objects.filter(pk=objection.pk).update(decision="改"),
        lambda: Objection.objects.filter(pk=objection.pk).delete(),
        lambda: Objection.objects.create(
            community=shanxin,
            publication=publication,
            raised_by="乙",
            raised_on=TODAY,
            content="x",
            recorded_by=UserFactory(),
        ),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()


@pytest.mark.django_db(transaction=True)
def test_the_application_role_cannot_delete_or_rewrite_a_publication(street):
    shanxin = street["mine"][0]
    publication = published(shanxin, days=7)
    statements = (
        "DELETE FROM subdistrict_publication",
        "UPDATE subdistrict_publication SET rows = '{}'",
        "UPDATE subdistrict_objection SET content = 'x'",
        "DELETE FROM subdistrict_objection",
    )
    with app_role() as (name, password):
        app = connect(**connection_params(user=name, password=password))
        try:
            for statement in statements:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(statement)
        finally:
            app.close()
    assert Publication.objects.get(pk=publication.pk).rows == publication.rows


def test_residents_see_what_is_under_publication_on_their_passbook(shanxin):
    publication = published(shanxin, days=7)
    household = HouseholdFactory(community=shanxin)
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    resident = Client()
    resident.get(reverse("points:passbook_open", args=[token]))
    page = resident.get(reverse("points:passbook")).content.decode()
    assert "正在公示" in page and publication.title in page


def test_staff_read_but_only_admins_publish_and_another_community_finds_nothing(street, shanxin):
    publication = published(shanxin)
    staff = Client()
    staff.force_login(StaffMembershipFactory(community=shanxin).user)
    detail = reverse("subdistrict:publication_detail", args=[publication.pk])
    assert staff.get(detail).status_code == 200
    assert staff.post(LIST, {"period": "2026Q1", "days": "7"}).status_code == 403
    neighbour = Client()
    neighbour.force_login(
        StaffMembershipFactory(community=street["mine"][1], role=StaffMembership.Role.ADMIN).user
    )
    assert neighbour.get(detail).status_code == 404
    assert (
        neighbour.post(
            detail, {"raised_by": "x", "raised_on": "2026-01-01", "content": "x"}
        ).status_code
        == 404
    )
