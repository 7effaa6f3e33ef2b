"""Activity list, detail, adding and removing participants, sign-in sheet, history."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Activity, Attendance

pytestmark = pytest.mark.django_db
LIST = reverse("volunteering:activity_list")


def url(name, *args):
    return reverse(f"volunteering:{name}", args=args)


@pytest.fixture
def activity(community):
    return ActivityFactory(project__community=community, title="5号楼组楼道清洁")


# List


def test_the_list_shows_the_communitys_activities_with_counts(
    staff_client, activity, other_community
):
    AttendanceFactory.create_batch(3, activity=activity)
    ActivityFactory(project__community=other_community, title="外区活动")
    response = staff_client.get(LIST)
    body = response.content.decode()
    assert "5号楼组楼道清洁" in body and "外区活动" not in body
    assert response.context["activities"][0].participant_count == 3
    assert response.context["activities"][0].pending_count == 3


def test_the_list_filters_by_project_dates_and_review_status(staff_client, community):
    patrol = ProjectFactory(community=community, name="安全巡逻")
    early = ActivityFactory(project=patrol, date=datetime.date(2026, 3, 1))
    late = ActivityFactory(project__community=community, date=datetime.date(2026, 9, 1))
    AttendanceFactory(activity=early, status="approved")
    AttendanceFactory(activity=late)

    def listed(**params):
        return set(staff_client.get(LIST, params).context["activities"])

    assert listed(project=patrol.pk) == {early}
    assert listed(date_from="2026-06-01") == {late}
    assert listed(date_to="2026-06-01") == {early}
    assert listed(status="pending") == {late}
    assert listed(status="reviewed") == {early}


def test_the_lists_query_count_does_not_grow_with_activities(staff_client, community):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            staff_client.get(LIST)
        return len(captured)

    AttendanceFactory(activity=ActivityFactory(project__community=community))
    few = queries()
    for _ in range(10):
        AttendanceFactory.create_batch(2, activity=ActivityFactory(project__community=community))
    assert queries() == few


# Detail


def test_detail_lists_participants_with_their_review_status(staff_client, activity):
    AttendanceFactory(activity=activity, member__name="郑兴友")
    AttendanceFactory(
        activity=activity, member__name="李秀英", status="rejected", rejection_reason="当天未到场"
    )
    body = staff_client.get(activity.get_absolute_url()).content.decode()
    assert "郑兴友" in body and "李秀英" in body and "当天未到场" in body


@pytest.mark.parametrize("name", ["activity_detail", "activity_participants", "sign_in_sheet"])
def test_another_communitys_activity_is_404(staff_client, other_community, name):
    theirs = ActivityFactory(project__community=other_community)
    assert staff_client.get(url(name, theirs.pk)).status_code == 404


# Adding and removing after saving


def add_data(people, **extra):
    data = {"action": "save", "p": [str(m.pk) for m in people]}
    for member in people:
        data[f"present-{member.pk}"] = "1"
    data.update(extra)
    return data


def test_staff_add_a_forgotten_participant(staff_client, community, activity):
    AttendanceFactory(activity=activity)
    late = MemberFactory(household=HouseholdFactory(community=community))
    response = staff_client.post(url("activity_participants", activity.pk), add_data([late]))
    assert response.status_code == 302
    added = Attendance.objects.get(activity=activity, member=late)
    assert added.status == "pending" and added.hours == activity.hours


def test_adding_someone_already_recorded_is_refused(staff_client, activity):
    existing = AttendanceFactory(activity=activity)
    response = staff_client.post(
        url("activity_participants", activity.pk), add_data([existing.member])
    )
    assert response.status_code == 400
    assert "已在本次活动的名单中" in response.content.decode()
    assert activity.attendances.count() == 1


def test_adding_to_another_communitys_activity_is_404(staff_client, community, other_community):
    theirs = ActivityFactory(project__community=other_community)
    mine = MemberFactory(household=HouseholdFactory(community=community))
    response = staff_client.post(url("activity_participants", theirs.pk), add_data([mine]))
    assert response.status_code == 404
    assert not theirs.attendances.exists()


def test_a_pending_record_can_be_removed(staff_client, activity):
    attendance = AttendanceFactory(activity=activity)
    response = staff_client.post(url("attendance_remove", activity.pk, attendance.pk))
    assert response.status_code == 302
    assert not Attendance.objects.filter(pk=attendance.pk).exists()


def test_a_reviewed_record_cannot_be_removed(staff_client, activity):
    attendance = AttendanceFactory(activity=activity, status="approved")
    response = staff_client.post(url("attendance_remove", activity.pk, attendance.pk), follow=True)
    assert "已审核" in response.content.decode()
    assert Attendance.objects.filter(pk=attendance.pk).exists()


def test_remove_rejects_get_and_another_communitys_record(staff_client, activity, other_community):
    attendance = AttendanceFactory(activity=activity)
    assert staff_client.get(url("attendance_remove", activity.pk, attendance.pk)).status_code == 405
    theirs = AttendanceFactory(activity=ActivityFactory(project__community=other_community))
    assert (
        staff_client.post(url("attendance_remove", theirs.activity_id, theirs.pk)).status_code
        == 404
    )
    # Nor through one's own activity's URL.
    assert staff_client.post(url("attendance_remove", activity.pk, theirs.pk)).status_code == 404
    assert Attendance.objects.filter(pk=theirs.pk).exists()


# Sign-in sheet and household history


def test_the_sign_in_sheet_lists_participants_and_blank_lines(staff_client, activity):
    AttendanceFactory(activity=activity, member__name="郑兴友")
    response = staff_client.get(url("sign_in_sheet", activity.pk))
    body = response.content.decode()
    assert "志愿服务签到表" in body and "郑兴友" in body and "5号楼组楼道清洁" in body
    assert len(response.context["blank_lines"]) == 24


def test_the_household_page_shows_its_members_activities(staff_client, community, activity):
    member = MemberFactory(household=HouseholdFactory(community=community), name="郑兴友")
    AttendanceFactory(activity=activity, member=member)
    response = staff_client.get(
        url("household_history", member.household_id), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "5号楼组楼道清洁" in body and "<html" not in body
    full = staff_client.get(url("household_history", member.household_id))
    assert "<html" in full.content.decode()


def test_another_communitys_household_history_is_404(staff_client, other_community):
    household = HouseholdFactory(community=other_community)
    assert staff_client.get(url("household_history", household.pk)).status_code == 404


# Database guards


def test_a_member_is_recorded_once_per_activity_even_bypassing_the_service(activity):
    attendance = AttendanceFactory(activity=activity)
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceFactory(activity=activity, member=attendance.member)


@pytest.mark.parametrize("hours", [0, -1, 25])
def test_impossible_hours_are_refused_by_the_database(activity, hours):
    attendance = AttendanceFactory(activity=activity)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.filter(pk=attendance.pk).update(hours=hours)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(hours=hours)


def test_a_rejection_needs_a_reason(activity):
    attendance = AttendanceFactory(activity=activity)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.filter(pk=attendance.pk).update(status="rejected")


def test_attendance_cannot_point_at_another_communitys_member(activity, other_community):
    stranger = MemberFactory(household=HouseholdFactory(community=other_community))
    attendance = AttendanceFactory(activity=activity)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE volunteering_attendance SET member_id = %s WHERE id = %s",
            [stranger.pk, attendance.pk],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_one_submission_key_makes_one_activity_per_community(activity):
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(project=activity.project, submission_key=activity.submission_key)


@pytest.mark.parametrize(
    "model", ["projectcategory", "project", "projectclaim", "team", "activity", "attendance"]
)
def test_the_django_admin_lists_every_volunteering_model(admin_client, activity, model):
    AttendanceFactory(activity=activity)
    assert admin_client.get(reverse(f"admin:volunteering_{model}_changelist")).status_code == 200
