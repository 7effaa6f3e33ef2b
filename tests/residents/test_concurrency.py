"""Two staff saving at the same moment, on real PostgreSQL connections in threads."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from residents import services
from residents.models import Household
from tests.factories import CompoundFactory

pytestmark = pytest.mark.django_db(transaction=True)


def register_at_once(community, compound, rooms):
    barrier = threading.Barrier(len(rooms))
    results = []

    def register(room):
        try:
            barrier.wait()
            household = services.save_household(
                community=community,
                household=None,
                fields={"compound": compound, "building": "5", "unit": "", "room": room},
                types=[],
                members=[{"name": "郑兴友", "relation": "head"}],
            )
            results.append(household.passbook_number)
        except ValidationError as error:
            results.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(room,)) for room in rooms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_simultaneous_registrations_get_distinct_passbook_numbers(community):
    compound = CompoundFactory(community=community)
    results = register_at_once(community, compound, [f"{n}01" for n in range(1, 9)])
    assert sorted(results) == [f"SX-{n:05d}" for n in range(1, 9)]


def test_simultaneous_registrations_of_one_address_keep_one(community):
    compound = CompoundFactory(community=community)
    results = register_at_once(community, compound, ["302"] * 4)
    assert Household.objects.filter(community=community).count() == 1
    assert sum(r.startswith("SX-") for r in results) == 1
    assert sum("已有在册的户" in r for r in results) == 3
