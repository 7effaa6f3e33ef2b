"""What the round page tests share: the addresses, the forms' data and a redemption."""

import datetime
import uuid

from django.urls import reverse
from django.utils import timezone

from redemption import services
from tests.factories import UserFactory

D = datetime.date


LIST = reverse("redemption:round_list")


CREATE = reverse("redemption:round_create")


def url(name, *args):
    return reverse(f"redemption:{name}", args=[getattr(a, "pk", a) for a in args])


def today() -> datetime.date:
    return timezone.localdate()


def round_data(**overrides):
    data = {
        "name": "2026年第四季度",
        "code": "2026Q4",
        "opens_on": "2026-10-01",
        "closes_on": "2026-12-31",
        "budget_yuan": "3000",
        "balance_policy": "carry",
        "balance_cap": "",
        "note": "",
    }
    data.update(overrides)
    return data


def redeem(round_, household, quantities, *, by=None):
    return services.redeem(
        community=round_.community,
        household=household,
        quantities=quantities,
        submission_key=uuid.uuid4(),
        by=by or UserFactory(),
    )


def item_data(**overrides):
    data = {"stock": "30", "per_household_limit": "", "point_price": "12", "cost_yuan": "9.00"}
    data.update(overrides)
    return data


def prefixed(item, data):
    return {f"item-{item.pk}-{key}": value for key, value in data.items()}
