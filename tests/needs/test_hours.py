"""Service hours per volunteer and period, in half-hour units, on a page and as .xlsx."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from needs.hours import service_hours
from residents.models import ExportRecord
from residents.reporting import Period
from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(community):
    project = ProjectFactory(community=community)
    today = timezone.localdate()
    alice = MemberFactory(household=HouseholdFactory(community=community), name="王秀英")
    bob = MemberFactory(household=HouseholdFactory(community=community), name="李建国")

    def attend(member, hours, status, day=today):
        activity = ActivityFactory(project=project, date=day, hours=Decimal(hours))
        reason = "重复登记" if status == Attendance.Status.REJECTED else ""
        AttendanceFactory(
            activity=activity,
            member=member,
            hours=Decimal(hours),
            status=status,
            rejection_reason=reason,
        )

    attend(alice, "1.2", Attendance.Status.APPROVED)  # 1.0
    attend(alice, "0.7", Attendance.Status.APPROVED)  # 0.5
    attend(alice, "2.5", Attendance.Status.PENDING)  # 2.5 waiting
    attend(bob, "3.0", Attendance.Status.APPROVED)
    attend(bob, "4.0", Attendance.Status.REJECTED)  # never counts
    attend(bob, "2.0", Attendance.Status.APPROVED, today - datetime.timedelta(days=400))
    return {"alice": alice, "bob": bob, "today": today}


def _period(today):
    return Period(today.year, (today.month - 1) // 3 + 1)


def test_hours_are_rounded_down_to_half_hours_approved_only_pending_apart(community, served):
    rows = service_hours(community, _period(served["today"]))
    assert [(r.member.name, r.times, str(r.hours), str(r.pending)) for r in rows] == [
        ("李建国", 1, "3.0", "0.0"),
        ("王秀英", 2, "1.5", "2.5"),
    ]


def test_the_page_lists_the_period(staff_client, served):
    page = staff_client.get(reverse("needs:hours_list")).content.decode()
    assert "王秀英" in page and "李建国" in page and "合计 4.5 小时" in page


def test_the_xlsx_export_is_a_real_workbook_and_on_record(staff_client, served):
    period = _period(served["today"])
    response = staff_client.get(
        reverse("needs:hours_export"), {"period": period.param, "format": "xlsx"}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = values.index(
        ["姓名", "居住", "党员", "服务次数", "服务时长（小时）", "待审核时长（小时）"]
    )
    body = values[header + 1 :]
    assert [(r[0], r[3], Decimal(str(r[4]))) for r in body] == [
        ("李建国", 1, Decimal("3")),
        ("王秀英", 2, Decimal("1.5")),
    ]
    record = ExportRecord.objects.get()
    assert (record.what, record.rows, record.parameters) == (
        "service_hours",
        2,
        {"period": period.param},
    )


@pytest.mark.parametrize(
    "params", [{"format": "pdf"}, {"period": "2026Q9", "format": "xlsx"}, {"period": "١٣"}]
)
def test_a_bad_export_request_is_refused_and_not_recorded(staff_client, served, params):
    assert staff_client.get(reverse("needs:hours_export"), params).status_code == 400
    assert not ExportRecord.objects.exists()


def test_the_counter_clerk_is_refused(counter_client):
    assert counter_client.get(reverse("needs:hours_list")).status_code == 403
    assert counter_client.get(reverse("needs:hours_export")).status_code == 403
