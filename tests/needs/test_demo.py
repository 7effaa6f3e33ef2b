"""The needs demo (needs.demo), read from one whole `seed_demo --households 60`."""

import datetime

import pytest
from django.db.models import Count
from django.utils import timezone

from needs.models import ActivityServed, Need, Pairing, PartnerPerson, PartnerUnit, Visit
from points import demo as points_demo
from residents.models import Household
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_seeds_story(seeded_demo):
    assert "走访" in seeded_demo and "共建单位 7 个" in seeded_demo
    households = Household.objects.active().count()
    visits = Visit.objects.count()
    assert 2.4 <= visits / households <= 3.2  # about three a household in a year
    states = dict(Need.objects.values_list("state").annotate(n=Count("pk")))
    assert set(states) == set(Need.State.values)  # every state
    sources = set(Need.objects.values_list("source", flat=True))
    assert sources == set(Need.Source.values)
    assert PartnerUnit.objects.values("community").annotate(n=Count("pk")).filter(n=7).count() == 2
    assert PartnerPerson.objects.filter(member__household__isnull=True).count() == 42
    assert Pairing.objects.filter(kind="companion").exists()
    assert Pairing.objects.filter(kind="hardship").exists()
    # A handful of activities name the lonely elders they served.
    served_links = ActivityServed.objects.all()
    assert 2 <= served_links.values("activity").distinct().count() <= 12
    assert not served_links.exclude(household__types__name="独居老人").exists()
    done_with_people = Need.objects.filter(state__in=Need.FINISHED_STATES, activity__isnull=False)
    served = Attendance.objects.filter(activity__in=done_with_people.values("activity"))
    assert served.exists()  # the doers' hours went through the review like any other
    cutoff = timezone.localdate() - datetime.timedelta(days=points_demo.REVIEW_LAG_DAYS)
    assert not served.filter(activity__date__lte=cutoff, status="pending").exists()
