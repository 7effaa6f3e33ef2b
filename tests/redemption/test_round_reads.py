"""'The last closed round' is one named read (RoundQuerySet), for the rewards page and the
round card on the resident's passbook."""

import datetime

import pytest
from django.utils import timezone

from redemption.models import Round
from tests.factories import CommunityFactory
from tests.redemption.factories import RoundFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def settled(community, closes_on: datetime.date, **fields) -> Round:
    return RoundFactory(
        community=community,
        opens_on=closes_on - datetime.timedelta(days=30),
        closes_on=closes_on,
        status=Round.Status.CLOSED,
        opened_at=timezone.now(),
        closed_at=timezone.now(),
        **fields,
    )


def test_the_last_closed_round_is_the_one_that_ended_last_the_newest_of_a_tie(community):
    settled(community, D(2026, 6, 30))
    settled(community, D(2026, 9, 30), name="先建的")
    newest_of_the_tie = settled(community, D(2026, 9, 30), name="后建的")
    RoundFactory(community=community)  # a draft is not settled, whatever its dates
    settled(CommunityFactory(), D(2026, 12, 31))

    rounds = Round.objects.filter(community=community)
    assert rounds.last_closed() == newest_of_the_tie
    assert rounds.open_or_last_closed() == newest_of_the_tie


def test_the_open_round_comes_before_any_settled_one(community):
    settled(community, D(2099, 12, 31))
    running = RoundFactory(community=community, status=Round.Status.OPEN, opened_at=timezone.now())

    rounds = Round.objects.filter(community=community)
    assert rounds.open_or_last_closed() == running
    assert rounds.last_closed().closes_on == D(2099, 12, 31)


def test_without_a_settled_or_open_round_there_is_none(community):
    RoundFactory(community=community)
    rounds = Round.objects.filter(community=community)
    assert rounds.last_closed() is None
    assert rounds.open_or_last_closed() is None
