"""Issue 17, item 13: `HEAD /` (uptime checks, link previews) answers like GET — a redirect
to the login or to the user's landing page — never 405."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_head_on_the_root_redirects_a_visitor_to_the_login(client):
    response = client.head("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_head_on_the_root_redirects_staff_to_their_landing_page(staff_client):
    response = staff_client.head("/")
    assert response.status_code == 302
    assert response["Location"] == staff_client.get("/")["Location"]


def test_the_root_still_refuses_post(staff_client):
    assert staff_client.post("/").status_code == 405
