"""Who made a change: the middleware names the signed-in user of an unsafe request, clears
the setting afterwards (also when the view raises), and costs no query otherwise."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse

from residents.audit import AuditActorMiddleware
from residents.models import AuditEvent, Household
from tests.factories import (
    CompoundFactory,
    HouseholdFactory,
    MemberFactory,
    UserFactory,
)
from tests.residents.audit.trail import current_actor_setting, events_of
from tests.residents.test_household_pages import edit_data

pytestmark = pytest.mark.django_db


def test_a_post_through_a_page_names_the_signed_in_user(staff_client, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household, name="郑兴友")
    url = reverse("residents:household_edit", args=[household.pk])

    response = staff_client.post(url, edit_data(household, [head], notes="子女在外地"))

    assert response.status_code == 302
    update = events_of(household)[-1]
    assert update.new == {"notes": "子女在外地"}
    assert update.actor_id == staff_client.user.pk


def test_changes_after_the_request_are_not_attributed_to_its_user(staff_client, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household)
    url = reverse("residents:household_edit", args=[household.pk])
    staff_client.post(url, edit_data(household, [head], notes="页面修改"))

    Household.objects.filter(pk=household.pk).update(notes="命令修改")

    assert current_actor_setting() == ""
    assert events_of(household)[-1].actor_id is None


def test_a_refused_post_changes_nothing_and_records_nothing(staff_client, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household)
    before = AuditEvent.objects.count()
    url = reverse("residents:household_edit", args=[household.pk])

    response = staff_client.post(url, edit_data(household, [head], phone="123"))

    assert response.status_code == 400
    assert AuditEvent.objects.count() == before


def test_the_actor_is_cleared_when_the_view_raises(community):
    user = UserFactory()
    request = RequestFactory().post("/anything/")
    request.user = user
    seen = []

    def failing_view(request):
        seen.append(current_actor_setting())
        raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError):
        AuditActorMiddleware(failing_view)(request)

    assert seen == [str(user.pk)]
    assert current_actor_setting() == ""


def test_safe_requests_and_anonymous_posts_cost_no_query(django_assert_num_queries):
    middleware = AuditActorMiddleware(lambda request: "response")
    get = RequestFactory().get("/")
    get.user = UserFactory()
    anonymous_post = RequestFactory().post("/login/")
    anonymous_post.user = AnonymousUser()

    with django_assert_num_queries(0):
        assert middleware(get) == "response"
        assert middleware(anonymous_post) == "response"


def test_changes_in_the_django_admin_are_attributed(community):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    compound = CompoundFactory(community=community, name="阳光苑")

    response = client.post(
        reverse("admin:residents_compound_change", args=[compound.pk]),
        {"name": "阳光新苑", "community": community.pk},
    )

    assert response.status_code == 302
    compound.refresh_from_db()
    assert compound.name == "阳光新苑"
    assert events_of(compound)[-1].actor_id == root.pk
