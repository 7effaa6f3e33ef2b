"""Partner units (共建单位): registered with their people — non-residents (报到) or residents —
who take needs and whose quarter prints as one statement."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from needs import partners, services
from needs.models import PartnerPerson, PartnerUnit
from residents.models import Member
from residents.reporting import Period
from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory, UserFactory
from tests.needs.factories import NeedFactory, PartnerUnitFactory

pytestmark = pytest.mark.django_db


def test_staff_register_a_unit_and_its_people(staff_client, community):
    response = staff_client.post(
        reverse("needs:partner_create"),
        {"name": "东方医院党总支", "contact": "赵医生", "commitments": "每月义诊一次"},
    )
    unit = PartnerUnit.objects.get()
    assert response.status_code == 302 and unit.community == community
    add = reverse("needs:partner_add_person", args=[unit.pk])
    assert staff_client.post(add, {"name": "孙海燕", "is_party_member": "on"}).status_code == 302
    newcomer = Member.objects.get(name="孙海燕")
    assert (newcomer.residence, newcomer.household, newcomer.is_party_member) == (
        Member.Residence.NON_RESIDENT,
        None,
        True,
    )
    assert newcomer.employer == "东方医院党总支"
    resident = MemberFactory(household=HouseholdFactory(community=community), name="陈志强")
    assert staff_client.post(add, {"member": resident.pk}).status_code == 302
    again = staff_client.post(add, {"member": resident.pk})
    assert again.status_code == 400 and "已在本单位名单中" in again.content.decode()
    both = staff_client.post(add, {"member": resident.pk, "name": "王五"})
    assert both.status_code == 400 and "二选一" in both.content.decode()
    assert PartnerPerson.objects.filter(unit=unit).count() == 2
    page = staff_client.get(reverse("needs:partner_detail", args=[unit.pk])).content.decode()
    assert "孙海燕" in page and "报到" in page and "陈志强" in page


def test_a_duplicate_unit_name_is_refused_with_a_message(staff_client, community):
    PartnerUnitFactory(community=community, name="区供电公司")
    response = staff_client.post(reverse("needs:partner_create"), {"name": "区供电公司"})
    assert response.status_code == 400 and "同名" in response.content.decode()


def test_another_communitys_unit_is_404(other_staff_client, community):
    unit = PartnerUnitFactory(community=community)
    for name in ("needs:partner_detail", "needs:partner_statement", "needs:partner_edit"):
        assert other_staff_client.get(reverse(name, args=[unit.pk])).status_code == 404
    response = other_staff_client.post(
        reverse("needs:partner_add_person", args=[unit.pk]), {"name": "x"}
    )
    assert response.status_code == 404 and not PartnerPerson.objects.exists()


def test_the_counter_clerk_is_refused(counter_client):
    assert counter_client.get(reverse("needs:partner_list")).status_code == 403


def test_the_quarter_statement_gives_people_hours_and_needs_done(staff_client, community):
    staff = UserFactory()
    unit = PartnerUnitFactory(community=community, name="东方医院党总支")
    doctor = partners.add_person(unit=unit, by=staff, new_person={"name": "周医生"}).member
    project = ProjectFactory(community=community)
    today = timezone.localdate()

    def done(need, doers, people=None):
        need = services.dispatch(need=need, by=staff, partner=unit)
        need = services.take(need=need, by=staff)
        return services.complete(
            need=need,
            by=staff,
            done_on=today,
            done_note="上门量血压",
            hours=Decimal("1.5"),
            doers=doers,
            project=project if doers else None,
            submission_key=uuid.uuid4(),
            people=people,
        )

    done(NeedFactory(household=HouseholdFactory(community=community)), [doctor])
    done(NeedFactory(household=HouseholdFactory(community=community)), [], people=3)
    NeedFactory(household=HouseholdFactory(community=community))  # not the unit's
    quarter = Period(today.year, (today.month - 1) // 3 + 1)
    result = partners.statement(unit, quarter)
    assert len(result.needs) == 2
    assert [(m, str(h), n) for m, h, n in result.people] == [(doctor, "1.5", 1)]
    assert result.hours == Decimal("1.5") and result.unit_hours == Decimal("4.5")
    response = staff_client.get(
        reverse("needs:partner_statement", args=[unit.pk]), {"period": quarter.param}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "周医生" in page and "上门量血压" in page
    last_year = staff_client.get(
        reverse("needs:partner_statement", args=[unit.pk]), {"period": str(today.year - 1)}
    )
    assert "周医生" not in last_year.content.decode()


@pytest.mark.parametrize("period", ["2026Q5", "１٣", "10000", "NaN"])
def test_a_bad_period_gets_a_message_not_an_error(staff_client, community, period):
    unit = PartnerUnitFactory(community=community)
    response = staff_client.get(
        reverse("needs:partner_statement", args=[unit.pk]), {"period": period}
    )
    assert response.status_code == 400


def test_the_unit_list_takes_a_fixed_number_of_queries(
    staff_client, community, django_assert_max_num_queries
):
    for _n in range(10):
        unit = PartnerUnitFactory(community=community)
        PartnerPerson.objects.create(
            community=community,
            unit=unit,
            member=MemberFactory(household=HouseholdFactory(community=community)),
            joined_on=timezone.localdate(),
        )
    with django_assert_max_num_queries(8):
        assert staff_client.get(reverse("needs:partner_list")).status_code == 200
