"""The roster import pages: upload → preview → confirm (streamed), discard, the problem
list and the template downloads."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from residents import importing
from residents.models import AuditEvent, Household, ImportUpload, Member
from tests.residents.importing.roster import csv_file, make_register, person, spouse, xlsx_file

pytestmark = pytest.mark.django_db
START = reverse("residents:import_start")


@pytest.fixture
def register(community):
    return make_register(community)


def preview_url(upload) -> str:
    return reverse("residents:import_preview", args=[upload.pk])


def confirm_url(upload) -> str:
    return reverse("residents:import_confirm", args=[upload.pk])


def discard_url(upload) -> str:
    return reverse("residents:import_discard", args=[upload.pk])


def problems_url(upload) -> str:
    return reverse("residents:import_problems", args=[upload.pk])


def template_url(file_format: str) -> str:
    return reverse("residents:import_template", args=[file_format])


def stored(community, user, content: bytes, name: str = "名册.xlsx") -> ImportUpload:
    return ImportUpload.objects.create(
        community=community, user=user, file_name=name, content=content
    )


def streamed(response) -> str:
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode()


GOOD = xlsx_file([person(), spouse(), person(室号="402", 姓名="李秀英")])
# Row 3 has a bad phone, row 4 an unknown building group; the 402 household is fine.
WITH_ERRORS = xlsx_file(
    [
        person(),
        spouse(手机="12345"),
        person(室号="402", 姓名="李秀英"),
        person(室号="502", 姓名="王建国", 楼组="99号楼组"),
    ],
    (*importing.TEMPLATE_HEADERS[:6], "姓名", "性别", "出生年份", "与户主关系", "手机", "序号"),
)


# The upload page


def test_staff_see_the_upload_form_and_the_template_links(staff_client, register):
    response = staff_client.get(START)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert template_url("xlsx") in body and template_url("csv") in body


def test_admins_may_import_too(admin_client_of_community, register):
    assert admin_client_of_community.get(START).status_code == 200


def test_the_household_list_links_to_the_import(staff_client):
    assert START in staff_client.get(reverse("residents:household_list")).content.decode()


def test_an_upload_is_kept_and_the_preview_follows(staff_client, community, register):
    response = staff_client.post(START, {"file": SimpleUploadedFile("名册.xlsx", GOOD)})

    upload = ImportUpload.objects.get()
    assert response.status_code == 302
    assert response.url == preview_url(upload)
    assert (upload.community, upload.user, upload.file_name) == (
        community,
        staff_client.user,
        "名册.xlsx",
    )
    assert bytes(upload.content) == GOOD
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("旧名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Excel（.xls）文件"),
        ("名册.pdf", b"%PDF-1.4", "只能导入 .xlsx 或 .csv 文件"),
        ("名册.csv", "名字,年龄\n张三,5\n".encode(), "没有找到表头"),
        ("名册.xlsx", b"PK\x03\x04 damaged", "无法打开这个 Excel 文件"),
        ("大.csv", b"x" * (5 * 1024 * 1024 + 1), "文件太大（5.0 MB），最多 5 MB"),
    ],
)
def test_a_bad_upload_is_refused_with_400_and_nothing_kept(
    staff_client, register, name, content, message
):
    response = staff_client.post(START, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_an_upload_without_a_file_is_refused(staff_client):
    response = staff_client.post(START, {})
    assert response.status_code == 400
    assert "请选择要导入的文件" in response.content.decode()


def test_uploads_abandoned_for_a_day_are_removed_with_the_next_upload(
    staff_client, community, register
):
    old = stored(community, staff_client.user, GOOD)
    ImportUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    staff_client.post(START, {"file": SimpleUploadedFile("名册.xlsx", GOOD)})
    assert not ImportUpload.objects.filter(pk=old.pk).exists()
    assert ImportUpload.objects.count() == 1


# The preview


def test_the_preview_lists_every_problem_by_row_and_column_and_saves_nothing(
    staff_client, community, register
):
    upload = stored(community, staff_client.user, WITH_ERRORS)
    response = staff_client.get(preview_url(upload))

    assert response.status_code == 200
    body = response.content.decode()
    rows = [(p.row, p.column) for p in response.context["check"].errors]
    assert rows == [(3, "手机"), (5, "楼组")]
    assert "第 3 行" in body and "手机号应为 11 位" in body
    assert "第 5 行" in body and "本居民区没有楼组“99号楼组”" in body
    assert "本居民区没有的名称" in body  # the names, listed once at the top
    assert "序号" in body and "未识别，不导入" in body  # the column it ignores
    assert 'name="only_good_rows"' in body  # the explicit choice
    assert not Household.objects.exists() and not Member.objects.exists()


def test_a_clean_preview_says_what_the_import_will_do(staff_client, community, register):
    upload = stored(community, staff_client.user, GOOD)
    response = staff_client.get(preview_url(upload))

    body = response.content.decode()
    check = response.context["check"]
    assert (check.households_new, check.members_new) == (2, 3)
    assert "3 行全部核对无误" in body
    assert "确认导入" in body and 'name="only_good_rows"' not in body


def test_the_preview_checks_again_against_the_register_as_it_is_now(
    admin_client_of_community, community, register
):
    upload = stored(community, admin_client_of_community.user, WITH_ERRORS)
    first = admin_client_of_community.get(preview_url(upload)).context["check"]
    assert first.unknown_building_groups == [("99号楼组", 1)]

    admin_client_of_community.post(
        reverse("residents:setting_create", args=["building-group"]),
        {"building-group-name": "99号楼组", "building-group-compound": register.first.pk},
    )
    again = admin_client_of_community.get(preview_url(upload)).context["check"]
    assert again.unknown_building_groups == []
    assert [(p.row, p.column) for p in again.errors] == [(3, "手机")]


def test_a_file_the_checker_cannot_read_shows_why_on_the_preview(staff_client, community, register):
    content = csv_file([person()], ("姓名", "楼号", "室号"))
    upload = stored(community, staff_client.user, content, name="名册.csv")
    response = staff_client.get(preview_url(upload))
    assert response.status_code == 200
    assert "表头缺少“小区”列" in response.content.decode()


def test_the_preview_does_not_query_more_for_a_bigger_file(staff_client, community, register):
    def queries_for(count: int, building: str) -> int:
        people = [
            person(楼号=building, 室号=str(100 + n // 2), 姓名=f"居民{n:03d}", 与户主关系="")
            for n in range(count)
        ]
        for row in people:
            row["姓名"] = row["姓名"].translate(str.maketrans("0123456789", "〇一二三四五六七八九"))
        content = csv_file(people)
        # Already imported once, so that the preview matches existing households too.
        importing.import_roster(community=community, content=content, file_name="a.csv")
        upload = stored(community, staff_client.user, content, name="a.csv")
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(preview_url(upload)).status_code == 200
        return len(captured.captured_queries)

    assert queries_for(10, "7") == queries_for(300, "8")


def test_the_problem_list_downloads_as_csv(staff_client, community, register):
    upload = stored(community, staff_client.user, WITH_ERRORS)
    response = staff_client.get(problems_url(upload))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["行号", "列", "类别", "问题"]
    assert rows[1][:3] == ["3", "手机", "错误"] and "11 位" in rows[1][3]
    assert rows[2][:3] == ["5", "楼组", "错误"]


# Confirming


def test_confirming_imports_everything_and_streams_progress_then_the_result(
    staff_client, community, register
):
    upload = stored(community, staff_client.user, GOOD)
    staff_client.get(preview_url(upload))
    response = staff_client.post(confirm_url(upload))

    assert response["X-Accel-Buffering"] == "no"
    body = streamed(response)
    assert body.index("import-progress__step") < body.index("导入完成")
    assert "写入：3 / 3 行" in body
    assert "户" in body and body.rstrip().endswith("</html>")
    assert Household.objects.filter(community=community).count() == 2
    assert Member.objects.filter(community=community).count() == 3
    assert not ImportUpload.objects.exists()  # used up, in the same transaction
    # The audit trail names who imported, although the rows were written after the view.
    created = AuditEvent.objects.filter(table="residents_household", action="insert")
    assert set(created.values_list("actor_id", flat=True)) == {staff_client.user.pk}


def test_with_errors_confirming_needs_the_explicit_choice(staff_client, community, register):
    upload = stored(community, staff_client.user, WITH_ERRORS)
    staff_client.get(preview_url(upload))

    refused = staff_client.post(confirm_url(upload))
    assert refused.status_code == 400
    assert "请改正后重新上传，或勾选" in refused.content.decode()
    assert not Household.objects.exists()
    assert ImportUpload.objects.filter(pk=upload.pk).exists()

    body = streamed(staff_client.post(confirm_url(upload), {"only_good_rows": "on"}))
    assert "已跳过" in body
    assert list(Household.objects.values_list("room", flat=True)) == ["402"]


def test_confirming_a_file_with_unseen_errors_saves_nothing(staff_client, community, register):
    upload = stored(community, staff_client.user, WITH_ERRORS)  # no preview in this session
    body = streamed(staff_client.post(confirm_url(upload)))

    assert "文件里有 2 处错误，没有导入任何内容" in body
    assert not Household.objects.exists() and not Member.objects.exists()
    assert ImportUpload.objects.filter(pk=upload.pk).exists()


def test_sending_the_confirmation_again_imports_nothing_twice(staff_client, community, register):
    upload = stored(community, staff_client.user, GOOD)
    streamed(staff_client.post(confirm_url(upload)))

    again = staff_client.post(confirm_url(upload))
    assert again.status_code == 404
    assert "找不到这个导入文件" in again.content.decode()
    assert Household.objects.count() == 2 and Member.objects.count() == 3


def test_discarding_removes_the_upload_and_saves_nothing(staff_client, community, register):
    upload = stored(community, staff_client.user, GOOD)
    response = staff_client.post(discard_url(upload), follow=True)

    assert response.redirect_chain == [(START, 302)]
    assert "已放弃导入“名册.xlsx”" in response.content.decode()
    assert not ImportUpload.objects.exists() and not Household.objects.exists()


# The template files


def test_the_templates_download_as_excel_and_csv(staff_client, register):
    response = staff_client.get(template_url("xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert next(sheet.iter_rows(values_only=True)) == importing.TEMPLATE_HEADERS

    response = staff_client.get(template_url("csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8-sig").startswith("小区,楼号,单元,室号")

    assert staff_client.get(template_url("pdf")).status_code == 404


# Who may, and what


def test_counter_clerks_may_not_import(counter_client, community, register):
    upload = stored(community, counter_client.user, GOOD)
    assert counter_client.get(START).status_code == 403
    posted = counter_client.post(START, {"file": SimpleUploadedFile("名册.xlsx", GOOD)})
    assert posted.status_code == 403
    assert counter_client.get(template_url("xlsx")).status_code == 403
    assert counter_client.get(preview_url(upload)).status_code == 403
    assert counter_client.get(problems_url(upload)).status_code == 403
    assert counter_client.post(confirm_url(upload)).status_code == 403
    assert counter_client.post(discard_url(upload)).status_code == 403
    assert ImportUpload.objects.count() == 1
    assert not Household.objects.exists()


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(START)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_another_communitys_upload_is_not_found(other_staff_client, community, register):
    upload = stored(community, other_staff_client.user, GOOD)  # uploaded in 山鑫阳光城
    assert other_staff_client.get(preview_url(upload)).status_code == 404
    assert other_staff_client.get(problems_url(upload)).status_code == 404
    assert other_staff_client.post(confirm_url(upload)).status_code == 404
    assert other_staff_client.post(discard_url(upload)).status_code == 404
    assert ImportUpload.objects.filter(pk=upload.pk).exists()
    assert not Household.objects.exists()


def test_wrong_methods_are_refused(staff_client, community, register):
    upload = stored(community, staff_client.user, GOOD)
    assert staff_client.put(START).status_code == 405
    assert staff_client.post(template_url("xlsx")).status_code == 405
    assert staff_client.post(preview_url(upload)).status_code == 405
    assert staff_client.post(problems_url(upload)).status_code == 405
    assert staff_client.get(confirm_url(upload)).status_code == 405
    assert staff_client.get(discard_url(upload)).status_code == 405
    assert ImportUpload.objects.filter(pk=upload.pk).exists()
    assert not Household.objects.exists()
