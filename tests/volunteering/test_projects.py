"""The project menu: the list with the claim rate, the detail page, admins' edits."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    ProjectCategoryFactory,
    ProjectClaimFactory,
    ProjectFactory,
)
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Project, ProjectCategory
from volunteering.selectors import ClaimRate

pytestmark = pytest.mark.django_db
LIST = reverse("volunteering:project_list")


def url(name, *args):
    return reverse(f"volunteering:{name}", args=args)


def party_member(community, *, in_service=False, **kwargs):
    return MemberFactory(
        household=HouseholdFactory(community=community),
        is_party_member=True,
        is_in_service_party_member=in_service,
        **kwargs,
    )


# The list


def test_the_list_groups_projects_by_category_with_claimant_and_activity_counts(
    staff_client, community
):
    safety = ProjectCategoryFactory(community=community, name="义务安保", position=1)
    care = ProjectCategoryFactory(community=community, name="邻里互助", position=2)
    patrol = ProjectFactory(community=community, category=safety, name="夜间巡逻")
    ProjectFactory(community=community, category=care, name="老伙伴结对")
    ProjectClaimFactory.create_batch(2, project=patrol)
    ActivityFactory.create_batch(3, project=patrol)

    response = staff_client.get(LIST)

    assert response.status_code == 200
    categories = response.context["categories"]
    assert [c.name for c in categories] == ["义务安保", "邻里互助"]
    listed = categories[0].active_projects[0]
    assert (listed, listed.claim_count, listed.activity_count) == (patrol, 2, 3)
    body = response.content.decode()
    assert "夜间巡逻" in body and "老伙伴结对" in body
    assert url("project_detail", patrol.pk) in body


def test_the_list_never_shows_another_communitys_projects(staff_client, other_community):
    ProjectFactory(community=other_community, name="外区项目", category__name="外区类别")
    body = staff_client.get(LIST).content.decode()
    assert "外区项目" not in body and "外区类别" not in body


def test_retired_projects_are_listed_apart_and_keep_their_counts(staff_client, community):
    retired = ProjectFactory(community=community, name="旧书回收", is_active=False)
    ProjectClaimFactory(project=retired)
    response = staff_client.get(LIST)
    assert response.context["retired"] == [retired]
    assert response.context["retired"][0].claim_count == 1
    assert response.context["categories"][0].active_projects == []
    assert "已停用" in response.content.decode()


def test_the_claim_rate_counts_current_party_members_holding_a_project_in_use(
    staff_client, community, other_community
):
    in_use = ProjectFactory(community=community)
    retired = ProjectFactory(community=community, is_active=False)
    claimed = [party_member(community) for _ in range(2)]
    claimed_in_service = party_member(community, in_service=True)
    party_member(community, in_service=True)  # claimed nothing
    only_retired = party_member(community)
    for member in [*claimed, claimed_in_service]:
        ProjectClaimFactory(project=in_use, member=member)
    # Two projects claimed still counts once.
    ProjectClaimFactory(project=ProjectFactory(community=community), member=claimed[0])
    ProjectClaimFactory(project=retired, member=only_retired)
    # Not counted at all: non-members of the party, people who left, other communities.
    ProjectClaimFactory(project=in_use)
    ProjectClaimFactory(project=in_use, member=party_member(community, is_active=False))
    moved = HouseholdFactory(
        community=community, status="moved_out", moved_out_on=datetime.date(2025, 1, 5)
    )
    ProjectClaimFactory(project=in_use, member=MemberFactory(household=moved, is_party_member=True))
    party_member(other_community)

    response = staff_client.get(LIST)

    rates = response.context["rates"]
    assert rates["party"] == ClaimRate(claimed=3, total=5)
    assert rates["in_service"] == ClaimRate(claimed=1, total=2)
    body = response.content.decode()
    assert "认领率 <strong>60.0%</strong>（3 / 5 名党员）" in body
    assert "认领率 <strong>50.0%</strong>（1 / 2 名在职党员）" in body


def test_the_claim_rate_reads_like_the_committees_reports():
    rate = ClaimRate(claimed=2638, total=3641)
    assert (rate.percent, rate.claimed_display, rate.total_display) == ("72.5", "2,638", "3,641")
    assert ClaimRate(claimed=0, total=0).percent == ""


def test_without_party_members_the_rate_says_so(staff_client, community):
    body = staff_client.get(LIST).content.decode()
    assert "还没有登记党员" in body


def test_its_query_count_does_not_grow_with_projects_and_claims(
    admin_client_of_community, community
):
    def make(projects, claims_each):
        for _ in range(projects):
            project = ProjectFactory(community=community)
            for _ in range(claims_each):
                ProjectClaimFactory(
                    project=project, member=party_member(community, in_service=True)
                )
            ActivityFactory(project=project)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = admin_client_of_community.get(LIST)
        assert response.status_code == 200
        return len(captured)

    make(2, 1)
    small = queries_for_list()
    make(8, 4)
    ProjectFactory(community=community, is_active=False)
    larger = queries_for_list()
    assert larger == small
    # session, user, memberships, categories, projects, claim rate, category choices
    assert larger <= 8


def test_staff_see_the_menu_without_edit_forms(staff_client, community):
    project = ProjectFactory(community=community)
    response = staff_client.get(LIST)
    body = response.content.decode()
    assert url("project_create") not in body
    assert url("project_edit", project.pk) not in body
    assert response.context["forms"] == {}


def test_admins_see_forms_to_add_categories_and_projects(admin_client_of_community, community):
    project = ProjectFactory(community=community)
    body = admin_client_of_community.get(LIST).content.decode()
    assert url("project_create") in body and url("category_create") in body
    assert url("project_edit", project.pk) in body
    assert url("category_edit", project.category_id) in body


def test_the_counter_role_cannot_see_the_menu(counter_client):
    assert counter_client.get(LIST).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_rejects_post(staff_client):
    assert staff_client.post(LIST).status_code == 405


# Adding and editing (admins)


def test_admin_adds_a_category_then_a_project(admin_client_of_community, community):
    client = admin_client_of_community
    response = client.post(
        url("category_create"), {"category-name": " 义务 安保 ", "category-position": "3"}
    )
    assert response.status_code == 302
    category = ProjectCategory.objects.get(community=community)
    assert (category.name, category.position) == ("义务 安保", 3)

    response = client.post(
        url("project_create"),
        {
            "project-category": category.pk,
            "project-name": "夜间巡逻",
            "project-description": "每周二、四晚 7 点",
            "project-default_hours": "1.5",
        },
    )
    project = Project.objects.get(community=community)
    assert response.status_code == 302
    assert response["Location"] == url("project_detail", project.pk)
    assert (project.category, project.name, project.default_hours) == (
        category,
        "夜间巡逻",
        Decimal("1.5"),
    )
    assert project.is_active


@pytest.mark.parametrize("hours", ["0", "-1", "24.5", "30"])
def test_default_hours_must_be_more_than_0_and_at_most_24(
    admin_client_of_community, community, hours
):
    category = ProjectCategoryFactory(community=community)
    response = admin_client_of_community.post(
        url("project_create"),
        {
            "project-category": category.pk,
            "project-name": "夜间巡逻",
            "project-default_hours": hours,
        },
    )
    assert response.status_code == 400
    assert "默认时长应大于 0 小时，且不超过 24 小时" in response.content.decode()
    assert not Project.objects.exists()


def test_a_duplicate_project_name_is_refused_with_a_message(admin_client_of_community, community):
    existing = ProjectFactory(community=community, name="夜间巡逻")
    response = admin_client_of_community.post(
        url("project_create"),
        {
            "project-category": existing.category_id,
            "project-name": "夜间巡逻",
            "project-default_hours": "2",
        },
    )
    assert response.status_code == 400
    assert "本居民区已有“夜间巡逻”" in response.content.decode()
    assert Project.objects.count() == 1


def test_a_duplicate_category_name_is_refused_but_fine_in_another_community(
    admin_client_of_community, community, other_community
):
    ProjectCategoryFactory(community=community, name="邻里互助")
    ProjectCategoryFactory(community=other_community, name="教育推广")
    refused = admin_client_of_community.post(
        url("category_create"), {"category-name": "邻里互助", "category-position": "0"}
    )
    assert refused.status_code == 400
    assert "本居民区已有“邻里互助”" in refused.content.decode()
    accepted = admin_client_of_community.post(
        url("category_create"), {"category-name": "教育推广", "category-position": "0"}
    )
    assert accepted.status_code == 302
    assert ProjectCategory.objects.filter(community=community).count() == 2


def test_a_project_cannot_go_into_another_communitys_category(
    admin_client_of_community, other_community
):
    foreign = ProjectCategoryFactory(community=other_community)
    response = admin_client_of_community.post(
        url("project_create"),
        {"project-category": foreign.pk, "project-name": "巡逻", "project-default_hours": "2"},
    )
    assert response.status_code == 400
    assert "所选类别不属于本居民区" in response.content.decode()
    assert not Project.objects.exists()


def test_a_project_needs_a_category_and_a_name(admin_client_of_community, community):
    ProjectCategoryFactory(community=community)
    response = admin_client_of_community.post(url("project_create"), {"project-default_hours": "2"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请选择类别" in body and "请填写项目名称" in body
    assert not Project.objects.exists()


def test_admin_edits_a_project(admin_client_of_community, community):
    project = ProjectFactory(community=community, name="巡逻")
    other_category = ProjectCategoryFactory(community=community, name="平安守护")
    page = admin_client_of_community.get(url("project_edit", project.pk))
    assert page.status_code == 200
    response = admin_client_of_community.post(
        url("project_edit", project.pk),
        {
            "category": other_category.pk,
            "name": "夜间巡逻",
            "description": "两人一组",
            "default_hours": "3",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.category, project.name, project.description, project.default_hours) == (
        other_category,
        "夜间巡逻",
        "两人一组",
        Decimal(3),
    )


def test_an_invalid_edit_is_shown_again_and_saves_nothing(admin_client_of_community, community):
    project = ProjectFactory(community=community, name="巡逻", default_hours=2)
    response = admin_client_of_community.post(
        url("project_edit", project.pk),
        {"category": project.category_id, "name": "巡逻", "default_hours": "48"},
    )
    assert response.status_code == 400
    assert "不超过 24 小时" in response.content.decode()
    project.refresh_from_db()
    assert project.default_hours == 2


def test_admin_renames_a_category(admin_client_of_community, community):
    category = ProjectCategoryFactory(community=community, name="安保")
    assert admin_client_of_community.get(url("category_edit", category.pk)).status_code == 200
    response = admin_client_of_community.post(
        url("category_edit", category.pk), {"name": "义务安保", "position": "2"}
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.position) == ("义务安保", 2)


def test_an_empty_category_name_is_refused(admin_client_of_community, community):
    category = ProjectCategoryFactory(community=community, name="安保")
    response = admin_client_of_community.post(
        url("category_edit", category.pk), {"name": " ", "position": "0"}
    )
    assert response.status_code == 400
    assert "请填写类别名称" in response.content.decode()
    category.refresh_from_db()
    assert category.name == "安保"


def test_admin_retires_a_project_and_brings_it_back_keeping_its_claims(
    admin_client_of_community, community
):
    project = ProjectFactory(community=community)
    claim = ProjectClaimFactory(project=project)
    response = admin_client_of_community.post(url("project_retire", project.pk))
    assert response.status_code == 302
    project.refresh_from_db()
    assert not project.is_active
    assert project.claims.get() == claim

    admin_client_of_community.post(url("project_reactivate", project.pk))
    project.refresh_from_db()
    assert project.is_active


def test_staff_cannot_change_the_menu(staff_client, community):
    project = ProjectFactory(community=community, name="巡逻")
    category = project.category
    forbidden = [
        staff_client.post(url("category_create"), {"category-name": "新类别"}),
        staff_client.post(
            url("project_create"),
            {"project-category": category.pk, "project-name": "新", "project-default_hours": "2"},
        ),
        staff_client.get(url("project_edit", project.pk)),
        staff_client.post(
            url("project_edit", project.pk),
            {"category": category.pk, "name": "改名", "default_hours": "2"},
        ),
        staff_client.get(url("category_edit", category.pk)),
        staff_client.post(url("category_edit", category.pk), {"name": "改名"}),
        staff_client.post(url("project_retire", project.pk)),
        staff_client.post(url("project_reactivate", project.pk)),
    ]
    assert [r.status_code for r in forbidden] == [403] * len(forbidden)
    project.refresh_from_db()
    category.refresh_from_db()
    assert (project.name, project.is_active, category.name) == ("巡逻", True, category.name)
    assert Project.objects.count() == 1 and ProjectCategory.objects.count() == 1


@pytest.mark.parametrize(
    "name", ["category_create", "project_create", "project_retire", "project_reactivate"]
)
def test_menu_writes_reject_get(admin_client_of_community, community, name):
    project = ProjectFactory(community=community)
    args = [project.pk] if name.startswith("project_r") else []
    assert admin_client_of_community.get(url(name, *args)).status_code == 405
    project.refresh_from_db()
    assert project.is_active


def test_another_communitys_project_and_category_are_404(
    admin_client_of_community, other_community
):
    client = admin_client_of_community
    project = ProjectFactory(community=other_community, name="外区项目")
    category = project.category
    assert client.get(url("project_detail", project.pk)).status_code == 404
    assert client.get(url("project_edit", project.pk)).status_code == 404
    edit = {"category": category.pk, "name": "改名", "default_hours": "2"}
    assert client.post(url("project_edit", project.pk), edit).status_code == 404
    assert client.post(url("project_retire", project.pk)).status_code == 404
    assert client.post(url("project_reactivate", project.pk)).status_code == 404
    assert client.get(url("category_edit", category.pk)).status_code == 404
    assert client.post(url("category_edit", category.pk), {"name": "改名"}).status_code == 404
    project.refresh_from_db()
    category.refresh_from_db()
    assert (project.name, project.is_active) == ("外区项目", True)
    assert category.name != "改名"


# The detail page


def test_the_detail_shows_the_project_its_claimants_and_recent_activities(staff_client, community):
    project = ProjectFactory(
        community=community, name="夜间巡逻", description="两人一组，每周二、四晚"
    )
    household = HouseholdFactory(community=community, building="5", room="302")
    member = MemberFactory(
        household=household, name="郑兴友", is_party_member=True, is_in_service_party_member=True
    )
    ProjectClaimFactory(project=project, member=member, claimed_on=datetime.date(2025, 3, 8))
    activity = ActivityFactory(project=project, title="三月夜巡", date=datetime.date(2025, 3, 18))
    AttendanceFactory(activity=activity)
    ActivityFactory(project=ProjectFactory(community=community), title="别的项目的活动")

    response = staff_client.get(url("project_detail", project.pk))

    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "两人一组，每周二、四晚",
        "郑兴友",
        "5-302",
        "在职党员",
        "2025年3月8日",
        "三月夜巡",
    ):
        assert text in body
    assert url("activity_detail", activity.pk) in body
    assert "别的项目的活动" not in body
    assert response.context["activity_total"] == 1
    assert response.context["activities"][0].participant_count == 1


def test_the_detail_finds_residents_to_claim_and_marks_who_already_claimed(
    staff_client, community, other_community
):
    project = ProjectFactory(community=community)
    claimed = MemberFactory(household__community=community, name="郑兴友")
    free = MemberFactory(household__community=community, name="郑小红")
    MemberFactory(household__community=other_community, name="郑外区")
    ProjectClaimFactory(project=project, member=claimed)

    response = staff_client.get(url("project_detail", project.pk), {"q": "郑"})

    assert set(response.context["found"]) == {claimed, free}
    body = response.content.decode()
    assert f'name="members" value="{free.pk}"' in body
    assert f'name="members" value="{claimed.pk}"' not in body
    assert "郑外区" not in body


def test_search_as_you_type_returns_only_the_picker(staff_client, community):
    project = ProjectFactory(community=community)
    MemberFactory(household__community=community, name="郑兴友")
    response = staff_client.get(
        url("project_detail", project.pk),
        {"q": "zxy"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="picker",
    )
    body = response.content.decode()
    assert "郑兴友" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_a_retired_project_offers_no_claim_form(staff_client, community):
    project = ProjectFactory(community=community, is_active=False)
    body = staff_client.get(url("project_detail", project.pk)).content.decode()
    assert url("project_claim", project.pk) not in body
    assert "已停用" in body
