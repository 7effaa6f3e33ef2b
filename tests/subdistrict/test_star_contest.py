"""The star building-group contest: the 街道 opens a year's contest, a community's admin
enters building groups with a plan and photos (checked by their own bytes), the known
figures stand beside each entry, the 街道 rates and publishes for 公示 (the 公示 itself:
test_contest_publication.py), and once final ★ means the contest's
stars on the community's pages and the residents' passbooks, and nothing changes after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from points import passbook
from points.selectors import standings
from residents.dashboard import dashboard
from residents.models import StaffMembership
from residents.reporting import quarter_of
from residents.stars import star_awards
from subdistrict import services
from subdistrict.models import StarContest, StarEntry, SubDistrictRole
from subdistrict.services_publications import finalize
from tests.factories import (
    BuildingGroupFactory,
    HouseholdFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.subdistrict.conftest import subdistrict_client

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
CONTESTS = reverse("subdistrict:contest_list")
YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(content=JPEG, name="楼组.jpg"):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


@pytest.fixture
def contest(street):
    return services.open_contest(
        subdistrict=street["shihua"],
        year=YEAR,
        title=f"{YEAR}年星级楼组评选",
        kinds=["study", "health", "party"],
        measures=["participation", "activities"],
        criteria="楼组有自治公约，每季度有活动。",
        by=UserFactory(),
    )


@pytest.fixture
def shanxin_admin(street) -> Client:
    client = Client()
    client.force_login(
        StaffMembershipFactory(community=street["mine"][0], role=StaffMembership.Role.ADMIN).user
    )
    return client


def enter(client, contest, group, **extra):
    data = {"building_group": group.pk, "kind": "study", "plan": "每月读书会。", "photo": photo()}
    data.update(extra)
    return client.post(reverse("subdistrict:entry_create", args=[contest.pk]), data)


def test_a_subdistrict_admin_opens_a_years_contest_with_its_criteria(street, jd_client):
    response = jd_client.post(
        CONTESTS,
        {
            "year": str(YEAR),
            "title": "星级楼组评选",
            "kinds": ["study", "culture"],
            "measures": ["participation"],
            "criteria": "有方案，有活动。",
        },
    )
    contest = StarContest.objects.get()
    assert response.status_code == 302
    assert (contest.subdistrict, contest.kinds, contest.status) == (
        street["shihua"],
        ["study", "culture"],
        "open",
    )
    again = jd_client.post(
        CONTESTS, {"year": str(YEAR), "title": "又一次", "kinds": ["study"], "criteria": "x"}
    )
    assert again.status_code == 400 and "已经发起过了" in again.content.decode()
    assert StarContest.objects.count() == 1


def test_a_viewer_reads_the_contests_but_cannot_open_one(street, jd_viewer_client):
    assert jd_viewer_client.get(CONTESTS).status_code == 200
    refused = jd_viewer_client.post(
        CONTESTS, {"year": str(YEAR), "title": "x", "kinds": ["study"], "criteria": "x"}
    )
    assert refused.status_code == 403 and not StarContest.objects.exists()


def test_a_community_admin_enters_a_group_with_a_plan_and_a_photo(street, contest, shanxin_admin):
    group = street["mine"][0].building_groups.first()
    response = enter(shanxin_admin, contest, group, photo_2=photo(name="b.jpg"))
    assert response.status_code == 302
    entry = StarEntry.objects.get()
    assert (entry.community, entry.building_group) == (street["mine"][0], group)
    assert entry.kind == "study"
    assert entry.photo.name.endswith(".jpg") and "楼组" not in entry.photo.name
    picture = shanxin_admin.get(reverse("subdistrict:entry_photo", args=[entry.pk]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    "upload, message",
    [
        (photo(b"GIF89a" + b"\x00" * 40, "x.jpg"), "只能上传 JPG、PNG 或 WebP"),
        (photo(b"\xff\xd8\xff" + b"\x00" * (3 * 1024 * 1024 + 1)), "照片太大"),
    ],
)
def test_a_photo_that_is_not_an_image_or_too_big_is_refused_and_nothing_saved(
    street, contest, shanxin_admin, upload, message
):
    group = street["mine"][0].building_groups.first()
    response = enter(shanxin_admin, contest, group, photo=upload)
    assert response.status_code == 400 and message in response.content.decode()
    assert not StarEntry.objects.exists()


def test_another_communitys_group_cannot_be_entered(street, contest, shanxin_admin):
    theirs = street["mine"][1].building_groups.first()
    response = enter(shanxin_admin, contest, theirs)
    assert response.status_code == 400 and not StarEntry.objects.exists()


def test_staff_and_other_subdistricts_communities_cannot_enter(street, contest):
    staff = Client()
    staff.force_login(StaffMembershipFactory(community=street["mine"][0]).user)
    group = street["mine"][0].building_groups.first()
    assert enter(staff, contest, group).status_code == 403
    other_admin = Client()
    other_admin.force_login(
        StaffMembershipFactory(community=street["other"], role=StaffMembership.Role.ADMIN).user
    )
    assert enter(other_admin, contest, street["other"].building_groups.first()).status_code == 404
    assert not StarEntry.objects.exists()


def test_the_known_figures_stand_beside_each_entry(street, contest, shanxin_admin, jd_client):
    group = street["mine"][0].building_groups.first()
    enter(shanxin_admin, contest, group)
    page = jd_client.get(reverse("subdistrict:contest_detail", args=[contest.pk]))
    body = page.content.decode()
    # busy_community: two households of the group took part today, each at an activity.
    assert "100%" in body and "2/2" in body and "2 场" in body
    assert "每月读书会" in body


def test_rated_published_and_final_the_stars_show_on_the_communitys_pages_and_passbooks(
    street, contest, shanxin_admin, jd_client
):
    community = street["mine"][0]
    group = community.building_groups.first()
    enter(shanxin_admin, contest, group)
    entry = StarEntry.objects.get()
    detail = reverse("subdistrict:contest_detail", args=[contest.pk])
    assert jd_client.post(detail, {f"stars_{entry.pk}": "3"}).status_code == 302
    assert star_awards.for_groups([group.pk]) == {}  # not before publication
    publish = reverse("subdistrict:contest_publish", args=[contest.pk])
    assert jd_client.post(publish, {"days": "7"}).status_code == 302
    assert star_awards.for_groups([group.pk]) == {}  # not while under 公示
    after = timezone.localdate() + timedelta(days=7)
    finalize(publication=StarContest.objects.get(), today=after, by=UserFactory())

    [star] = star_awards.for_groups([group.pk]).values()
    assert str(star.label) == f"{YEAR} 年度三星楼组"
    today = timezone.localdate()
    board = dashboard(community=community, today=today)
    assert [g.star for g in board.groups if g.group == group] == [star]
    ranks = standings(community=community, period=quarter_of(today))
    assert [g.starred for g in ranks.groups if g.group == group] == [True]

    household = HouseholdFactory(community=community, building_group=group)
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    resident = Client()
    resident.get(reverse("points:passbook_open", args=[token]))
    page = resident.get(reverse("points:passbook")).content.decode()
    assert f"本楼组为 {YEAR} 年度三星楼组" in page


def test_nothing_is_entered_or_rated_after_publication(street, contest, shanxin_admin, jd_client):
    group, second = BuildingGroupFactory.create_batch(2, community=street["mine"][0])
    enter(shanxin_admin, contest, group)
    entry = StarEntry.objects.get()
    services.rate_entries(contest=contest, stars={entry.pk: 2}, by=UserFactory())
    services.publish_contest(contest=contest, days=7, today=timezone.localdate(), by=UserFactory())
    detail = reverse("subdistrict:contest_detail", args=[contest.pk])
    jd_client.post(detail, {f"stars_{entry.pk}": "1"})
    assert StarEntry.objects.get().stars == 2
    assert enter(shanxin_admin, contest, second).status_code == 404
    with pytest.raises(services.ContestError):
        services.rate_entries(contest=contest, stars={entry.pk: 3}, by=UserFactory())
    # The database refuses it too, going around the services.
    from django.db import IntegrityError, transaction

    for attempt in (
        lambda: StarEntry.objects.filter(pk=entry.pk).update(stars=3),
        lambda: StarEntry.objects.filter(pk=entry.pk).delete(),
        lambda: StarContest.objects.filter(pk=contest.pk).update(status="open"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    assert StarEntry.objects.get().stars == 2


def test_a_contest_without_a_rating_cannot_be_published(street, contest, jd_client):
    response = jd_client.post(
        reverse("subdistrict:contest_publish", args=[contest.pk]), {"days": "7"}
    )
    assert response.status_code == 302 and StarContest.objects.get().status == "open"


def test_the_database_refuses_a_fourth_star_and_a_group_of_another_community(street, contest):
    from django.db import IntegrityError, connection, transaction

    entry = StarEntry.objects.create(
        community=street["mine"][0],
        contest=contest,
        building_group=street["mine"][0].building_groups.first(),
        kind="study",
        plan="x",
        photo="x.jpg",
        entered_by=UserFactory(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StarEntry.objects.filter(pk=entry.pk).update(stars=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        StarEntry.objects.filter(pk=entry.pk).update(
            building_group=street["mine"][1].building_groups.first()
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_subdistrict_user_of_another_subdistrict_finds_no_contest(street, contest):
    client = subdistrict_client(street["weifang"], SubDistrictRole.Role.ADMIN)
    detail = reverse("subdistrict:contest_detail", args=[contest.pk])
    assert client.get(detail).status_code == 404
    publish = reverse("subdistrict:contest_publish", args=[contest.pk])
    assert client.post(publish, {"days": "7"}).status_code == 404


def test_community_staff_get_403_on_the_subdistricts_contest_pages(street, contest, shanxin_admin):
    assert shanxin_admin.get(CONTESTS).status_code == 403
    detail = reverse("subdistrict:contest_detail", args=[contest.pk])
    assert shanxin_admin.get(detail).status_code == 403
    assert shanxin_admin.get(reverse("subdistrict:star_groups")).status_code == 200


def test_the_year_is_checked_as_a_number_of_this_century(jd_client):
    for year in ("10000", "２０２６x", "NaN"):
        response = jd_client.post(
            CONTESTS, {"year": year, "title": "x", "kinds": ["study"], "criteria": "x"}
        )
        assert response.status_code == 400
    assert not StarContest.objects.exists()
