"""The households an activity served (服务对象): named on the activity's page, listed in the
household's file as help received, and counted as help by the pairing report."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from needs import selectors, services
from needs.models import ActivityServed
from needs.served import add_served
from tests.factories import HouseholdFactory, HouseholdTypeFactory, MemberFactory, UserFactory
from tests.volunteering.factories import ActivityFactory, ProjectFactory
from volunteering.activity_page import activity_sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(community):
    return ActivityFactory(
        project=ProjectFactory(community=community, name="敬老上门"),
        title="重阳节上门探望",
        date=timezone.localdate() - datetime.timedelta(days=10),
    )


@pytest.fixture
def elder(community):
    household = HouseholdFactory(community=community, passbook_number="SX-00077")
    household.types.add(HouseholdTypeFactory(community=community, name="独居老人"))
    MemberFactory(household=household, name="钱桂英")
    return household


def _add(client, activity, household):
    return client.post(reverse("needs:served_add", args=[activity.pk]), {"household": household.pk})


def test_staff_find_an_elder_by_passbook_number_and_name_it_served(staff_client, activity, elder):
    found = staff_client.get(reverse("needs:served_find", args=[activity.pk]), {"q": "sx00077"})
    assert found.status_code == 200 and elder.address in found.content.decode()
    response = _add(staff_client, activity, elder)
    assert response.status_code == 302
    assert response["Location"] == f"{activity.get_absolute_url()}#served"
    link = ActivityServed.objects.get()
    assert (link.activity, link.household, link.community) == (activity, elder, activity.community)
    page = staff_client.get(activity.get_absolute_url()).content.decode()
    assert "服务对象（1 户）" in page and elder.address in page


def test_naming_the_same_household_twice_keeps_one_link(staff_client, activity, elder):
    _add(staff_client, activity, elder)
    again = _add(staff_client, activity, elder)
    assert again.status_code == 302 and ActivityServed.objects.count() == 1


def test_removing_a_household_takes_it_off_the_list(staff_client, activity, elder):
    link, _created = add_served(activity=activity, household=elder, by=UserFactory())
    response = staff_client.post(reverse("needs:served_remove", args=[activity.pk, link.pk]))
    assert response.status_code == 302 and not ActivityServed.objects.exists()


@pytest.mark.parametrize("bad", ["", "abc", "٣", "99999999999999999999", "1\x00"])
def test_a_bad_household_gets_a_message_and_saves_nothing(staff_client, activity, bad):
    response = staff_client.post(
        reverse("needs:served_add", args=[activity.pk]), {"household": bad}
    )
    assert response.status_code == 400 and "请先找到服务的户" in response.content.decode()
    assert not ActivityServed.objects.exists()


def test_another_communitys_household_cannot_be_named(staff_client, activity, other_community):
    theirs = HouseholdFactory(community=other_community)
    assert _add(staff_client, activity, theirs).status_code == 400
    assert not ActivityServed.objects.exists()


def test_another_communitys_staff_get_404_and_change_nothing(other_staff_client, activity, elder):
    link, _created = add_served(activity=activity, household=elder, by=UserFactory())
    assert (
        other_staff_client.get(reverse("needs:served_find", args=[activity.pk])).status_code == 404
    )
    assert _add(other_staff_client, activity, elder).status_code == 404
    remove = reverse("needs:served_remove", args=[activity.pk, link.pk])
    assert other_staff_client.post(remove).status_code == 404
    assert list(ActivityServed.objects.all()) == [link]


def test_the_counter_clerk_is_refused(counter_client, activity, elder):
    link, _created = add_served(activity=activity, household=elder, by=UserFactory())
    assert counter_client.get(reverse("needs:served_find", args=[activity.pk])).status_code == 403
    assert _add(counter_client, activity, elder).status_code == 403
    remove = reverse("needs:served_remove", args=[activity.pk, link.pk])
    assert counter_client.post(remove).status_code == 403
    assert ActivityServed.objects.count() == 1


def test_the_database_refuses_a_link_across_communities(activity, elder, other_community):
    theirs = HouseholdFactory(community=other_community)
    link, _created = add_served(activity=activity, household=elder, by=UserFactory())
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE needs_activityserved SET household_id = %s WHERE id = %s",
            [theirs.pk, link.pk],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        ActivityServed.objects.create(
            community=other_community, activity=activity, household=theirs, added_by=link.added_by
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityServed.objects.create(
            community=activity.community, activity=activity, household=elder, added_by=link.added_by
        )


def test_the_household_file_lists_the_activities_that_served_it(staff_client, activity, elder):
    add_served(activity=activity, household=elder, by=UserFactory())
    file = staff_client.get(reverse("needs:household_file", args=[elder.pk])).content.decode()
    assert "受到帮助" in file and "重阳节上门探望" in file and activity.get_absolute_url() in file
    entries = selectors.household_file(elder)
    assert [(day, kind) for day, kind, _item in entries] == [(activity.date, "served")]


def test_the_pairing_report_counts_an_activity_served_as_help(community, activity, elder):
    today = timezone.localdate()
    since = selectors.months_before(today, 3)
    listed = selectors.unattended(community, since=since)
    assert [(h, h.helped_lately) for h in listed] == [(elder, False)]
    add_served(activity=activity, household=elder, by=UserFactory())
    listed = selectors.unattended(community, since=since)
    # Still unpaired, so still listed, but now helped lately.
    assert [(h, h.helped_lately) for h in listed] == [(elder, True)]
    old = ActivityFactory(project=activity.project, date=today - datetime.timedelta(days=200))
    ActivityServed.objects.all().delete()
    add_served(activity=old, household=elder, by=UserFactory())
    assert [h.helped_lately for h in selectors.unattended(community, since=since)] == [False]


def test_the_report_no_longer_lists_a_paired_elder_an_activity_served(community, activity, elder):
    volunteer = MemberFactory(household=HouseholdFactory(community=community))
    services.pair(
        community=community,
        by=UserFactory(),
        household=elder,
        kind="companion",
        started_on=timezone.localdate(),
        member=volunteer,
    )
    since = selectors.months_before(timezone.localdate(), 3)
    assert list(selectors.unattended(community, since=since)) == [elder]
    add_served(activity=activity, household=elder, by=UserFactory())
    assert list(selectors.unattended(community, since=since)) == []


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_activity_page_spends_one_query_on_its_households_served(
    staff_client, community, activity, monkeypatch
):
    url = activity.get_absolute_url()
    by = UserFactory()
    for _n in range(2):
        add_served(activity=activity, household=HouseholdFactory(community=community), by=by)
    with_two = _queries(staff_client, url)
    for _n in range(8):
        add_served(activity=activity, household=HouseholdFactory(community=community), by=by)
    assert _queries(staff_client, url) == with_two
    monkeypatch.delitem(activity_sections._items, "needs.served")
    without_section = _queries(staff_client, url)
    assert with_two - without_section == 1
