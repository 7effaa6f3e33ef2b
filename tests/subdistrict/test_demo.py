"""The demo's sub-district: 石化街道 holds both demo communities, `jd_admin` (password
demo-2026) is printed with the other logins, and this year's contest has entries from both
communities, rated and published."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from residents.demo import DEMO_PASSWORD
from residents.models import Community
from residents.stars import star_awards
from subdistrict.models import StarContest, SubDistrictRole

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def test_jd_admin_is_printed_with_the_other_logins_and_signs_in(seeded_demo):
    line = next(line for line in seeded_demo.splitlines() if "jd_admin" in line)
    assert "石化街道" in line and DEMO_PASSWORD in line
    assert seeded_demo.index("sx_admin") < seeded_demo.index("jd_admin")
    role = SubDistrictRole.objects.get(user__username="jd_admin")
    assert (role.subdistrict.name, role.role) == ("石化街道", "admin")
    client = Client()
    signed_in = client.post(
        reverse("login"), {"username": "jd_admin", "password": DEMO_PASSWORD}, follow=True
    )
    page = signed_in.content.decode()
    assert signed_in.redirect_chain[-1][0] == reverse("subdistrict:rollup")
    assert "山鑫阳光城居民区" in page and "齐河第三居民区" in page


def test_the_contest_went_through_publication_and_is_final_and_its_stars_show():
    contest = StarContest.objects.get()
    assert contest.status == "final" and contest.subdistrict.name == "石化街道"
    assert contest.published_on < contest.ends_on < timezone.localdate(contest.finalized_at)
    [objection] = contest.objections.all()
    assert objection.decision and objection.decided_by == contest.finalized_by
    entered = set(contest.entries.values_list("community__slug", flat=True))
    assert entered == set(Community.objects.values_list("slug", flat=True))
    groups = list(contest.entries.values_list("building_group_id", flat=True))
    stars = star_awards.for_groups(groups)
    assert stars and all(star.year == contest.year for star in stars.values())
