"""The party demo tells the seeds' story (seed_demo --households 60, so figures per
household): in-service party members to the register's 710 per 1,530 households, some
reported from elsewhere (报到); ~70% of building-group leaders in service; a year of dues and
meetings in party accounts, and none of it in household passbooks."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.db.models.functions import TruncMonth

from party.models import PartyAccount, PartyEntry, PartyMember, PartySettings, ProjectRole
from points.models import LedgerEntry
from residents.models import BuildingGroup, Community, Household, Member
from volunteering.models import ProjectClaim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


@pytest.fixture
def shanxin():
    return Community.objects.get(slug="shanxin")


def test_the_register_holds_710_in_service_party_members_per_1530_households(shanxin):
    households = Household.objects.filter(community=shanxin).count()
    in_service = Member.objects.filter(community=shanxin, is_in_service_party_member=True)
    assert in_service.current().count() == round(households * 710 / 1530)
    reported = in_service.filter(residence=Member.Residence.NON_RESIDENT)
    assert reported.exists() and not reported.filter(household__isnull=False).exists()
    assert not reported.exclude(employer="").filter(employer="").exists()
    assert PartyMember.objects.filter(member__in=reported, reported_on__isnull=False).count() == (
        reported.count()
    )


def test_about_70_percent_of_building_group_leaders_are_in_service_party_members(shanxin):
    groups = BuildingGroup.objects.filter(community=shanxin, leader__isnull=False)
    share = groups.filter(leader__is_in_service_party_member=True).count() / groups.count()
    assert share >= 0.5  # 24 of 35 (69%) in the full demo; a 60-household one has 2 groups


def test_a_year_of_dues_and_meetings_is_in_party_accounts_and_not_in_passbooks(shanxin):
    dues = PartyEntry.objects.filter(community=shanxin, kind="base", duty="dues")
    months = dues.annotate(month=TruncMonth("occurred_on")).values("month").distinct()
    assert months.count() >= 11
    assert PartyEntry.objects.filter(community=shanxin, duty="meeting").exists()
    assert PartyEntry.objects.filter(community=shanxin, kind="value_added").exists()
    assert not LedgerEntry.objects.filter(stream="base").exists()
    reported_accounts = PartyAccount.objects.filter(
        community=shanxin, member__residence=Member.Residence.NON_RESIDENT
    )
    assert reported_accounts.filter(balance__gt=0).count() >= reported_accounts.count() * 0.9


def test_the_four_posts_and_duties_are_marked_and_reported_members_claim_posts(shanxin):
    roles = ProjectRole.objects.filter(community=shanxin)
    assert set(roles.exclude(post="").values_list("post", flat=True)) == {
        "deliberation",
        "governance",
        "dedication",
        "supervision",
    }
    assert set(roles.exclude(duty="").values_list("duty", flat=True)) == {"dues", "meeting"}
    assert PartySettings.objects.get(community=shanxin).meetings_per_quarter == 1
    # Party members who reported here (报到, a report date on their party profile); partner
    # units' people are non-residents too, and many are party members of their unit's branch.
    reported = Member.objects.filter(
        community=shanxin, residence="non_resident", party_profiles__reported_on__isnull=False
    ).distinct()
    claimed = (
        ProjectClaim.objects.filter(member__in=reported, project__party_roles__post__gt="")
        .values("member")
        .annotate(n=Count("pk"))
        .count()
    )
    assert 0.6 <= claimed / reported.count() <= 0.85
