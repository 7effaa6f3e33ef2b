import datetime

import factory

from points.models import PointRule
from tests.factories import CommunityFactory, UserFactory


class PointRuleFactory(factory.django.DjangoModelFactory):
    """The common case: 1 stamp = 1 point, community-wide, from the start of 2026."""

    class Meta:
        model = PointRule

    community = factory.SubFactory(CommunityFactory)
    starts_on = datetime.date(2026, 1, 1)
    points_per_session = 1
    created_by = factory.SubFactory(UserFactory)
