"""Another community's rounds and items are not found, whatever the page or method."""

import pytest

from redemption.models import Round, RoundItem
from tests.redemption.factories import (
    RoundItemFactory,
)
from tests.redemption.rounds.pages import url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "method", "with_item"),
    [
        ("round_detail", "get", False),
        ("round_edit", "get", False),
        ("round_edit", "post", False),
        ("round_item_add", "post", False),
        ("round_item_edit", "post", True),
        ("round_item_remove", "post", True),
        ("round_open", "post", False),
        ("round_close", "post", False),
    ],
)
def test_another_communitys_round_is_not_found(other_admin, draft, name, method, with_item):
    item = RoundItemFactory(round=draft)
    args = (draft, item) if with_item else (draft,)
    before = (Round.objects.values().get(pk=draft.pk), list(RoundItem.objects.values()))

    response = getattr(other_admin, method)(url(name, *args), {"confirm": "on", "stock": "1"})

    assert response.status_code == 404
    assert (Round.objects.values().get(pk=draft.pk), list(RoundItem.objects.values())) == before
