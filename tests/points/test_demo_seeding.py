"""Seeding the points demo (points.demo) into a database that has the register and the
volunteering data but no points yet. What one whole seeding leaves behind is read in
test_demo.py."""

from io import StringIO

import pytest
from django.core.management import call_command

from points.models import LedgerEntry, PointRule
from residents import demo as residents_demo
from volunteering import demo as volunteering_demo
from volunteering.models import Attendance

HOUSEHOLDS = 60


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", households=HOUSEHOLDS, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_database_seeded_before_points_existed_gains_its_points_data():
    report = residents_demo.seed_demo(households=HOUSEHOLDS)
    volunteering_demo.seed_demo(
        communities={s.community.slug: s.community for s in report.communities}
    )
    assert not PointRule.objects.exists()
    assert not Attendance.objects.filter(status=Attendance.Status.APPROVED).exists()

    output = seed()

    assert output.count("已有志愿服务数据，未改动") == 2
    assert "积分：" in output
    assert "齐河第三居民区：积分规则 2 条" in output
    assert PointRule.objects.count() == 8
    assert Attendance.objects.filter(status=Attendance.Status.APPROVED).exists()
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EARN).exists()
