"""Two clicks of the same save arriving together, on real PostgreSQL connections."""

import datetime
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory, UserFactory
from volunteering.models import Activity, Attendance
from volunteering.services.activities import ParticipantRow, add_participants, log_activity

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(count, work):
    barrier = threading.Barrier(count)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # reported, not swallowed: the test asserts on it
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_simultaneous_saves_of_one_form_make_one_activity(community):
    project = ProjectFactory(community=community)
    people = [MemberFactory(household=HouseholdFactory(community=community)) for _ in range(3)]
    user, key = UserFactory(), uuid.uuid4()

    def save():
        return log_activity(
            community=community,
            by=user,
            submission_key=key,
            fields={
                "project": project,
                "title": "巡逻",
                "hours": Decimal(2),
                "date": datetime.date(2026, 11, 1),
            },
            participants=[ParticipantRow(member_id=m.pk) for m in people],
        )

    results = at_once(4, save)
    assert all(isinstance(r, tuple) for r in results), results
    assert sum(created for _activity, created in results) == 1
    assert Activity.objects.count() == 1 and Attendance.objects.count() == 3


def test_two_staff_adding_the_same_person_record_them_once(community):
    project = ProjectFactory(community=community)
    user = UserFactory()
    activity, _ = log_activity(
        community=community,
        by=user,
        submission_key=uuid.uuid4(),
        fields={
            "project": project,
            "title": "巡逻",
            "hours": Decimal(2),
            "date": datetime.date(2026, 11, 1),
        },
        participants=[
            ParticipantRow(
                member_id=MemberFactory(household=HouseholdFactory(community=community)).pk
            )
        ],
    )
    late = MemberFactory(household=HouseholdFactory(community=community))
    results = at_once(
        3,
        lambda: add_participants(
            activity=activity, by=user, participants=[ParticipantRow(member_id=late.pk)]
        ),
    )
    assert sum(isinstance(r, list) for r in results) == 1
    assert Attendance.objects.filter(activity=activity, member=late).count() == 1
