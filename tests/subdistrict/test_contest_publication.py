"""公示 of the star contest's result, the standings' 公示 reused: the 街道 admin publishes
the result for N days with a printable notice (building groups and communities, no
person); objections are recorded with who raised them and what was decided; the result is
final only once the period is over and every objection decided, and then frozen by the
database, for the application's role too. Stars show only once final; under 公示 the
residents' passbooks say the result is under publication."""

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
from residents.stars import star_awards
from subdistrict import services
from subdistrict import services_publications as publications
from subdistrict.models import ContestObjection, StarContest, StarEntry, SubDistrictRole
from tests.factories import HouseholdFactory, StaffMembershipFactory, UserFactory
from tests.security.roles import app_role, connect, connection_params
from tests.subdistrict.conftest import subdistrict_client

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
AGO = TODAY - datetime.timedelta(days=10)


@pytest.fixture
def rated(street):
    """This year's contest with one entry of 山鑫 rated three stars, still open."""
    contest = services.open_contest(
        subdistrict=street["shihua"],
        year=TODAY.year,
        title=f"{TODAY.year}年星级楼组评选",
        kinds=["study"],
        measures=[],
        criteria="楼组有自治公约。",
        by=UserFactory(),
    )
    community = street["mine"][0]
    entry = StarEntry.objects.create(
        community=community,
        contest=contest,
        building_group=community.building_groups.first(),
        kind="study",
        plan="每月读书会。",
        photo="x.jpg",
        entered_by=UserFactory(),
    )
    services.rate_entries(contest=contest, stars={entry.pk: 3}, by=UserFactory())
    return contest


def url(name, contest, *more):
    return reverse(f"subdistrict:{name}", args=[contest.pk, *more])


def publish(contest, *, today=TODAY, days=7):
    return services.publish_contest(contest=contest, days=days, today=today, by=UserFactory())


def objection_of(contest):
    return publications.record_objection(
        publication=contest, raised_by="3号楼 居民", raised_on=TODAY, content="x", by=UserFactory()
    )


def test_the_admin_publishes_the_result_for_n_days_with_a_notice_of_groups_not_people(
    street, rated, jd_client
):
    assert jd_client.get(url("contest_notice", rated)).status_code == 302  # nothing yet
    response = jd_client.post(url("contest_publish", rated), {"days": "5"})
    contest = StarContest.objects.get()
    assert response.status_code == 302 and contest.status == "published"
    assert (contest.published_on, contest.ends_on) == (TODAY, TODAY + datetime.timedelta(days=4))
    page = jd_client.get(url("contest_detail", contest)).content.decode()
    assert "公示中" in page and "记录一条异议" in page and "打印公示单" in page
    notice = jd_client.get(url("contest_notice", contest)).content.decode()
    group = contest.entries.get().building_group
    assert group.name in notice and "山鑫阳光城" in notice and "★★★" in notice
    assert "如有异议" in notice and "data-print" in notice
    entered_by = contest.entries.get().entered_by.username
    assert entered_by not in notice


@pytest.mark.parametrize("days", ["0", "31", "７x", "NaN", ""])
def test_a_bad_number_of_days_is_refused_and_nothing_published(rated, jd_client, days):
    response = jd_client.post(url("contest_publish", rated), {"days": days})
    assert response.status_code == 400 and "公示天数" in response.content.decode()
    assert StarContest.objects.get().status == "open"


def test_an_objection_is_recorded_decided_and_only_then_after_the_period_the_result_is_final(
    rated, jd_client
):
    contest = publish(rated, today=AGO, days=7)
    objected = {"raised_by": "3号楼 王先生", "raised_on": TODAY.isoformat(), "content": "照片没算"}
    assert jd_client.post(url("contest_objection_create", contest), objected).status_code == 302
    objection = ContestObjection.objects.get()
    assert (objection.raised_by, objection.content, objection.decision) == (
        "3号楼 王先生",
        "照片没算",
        "",
    )
    jd_client.post(url("contest_finalize", contest))
    assert StarContest.objects.get().status == "published"  # an objection without decision
    decide = url("contest_objection_decide", contest, objection.pk)
    jd_client.post(decide, {"decision": "维持原评定。"})
    decided = ContestObjection.objects.get()
    assert decided.decision == "维持原评定。" and decided.decided_by and decided.decided_at
    jd_client.post(url("contest_finalize", contest))
    final = StarContest.objects.get()
    assert final.status == "final" and final.finalized_at is not None
    page = jd_client.get(url("contest_detail", final)).content.decode()
    assert "3号楼 王先生" in page and "维持原评定" in page and "记录一条异议" not in page
    late = {"raised_by": "晚来", "raised_on": TODAY.isoformat(), "content": "x"}
    assert jd_client.post(url("contest_objection_create", final), late).status_code == 400
    assert ContestObjection.objects.count() == 1


def test_the_period_must_be_over_and_an_open_contest_takes_no_objection(rated):
    with pytest.raises(publications.PublicationError):
        objection_of(rated)  # not yet under 公示
    contest = publish(rated, days=7)
    with pytest.raises(publications.PublicationError):
        publications.finalize(publication=contest, today=TODAY, by=UserFactory())
    day_after = contest.ends_on + datetime.timedelta(days=1)
    publications.finalize(publication=contest, today=day_after, by=UserFactory())
    assert StarContest.objects.get().is_final


def test_stars_show_only_once_final_and_the_passbook_says_it_is_under_publication(street, rated):
    community = street["mine"][0]
    group = rated.entries.get().building_group
    household = HouseholdFactory(community=community, building_group=group)
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    resident = Client()
    resident.get(reverse("points:passbook_open", args=[token]))
    contest = publish(rated, days=7)
    page = resident.get(reverse("points:passbook")).content.decode()
    assert "正在公示" in page and f"{contest.title}结果" in page
    assert "三星楼组" not in page and star_awards.for_groups([group.pk]) == {}
    staff = Client()
    staff.force_login(StaffMembershipFactory(community=community).user)
    entries = staff.get(reverse("subdistrict:star_groups")).content.decode()
    assert "★★★" in entries and "公示中" in entries
    after = contest.ends_on + datetime.timedelta(days=1)
    publications.finalize(publication=contest, today=after, by=UserFactory())
    page = resident.get(reverse("points:passbook")).content.decode()
    assert f"本楼组为 {TODAY.year} 年度三星楼组" in page and f"{contest.title}结果" not in page


def test_under_publication_the_result_can_only_become_final_in_the_database(rated):
    contest = publish(rated, days=7)
    entry = contest.entries.get()
    for attempt in (
        lambda: StarContest.objects.filter(pk=contest.pk).update(title="改"),
        lambda: StarContest.objects.filter(pk=contest.pk).update(status="open"),
        lambda: StarContest.objects.filter(pk=contest.pk).delete(),
        lambda: StarEntry.objects.filter(pk=entry.pk).update(stars=1),
        lambda: ContestObjection.objects.create(
            contest=StarContest.objects.create(
                subdistrict=contest.subdistrict,
                year=TODAY.year - 1,
                title="去年",
                kinds=["study"],
                criteria="x",
                opened_by=UserFactory(),
            ),
            raised_by="甲",
            raised_on=TODAY,
            content="x",
            recorded_by=UserFactory(),
        ),  # an open contest's
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()


@pytest.mark.django_db(transaction=True)
def test_the_application_role_cannot_change_a_final_contest_its_entries_or_its_objections(
    street, rated
):
    contest = publish(rated, today=AGO, days=3)
    objection = objection_of(contest)
    publications.decide_objection(objection=objection, decision="已核实", by=UserFactory())
    publications.finalize(publication=contest, today=TODAY, by=UserFactory())
    refused = {
        "UPDATE subdistrict_starcontest SET status = 'published', finalized_at = NULL": (
            psycopg.errors.CheckViolation
        ),
        "UPDATE subdistrict_starentry SET stars = 1": psycopg.errors.CheckViolation,
        "UPDATE subdistrict_contestobjection SET decision = '改'": psycopg.errors.CheckViolation,
        "UPDATE subdistrict_starcontest SET title = '改'": psycopg.errors.InsufficientPrivilege,
        "DELETE FROM subdistrict_starcontest": psycopg.errors.InsufficientPrivilege,
        "DELETE FROM subdistrict_starentry": psycopg.errors.InsufficientPrivilege,
        "DELETE FROM subdistrict_contestobjection": psycopg.errors.InsufficientPrivilege,
        "UPDATE subdistrict_contestobjection SET content = 'x'": (
            psycopg.errors.InsufficientPrivilege
        ),
    }
    with app_role() as (name, password):
        app = connect(**connection_params(user=name, password=password))
        try:
            for statement, error in refused.items():
                with pytest.raises(error):
                    app.execute(statement)
        finally:
            app.close()
    final = StarContest.objects.get()
    assert final.is_final and final.entries.get().stars == 3
    assert ContestObjection.objects.get().decision == "已核实"


def test_a_community_admin_gets_403_a_viewer_may_not_write_another_subdistrict_gets_404(
    street, rated, jd_viewer_client, community_admin_client
):
    contest = publish(rated, days=7)
    objection = objection_of(contest)
    objected = {"raised_by": "x", "raised_on": TODAY.isoformat(), "content": "x"}
    posts = [
        (url("contest_objection_create", contest), objected),
        (url("contest_objection_decide", contest, objection.pk), {"decision": "x"}),
        (url("contest_finalize", contest), {}),
    ]
    other = subdistrict_client(street["weifang"], SubDistrictRole.Role.ADMIN)
    for path, data in posts:
        assert community_admin_client.post(path, data).status_code == 403
        assert jd_viewer_client.post(path, data).status_code == 403
        assert other.post(path, data).status_code == 404
    assert community_admin_client.get(url("contest_notice", contest)).status_code == 403
    assert jd_viewer_client.get(url("contest_notice", contest)).status_code == 200
    assert other.get(url("contest_notice", contest)).status_code == 404
    assert ContestObjection.objects.get().decision == ""
    assert StarContest.objects.get().status == "published"
    staff = Client()
    staff.force_login(
        StaffMembershipFactory(community=street["mine"][0], role=StaffMembership.Role.ADMIN).user
    )
    assert staff.get(reverse("subdistrict:star_groups")).status_code == 200
