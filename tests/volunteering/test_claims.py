"""Project claims (认领): staff tick residents found by search and claim a project for them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    ProjectClaimFactory,
    ProjectFactory,
    UserFactory,
)
from volunteering.models import ProjectClaim
from volunteering.services.catalogue import claim_project, withdraw_claim

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"volunteering:{name}", args=args)


@pytest.fixture
def project(community):
    return ProjectFactory(community=community, name="夜间巡逻")


def resident(community, **kwargs):
    return MemberFactory(household=HouseholdFactory(community=community), **kwargs)


def test_staff_claim_a_project_for_the_ticked_residents(staff_client, community, project):
    first, second = resident(community, name="郑兴友"), resident(community, name="李秀英")
    response = staff_client.post(
        url("project_claim", project.pk),
        {"members": [first.pk, second.pk], "on": "2025-03-08", "q": "郑"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("project_detail", project.pk)
    claims = ProjectClaim.objects.filter(project=project).order_by("member_id")
    assert [(c.member, c.community, c.claimed_on, c.created_by) for c in claims] == [
        (first, community, datetime.date(2025, 3, 8), staff_client.user),
        (second, community, datetime.date(2025, 3, 8), staff_client.user),
    ]
    page = staff_client.get(response["Location"])
    assert "郑兴友、李秀英 已认领“夜间巡逻”" in page.content.decode()


def test_claiming_again_skips_those_who_already_claimed(staff_client, community, project):
    earlier = ProjectClaimFactory(
        project=project, member=resident(community, name="郑兴友"), claimed_on="2025-01-02"
    )
    newcomer = resident(community, name="李秀英")
    response = staff_client.post(
        url("project_claim", project.pk),
        {"members": [earlier.member_id, newcomer.pk], "on": "2025-03-08"},
        follow=True,
    )
    assert response.status_code == 200
    assert ProjectClaim.objects.filter(project=project).count() == 2
    earlier.refresh_from_db()
    assert earlier.claimed_on == datetime.date(2025, 1, 2)
    body = response.content.decode()
    assert "李秀英 已认领“夜间巡逻”" in body
    assert "郑兴友 此前已认领该项目，未重复登记" in body


def test_a_double_submitted_claim_makes_one_row(staff_client, community, project):
    member = resident(community)
    data = {"members": [member.pk], "on": "2025-03-08"}
    staff_client.post(url("project_claim", project.pk), data)
    staff_client.post(url("project_claim", project.pk), data)
    assert ProjectClaim.objects.filter(project=project, member=member).count() == 1


def test_nothing_ticked_is_refused_with_a_message(staff_client, project):
    response = staff_client.post(url("project_claim", project.pk), {"on": "2025-03-08"})
    assert response.status_code == 400
    assert "请先查找并勾选至少一位居民" in response.content.decode()
    assert not ProjectClaim.objects.exists()


def test_a_refused_claim_shows_the_search_and_ticks_again(staff_client, community, project):
    member = resident(community, name="郑兴友")
    response = staff_client.post(
        url("project_claim", project.pk), {"members": [member.pk], "on": "", "q": "郑兴友"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写日期" in body
    assert f'value="{member.pk}" checked' in body
    # Searching again from the refused page goes back to the project page (GET).
    assert f'method="get" action="{url("project_detail", project.pk)}"' in body
    assert not ProjectClaim.objects.exists()


def test_a_claim_date_in_the_future_is_refused(staff_client, community, project):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = staff_client.post(
        url("project_claim", project.pk),
        {"members": [resident(community).pk], "on": tomorrow.isoformat()},
    )
    assert response.status_code == 400
    assert "日期不能晚于今天" in response.content.decode()
    assert not ProjectClaim.objects.exists()


def test_a_retired_project_cannot_be_claimed(staff_client, community):
    retired = ProjectFactory(community=community, name="旧书回收", is_active=False)
    response = staff_client.post(
        url("project_claim", retired.pk), {"members": [resident(community).pk], "on": "2025-03-08"}
    )
    assert response.status_code == 400
    assert "项目“旧书回收”已停用，不能再认领" in response.content.decode()
    assert not ProjectClaim.objects.exists()


def test_only_current_residents_of_the_community_can_claim(
    staff_client, community, other_community, project
):
    moved = HouseholdFactory(
        community=community, status="moved_out", moved_out_on=datetime.date(2025, 1, 5)
    )
    people = [
        MemberFactory(household=moved),
        resident(community, is_active=False),
        resident(other_community),
    ]
    for person in people:
        response = staff_client.post(
            url("project_claim", project.pk), {"members": [person.pk], "on": "2025-03-08"}
        )
        assert response.status_code == 400
        assert "所选居民不是本居民区的在册居民" in response.content.decode()
    assert not ProjectClaim.objects.exists()


def test_the_service_checks_residents_itself(community, other_community, project):
    outsider = resident(other_community, name="外区居民")
    with pytest.raises(ValidationError, match="外区居民 不是本居民区的在册居民"):
        claim_project(
            project=project,
            members=[resident(community), outsider],
            by=UserFactory(),
            on=datetime.date(2025, 3, 8),
        )
    assert not ProjectClaim.objects.exists()


def test_the_service_returns_who_was_added_and_who_was_skipped(community, project):
    old, new = resident(community), resident(community)
    ProjectClaimFactory(project=project, member=old)
    result = claim_project(
        project=project, members=[old, new], by=UserFactory(), on=datetime.date(2025, 3, 8)
    )
    assert (result.added, result.skipped) == ([new], [old])


def test_the_database_refuses_a_second_claim_of_the_same_project(community, project):
    claim = ProjectClaimFactory(project=project)
    with pytest.raises(IntegrityError):
        ProjectClaimFactory(project=project, member=claim.member)


def test_claiming_rejects_get(staff_client, project):
    assert staff_client.get(url("project_claim", project.pk)).status_code == 405


def test_the_counter_role_cannot_claim(counter_client, community, project):
    response = counter_client.post(
        url("project_claim", project.pk), {"members": [resident(community).pk], "on": "2025-03-08"}
    )
    assert response.status_code == 403
    assert not ProjectClaim.objects.exists()


def test_another_communitys_project_cannot_be_claimed(staff_client, community, other_community):
    foreign = ProjectFactory(community=other_community)
    response = staff_client.post(
        url("project_claim", foreign.pk), {"members": [resident(community).pk], "on": "2025-03-08"}
    )
    assert response.status_code == 404
    assert not ProjectClaim.objects.exists()


# Withdrawing


def test_staff_withdraw_a_claim(staff_client, community, project):
    claim = ProjectClaimFactory(project=project, member=resident(community, name="郑兴友"))
    kept = ProjectClaimFactory(project=project)
    response = staff_client.post(url("claim_withdraw", project.pk, claim.pk), follow=True)
    assert response.status_code == 200
    assert list(ProjectClaim.objects.all()) == [kept]
    assert "已撤销 郑兴友 的认领" in response.content.decode()


def test_withdrawing_twice_says_it_is_already_withdrawn(project):
    claim = ProjectClaimFactory(project=project)
    withdraw_claim(claim=claim)
    with pytest.raises(ValidationError, match="已撤销"):
        withdraw_claim(claim=claim)


def test_withdrawing_rejects_get(staff_client, project):
    claim = ProjectClaimFactory(project=project)
    assert staff_client.get(url("claim_withdraw", project.pk, claim.pk)).status_code == 405
    assert ProjectClaim.objects.filter(pk=claim.pk).exists()


def test_another_communitys_claim_is_404(staff_client, other_community):
    claim = ProjectClaimFactory(project=ProjectFactory(community=other_community))
    assert staff_client.post(url("claim_withdraw", claim.project_id, claim.pk)).status_code == 404
    assert ProjectClaim.objects.filter(pk=claim.pk).exists()


def test_a_claim_must_be_withdrawn_under_its_own_project(staff_client, community, project):
    claim = ProjectClaimFactory(project=ProjectFactory(community=community))
    assert staff_client.post(url("claim_withdraw", project.pk, claim.pk)).status_code == 404
    assert ProjectClaim.objects.filter(pk=claim.pk).exists()
