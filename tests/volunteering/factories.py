import uuid

import factory

from tests.factories import MemberFactory, ProjectFactory, UserFactory
from volunteering.models import Activity, Attendance


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    project = factory.SubFactory(ProjectFactory)
    community = factory.SelfAttribute("project.community")
    title = factory.LazyAttribute(lambda a: a.project.name)
    date = factory.Faker("date_between", start_date="-60d", end_date="-1d")
    hours = 2
    submission_key = factory.LazyFunction(uuid.uuid4)
    created_by = factory.SubFactory(UserFactory)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    activity = factory.SubFactory(ActivityFactory)
    community = factory.SelfAttribute("activity.community")
    member = factory.SubFactory(
        MemberFactory, household__community=factory.SelfAttribute("...community")
    )
    hours = factory.SelfAttribute("activity.hours")
    recorded_by = factory.SelfAttribute("activity.created_by")
