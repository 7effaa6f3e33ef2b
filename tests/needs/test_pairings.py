"""Pairings (结对) and the report of the lonely, elderly-only and hardship households that
nobody is looking after: no pairing, or no visit and no help for months."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from needs import selectors, services
from needs.models import Pairing
from tests.factories import HouseholdFactory, HouseholdTypeFactory, MemberFactory, UserFactory
from tests.needs.factories import NeedFactory, PartnerUnitFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alone(community):
    return HouseholdTypeFactory(community=community, name="独居老人")


@pytest.fixture
def volunteer(community):
    return MemberFactory(
        household=HouseholdFactory(community=community), name="小王", is_party_member=True
    )


def _elder(community, kind):
    household = HouseholdFactory(community=community)
    household.types.add(kind)
    return household


def test_staff_pair_a_volunteer_with_an_elder_and_see_its_visits_and_help(
    staff_client, community, alone, volunteer
):
    elder = _elder(community, alone)
    response = staff_client.post(
        reverse("needs:pairing_new"),
        {
            "household": elder.pk,
            "kind": "companion",
            "member": volunteer.pk,
            "started_on": (timezone.localdate() - datetime.timedelta(days=30)).isoformat(),
        },
    )
    pairing = Pairing.objects.get()
    assert response.status_code == 302 and (pairing.household, pairing.member) == (elder, volunteer)
    VisitFactory(household=elder, findings="陪老人聊天")
    staff = UserFactory()
    need = NeedFactory(household=elder, text="帮忙买药")
    need = services.dispatch(need=need, by=staff, member=volunteer)
    need = services.take(need=need, by=staff)
    services.complete(
        need=need,
        by=staff,
        done_on=timezone.localdate(),
        done_note="买回来了",
        hours=Decimal("1"),
        doers=[],
        project=None,
        submission_key=uuid.uuid4(),
    )
    page = staff_client.get(reverse("needs:pairing_detail", args=[pairing.pk])).content.decode()
    assert "陪老人聊天" in page and "帮忙买药" in page and "小王" in page


def test_a_pairing_has_exactly_one_side(community, volunteer, alone):
    elder = _elder(community, alone)
    unit = PartnerUnitFactory(community=community)
    with pytest.raises(ValidationError, match="只选一个"):
        services.pair(
            community=community,
            by=UserFactory(),
            household=elder,
            kind="companion",
            started_on=timezone.localdate(),
            member=volunteer,
            partner=unit,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(
            community=community,
            household=elder,
            kind="companion",
            started_on=timezone.localdate(),
        )


def test_the_same_pairing_twice_is_refused(community, volunteer, alone):
    elder = _elder(community, alone)
    kwargs = dict(
        community=community,
        by=UserFactory(),
        household=elder,
        kind="companion",
        started_on=timezone.localdate(),
        member=volunteer,
    )
    services.pair(**kwargs)
    with pytest.raises(ValidationError, match="已经结对"):
        services.pair(**kwargs)


def test_the_report_lists_the_unpaired_and_the_unseen_among_priority_households(
    community, alone, volunteer
):
    hardship = HouseholdTypeFactory(community=community, name="困难家庭")
    ordinary = HouseholdTypeFactory(community=community, name="普通家庭")
    today = timezone.localdate()
    staff = UserFactory()

    def paired(household):
        services.pair(
            community=community,
            by=staff,
            household=household,
            kind="companion",
            started_on=today,
            member=volunteer,
        )
        return household

    looked_after = paired(_elder(community, alone))
    VisitFactory(household=looked_after, visited_on=today)
    paired_but_unseen = paired(_elder(community, hardship))
    VisitFactory(household=paired_but_unseen, visited_on=today - datetime.timedelta(days=400))
    unpaired = _elder(community, alone)
    VisitFactory(household=unpaired, visited_on=today)
    _elder(community, ordinary)  # not a priority household
    since = selectors.months_before(today, 3)
    listed = list(selectors.unattended(community, since=since))
    assert set(listed) == {unpaired, paired_but_unseen}
    assert listed[0] == unpaired  # the unpaired first
    assert list(selectors.unattended(community, since=since, unpaired_only=True)) == [unpaired]


def test_the_report_page_takes_a_fixed_number_of_queries(
    staff_client, community, alone, django_assert_max_num_queries
):
    for _n in range(30):
        _elder(community, alone)
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("needs:pairing_report"), {"months": "6"})
    assert response.status_code == 200 and response.content.decode().count("没有结对") >= 25


def test_ending_a_pairing_keeps_it_on_record(staff_client, community, alone, volunteer):
    pairing = services.pair(
        community=community,
        by=UserFactory(),
        household=_elder(community, alone),
        kind="companion",
        started_on=timezone.localdate(),
        member=volunteer,
    )
    staff_client.post(reverse("needs:pairing_end", args=[pairing.pk]))
    pairing.refresh_from_db()
    assert pairing.ended_on == timezone.localdate()
    again = staff_client.post(reverse("needs:pairing_end", args=[pairing.pk]), follow=True)
    assert "已经结束" in again.content.decode()


def test_another_communitys_pairing_is_404(other_staff_client, community, alone, volunteer):
    pairing = services.pair(
        community=community,
        by=UserFactory(),
        household=_elder(community, alone),
        kind="companion",
        started_on=timezone.localdate(),
        member=volunteer,
    )
    assert (
        other_staff_client.get(reverse("needs:pairing_detail", args=[pairing.pk])).status_code
        == 404
    )
    assert (
        other_staff_client.post(reverse("needs:pairing_end", args=[pairing.pk])).status_code == 404
    )
    pairing.refresh_from_db()
    assert pairing.ended_on is None
