"""What the counter's page tests share: the addresses, the form, reading the page, and a
snapshot of everything a refusal must leave as it was."""

import re
import uuid

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from points.models import Account, LedgerEntry
from redemption import services
from redemption.models import Redemption, RedemptionLine
from tests.factories import (
    StaffMembershipFactory,
)

MEMBER_PHONE = "13912345678"


HOUSEHOLD_PHONE = "13787654321"


def _client(community, role: str) -> Client:
    membership = StaffMembershipFactory(community=community, role=role, user__first_name="顾美娟")
    client = Client()
    client.force_login(membership.user)
    client.user = membership.user
    return client


def counter_url(**query) -> str:
    url = reverse("redemption:counter")
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def household_url(household) -> str:
    return reverse("redemption:counter_household", args=[household.pk])


def receipt_url(redemption) -> str:
    return reverse("redemption:receipt", args=[redemption.pk])


def cancel_url(redemption) -> str:
    return reverse("redemption:cancel", args=[redemption.pk])


def balance(household) -> int:
    account = Account.objects.filter(household=household).first()
    return account.balance if account else 0


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(items, quantities: dict | None = None, key=None) -> dict:
    data = {"submission_key": str(key or uuid.uuid4())}
    for item in items:
        data[f"qty_{item.pk}"] = ""
    for item, quantity in (quantities or {}).items():
        data[f"qty_{item.pk}"] = str(quantity)
    return data


def snapshot(round_, household):
    """Everything a refused redemption or cancellation must leave as it was."""
    round_.refresh_from_db()
    return (
        round_.spent_yuan,
        round_.receipt_serial,
        list(round_.items.order_by("pk").values_list("taken", flat=True)),
        balance(household),
        Redemption.objects.count(),
        RedemptionLine.objects.count(),
        LedgerEntry.objects.count(),
        list(Redemption.objects.order_by("pk").values_list("cancelled_at", flat=True)),
    )


def redeem(household, quantities: dict, *, by) -> Redemption:
    return services.redeem(
        community=household.community,
        household=household,
        quantities={item.pk: quantity for item, quantity in quantities.items()},
        submission_key=uuid.uuid4(),
        by=by,
    )


def submission_key_in(body: str) -> str:
    return re.search(r'name="submission_key" value="([0-9a-f-]{36})"', body).group(1)
