import contextlib
import datetime
from unittest import mock

import factory
from django.utils import timezone

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


@contextlib.contextmanager
def posting_on(day: datetime.date, hour: int = 10):
    """Entries written inside are posted on `day` (their `created_at`, which the ledger
    never lets anyone change afterwards), at `hour` o'clock in the site's time zone."""
    moment = datetime.datetime.combine(day, datetime.time(hour), timezone.get_current_timezone())
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment
