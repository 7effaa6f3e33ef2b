"""The reward catalogue (兑换物品目录): admins add, edit, retire and bring back rewards, with
an optional picture checked by its bytes; staff read the list; pictures are served only to
the reward's own community."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from redemption.forms.catalogue import RewardForm
from redemption.models import Reward
from tests.factories import StaffMembershipFactory
from tests.redemption.factories import RewardFactory, RoundItemFactory

pytestmark = pytest.mark.django_db
LIST = reverse("redemption:reward_list")
CREATE = reverse("redemption:reward_create")

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(name, reward):
    return reverse(f"redemption:{name}", args=[reward.pk])


def form_data(**overrides):
    data = {"name": "洗手液", "unit": "瓶", "point_price": "10", "cost_yuan": "8.50", "note": ""}
    data.update(overrides)
    return data


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


# The list --------------------------------------------------------------------------------


def test_the_list_shows_active_rewards_first_and_retired_ones_greyed(
    admin_client_of_community, community, other_community
):
    RewardFactory(community=community, name="肥皂", point_price=5, is_active=False)
    oil = RewardFactory(community=community, name="食用油", unit="桶", point_price=60)
    soap = RewardFactory(community=community, name="洗手液", point_price=10)
    RoundItemFactory(round__community=community, reward=oil)
    RewardFactory(community=other_community, name="别的居民区的大米")

    response = admin_client_of_community.get(LIST)

    assert response.status_code == 200
    rewards = response.context["rewards"]
    assert [r.name for r in rewards] == ["洗手液", "食用油", "肥皂"]
    assert [r.round_count for r in rewards] == [0, 1, 0]
    body = response.content.decode()
    assert "别的居民区的大米" not in body
    assert 'class="row--inactive"' in body and "已停用" in body
    assert "60 分/桶" in body and "¥8.50" in body
    assert url("reward_edit", soap) in body  # admins get the edit links
    assert "在用 2 件" in body and "已停用 1 件" in body


def test_staff_read_the_list_without_edit_links_and_the_counter_role_is_refused(
    staff_client, counter_client, community
):
    soap = RewardFactory(community=community, name="洗手液")

    response = staff_client.get(LIST)

    assert response.status_code == 200
    body = response.content.decode()
    assert "洗手液" in body
    assert url("reward_edit", soap) not in body and CREATE not in body
    assert counter_client.get(LIST).status_code == 403


def test_an_empty_catalogue_says_how_to_start(admin_client_of_community):
    body = admin_client_of_community.get(LIST).content.decode()
    assert "目录里还没有物品" in body and CREATE in body


def test_the_list_takes_the_same_queries_for_3_or_30_rewards(admin_client_of_community, community):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client_of_community.get(LIST).status_code == 200
        return len(queries)

    RewardFactory.create_batch(3, community=community, unique=True)
    few = count()
    RewardFactory.create_batch(27, community=community, unique=True)
    assert count() == few <= 6


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_list_refuses_post(admin_client_of_community):
    assert admin_client_of_community.post(LIST).status_code == 405


# Adding ----------------------------------------------------------------------------------


def test_admin_adds_a_reward_with_tidied_text(admin_client_of_community, community):
    response = admin_client_of_community.post(
        CREATE,
        form_data(name=" 洗衣液  2 升 ", unit=" 瓶 ", point_price="３０", note=" 品牌不限 "),
    )

    reward = Reward.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}#reward-{reward.pk}"
    assert (reward.community, reward.name, reward.unit, reward.note) == (
        community,
        "洗衣液 2 升",
        "瓶",
        "品牌不限",
    )
    assert (reward.point_price, reward.cost_yuan, reward.is_active) == (30, Decimal("8.50"), True)
    assert not reward.picture


def test_the_new_reward_page_shows_the_form(admin_client_of_community):
    response = admin_client_of_community.get(CREATE)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body and "加入目录" in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "  "}, "请填写物品名称"),
        ({"unit": ""}, "请填写单位"),
        ({"point_price": "0"}, "所需积分至少为 1 分"),
        ({"point_price": "-3"}, "所需积分至少为 1 分"),
        ({"point_price": "2.5"}, "所需积分请填整数"),
        ({"point_price": ""}, "请填写兑换一个单位要扣的积分"),
        ({"cost_yuan": "-1"}, "成本不能小于 0 元"),
        ({"cost_yuan": "8.505"}, "成本最多填到分"),
        ({"cost_yuan": "abc"}, "成本请填数字"),
        ({"cost_yuan": "1000000"}, "成本太大了"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    admin_client_of_community, overrides, message
):
    response = admin_client_of_community.post(CREATE, form_data(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Reward.objects.exists()


def test_a_free_gift_may_cost_nothing(admin_client_of_community):
    response = admin_client_of_community.post(CREATE, form_data(cost_yuan="0"))
    assert response.status_code == 302
    assert Reward.objects.get().cost_yuan == Decimal("0.00")


def test_a_name_already_in_the_catalogue_is_refused_kindly(admin_client_of_community, community):
    RewardFactory(community=community, name="洗手液")
    RewardFactory(community=community, name="肥皂", is_active=False)

    taken = admin_client_of_community.post(CREATE, form_data(name="洗手液"))
    retired = admin_client_of_community.post(CREATE, form_data(name="肥皂"))

    assert taken.status_code == retired.status_code == 400
    assert "目录里已有“洗手液”，请换一个名称" in taken.content.decode()
    assert "目录里已有“肥皂”（已停用），可以在目录中恢复使用它" in retired.content.decode()
    assert Reward.objects.count() == 2


def test_another_community_may_use_the_same_name(admin_client_of_community, other_community):
    RewardFactory(community=other_community, name="洗手液")
    assert admin_client_of_community.post(CREATE, form_data()).status_code == 302
    assert Reward.objects.filter(name="洗手液").count() == 2


def test_a_name_taken_by_another_admin_at_the_same_moment_gets_the_same_message(
    admin_client_of_community, community, monkeypatch
):
    """The form's check passed, then the database's unique constraint refused the row."""
    RewardFactory(community=community, name="洗手液")
    monkeypatch.setattr(RewardForm, "clean_name", lambda form: form.cleaned_data["name"])

    response = admin_client_of_community.post(CREATE, form_data(name="洗手液"))

    assert response.status_code == 400
    assert "目录里已有“洗手液”，请换一个名称" in response.content.decode()
    assert Reward.objects.count() == 1


def test_a_race_lost_with_a_picture_leaves_no_file_behind(
    admin_client_of_community, community, monkeypatch, media
):
    RewardFactory(community=community, name="洗手液")
    monkeypatch.setattr(RewardForm, "clean_name", lambda form: form.cleaned_data["name"])

    response = admin_client_of_community.post(CREATE, {**form_data(), "picture": upload(JPEG)})

    assert response.status_code == 400
    assert stored_files(media) == []


# Pictures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "extension", "content_type"),
    [
        (JPEG, "soap.jpg", "jpg", "image/jpeg"),
        (PNG, "soap.png", "png", "image/png"),
        (WEBP, "soap.webp", "webp", "image/webp"),
        # The bytes decide, not the name: a PNG called .jpg is stored and served as PNG.
        (PNG, "misnamed.jpg", "png", "image/png"),
    ],
)
def test_a_jpeg_png_or_webp_picture_is_stored_under_our_own_name_and_served_with_its_type(
    admin_client_of_community, media, content, name, extension, content_type
):
    response = admin_client_of_community.post(
        CREATE, {**form_data(), "picture": upload(content, name, "application/octet-stream")}
    )

    assert response.status_code == 302
    reward = Reward.objects.get()
    stored = Path(reward.picture.name)
    assert stored.parts[0] == "rewards" and stored.suffix == f".{extension}"
    assert name.split(".")[0] not in stored.name  # nothing of the uploader's file name
    assert (media / reward.picture.name).read_bytes() == content

    served = admin_client_of_community.get(url("reward_picture", reward))
    assert served.status_code == 200
    assert served["Content-Type"] == content_type
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == content


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (GIF, "animated.gif"),
        (b"<script>alert(1)</script>", "evil.jpg"),
        (b"%PDF-1.7 not a picture", "leaflet.png"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 8, "sound.webp"),
    ],
)
def test_anything_else_is_refused_by_its_bytes_whatever_its_name(
    admin_client_of_community, media, content, name
):
    response = admin_client_of_community.post(
        CREATE, {**form_data(), "picture": upload(content, name)}
    )

    assert response.status_code == 400
    assert "只能上传 JPG、PNG 或 WebP 图片" in response.content.decode()
    assert not Reward.objects.exists()
    assert stored_files(media) == []


def test_a_picture_over_2_mb_is_refused(admin_client_of_community, media):
    big = JPEG + b"\x00" * (2 * 1024 * 1024)

    response = admin_client_of_community.post(CREATE, {**form_data(), "picture": upload(big)})

    assert response.status_code == 400
    assert "图片太大" in response.content.decode() and "2 MB" in response.content.decode()
    assert not Reward.objects.exists()
    assert stored_files(media) == []


def test_an_empty_file_is_refused(admin_client_of_community):
    response = admin_client_of_community.post(CREATE, {**form_data(), "picture": upload(b"")})
    assert response.status_code == 400
    assert "上传的文件是空的" in response.content.decode()
    assert not Reward.objects.exists()


def test_a_new_picture_replaces_the_old_file_and_clearing_removes_it(
    admin_client_of_community, community, media, django_capture_on_commit_callbacks
):
    client = admin_client_of_community
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, {**form_data(), "picture": upload(JPEG)})
    reward = Reward.objects.get()
    first = reward.picture.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("reward_edit", reward), {**form_data(), "picture": upload(PNG, "new.png")}
        )
    assert response.status_code == 302
    reward.refresh_from_db()
    assert reward.picture.name.endswith(".png")
    assert stored_files(media) == [media / reward.picture.name]
    assert not (media / first).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("reward_edit", reward), {**form_data(), "picture-clear": "on"})
    assert response.status_code == 302
    reward.refresh_from_db()
    assert not reward.picture
    assert stored_files(media) == []


def test_editing_without_a_new_file_keeps_the_picture(admin_client_of_community, community, media):
    reward = RewardFactory(community=community, name="洗手液")
    reward.picture.save("kept.jpg", ContentFile(JPEG))

    response = admin_client_of_community.post(url("reward_edit", reward), form_data(unit="支"))

    assert response.status_code == 302
    reward.refresh_from_db()
    assert reward.unit == "支" and reward.picture.name.endswith("kept.jpg")
    assert (media / reward.picture.name).exists()


@pytest.fixture
def pictured(community):
    reward = RewardFactory(community=community, name="洗手液")
    reward.picture.save("soap.jpg", ContentFile(JPEG))
    return reward


def test_every_role_of_the_community_sees_a_picture(
    staff_client, counter_client, admin_client_of_community, pictured
):
    for client in (staff_client, counter_client, admin_client_of_community):
        response = client.get(url("reward_picture", pictured))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-cache"


def test_a_picture_not_changed_since_the_last_visit_is_not_sent_again(staff_client, pictured):
    first = staff_client.get(url("reward_picture", pictured))

    again = staff_client.get(url("reward_picture", pictured), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_a_picture_is_not_found_for_another_community_anonymous_or_without_one(
    other_staff_client, staff_client, community, pictured
):
    assert other_staff_client.get(url("reward_picture", pictured)).status_code == 404
    bare = RewardFactory(community=community, name="肥皂")
    assert staff_client.get(url("reward_picture", bare)).status_code == 404
    response = Client().get(url("reward_picture", pictured))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert staff_client.post(url("reward_picture", pictured)).status_code == 405


def test_a_picture_missing_on_disk_or_not_an_image_is_not_served(staff_client, community, media):
    gone = RewardFactory(community=community, name="肥皂", picture="rewards/2026/11/gone.jpg")
    # A file that reached storage some other way (say /admin/) and is not a picture.
    default_storage.save("rewards/2026/11/page.jpg", io.BytesIO(b"<html>hello</html>"))
    sneaky = RewardFactory(community=community, name="洗衣液", picture="rewards/2026/11/page.jpg")

    assert staff_client.get(url("reward_picture", gone)).status_code == 404
    assert staff_client.get(url("reward_picture", sneaky)).status_code == 404


# Editing ---------------------------------------------------------------------------------


def test_admin_edits_a_reward(admin_client_of_community, community):
    reward = RewardFactory(community=community, name="洗手液", point_price=10)
    page = admin_client_of_community.get(url("reward_edit", reward))
    assert page.status_code == 200 and "修改物品：洗手液" in page.content.decode()

    response = admin_client_of_community.post(
        url("reward_edit", reward), form_data(name="洗手液（大瓶）", point_price="15")
    )

    assert response.status_code == 302
    reward.refresh_from_db()
    # Full-width letters, digits and brackets become plain ones, as in the rest of the app.
    assert (reward.name, reward.point_price) == ("洗手液(大瓶)", 15)


def test_an_edit_may_keep_its_own_name_but_not_take_another(admin_client_of_community, community):
    soap = RewardFactory(community=community, name="洗手液")
    RewardFactory(community=community, name="肥皂")

    kept = admin_client_of_community.post(url("reward_edit", soap), form_data(name="洗手液"))
    taken = admin_client_of_community.post(url("reward_edit", soap), form_data(name="肥皂"))

    assert kept.status_code == 302
    assert taken.status_code == 400
    assert "目录里已有“肥皂”" in taken.content.decode()
    assert "修改物品：洗手液" in taken.content.decode()  # the stored name, not the refused one
    soap.refresh_from_db()
    assert soap.name == "洗手液"


def test_an_edit_with_bad_input_changes_nothing(admin_client_of_community, community):
    reward = RewardFactory(community=community, name="洗手液", point_price=10)

    response = admin_client_of_community.post(
        url("reward_edit", reward), form_data(point_price="0")
    )

    assert response.status_code == 400
    reward.refresh_from_db()
    assert reward.point_price == 10


def test_staff_and_counter_may_not_add_or_edit(staff_client, counter_client, community):
    reward = RewardFactory(community=community, name="洗手液")
    for client in (staff_client, counter_client):
        assert client.get(CREATE).status_code == 403
        assert client.post(CREATE, form_data(name="肥皂")).status_code == 403
        assert client.post(url("reward_edit", reward), form_data(name="改名")).status_code == 403
        assert client.post(url("reward_toggle", reward), {"active": "0"}).status_code == 403
    assert Reward.objects.get().name == "洗手液" and Reward.objects.get().is_active


def test_the_forms_refuse_other_methods(admin_client_of_community, community):
    reward = RewardFactory(community=community)
    assert admin_client_of_community.put(CREATE).status_code == 405
    assert admin_client_of_community.delete(url("reward_edit", reward)).status_code == 405
    assert admin_client_of_community.get(url("reward_toggle", reward)).status_code == 405
    assert Reward.objects.filter(pk=reward.pk).exists()


# Retiring and bringing back --------------------------------------------------------------


def test_admin_retires_a_reward_and_brings_it_back(admin_client_of_community, community):
    reward = RewardFactory(community=community, name="洗手液")
    toggle = url("reward_toggle", reward)

    retired = admin_client_of_community.post(toggle, {"active": "0"}, follow=True)
    reward.refresh_from_db()
    assert not reward.is_active
    assert "“洗手液”已停用" in retired.content.decode()

    # A double click asks for the same state again: it stays retired.
    admin_client_of_community.post(toggle, {"active": "0"})
    reward.refresh_from_db()
    assert not reward.is_active

    back = admin_client_of_community.post(toggle, {"active": "1"})
    assert back.status_code == 302 and back["Location"] == f"{LIST}#reward-{reward.pk}"
    reward.refresh_from_db()
    assert reward.is_active


@pytest.mark.parametrize("data", [{}, {"active": "yes"}, {"active": ""}])
def test_a_toggle_without_a_clear_wish_changes_nothing(admin_client_of_community, community, data):
    reward = RewardFactory(community=community)

    response = admin_client_of_community.post(url("reward_toggle", reward), data)

    assert response.status_code == 400
    reward.refresh_from_db()
    assert reward.is_active


def test_a_reward_in_a_round_is_retired_not_deleted(admin_client_of_community, community):
    item = RoundItemFactory(round__community=community)

    admin_client_of_community.post(url("reward_toggle", item.reward), {"active": "0"})

    item.refresh_from_db()
    assert not item.reward.is_active  # still there, still offered in its round


# Another community -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("reward_edit", "get", None),
        (
            "reward_edit",
            "post",
            {"name": "改名", "unit": "瓶", "point_price": "1", "cost_yuan": "1"},
        ),
        ("reward_toggle", "post", {"active": "0"}),
        ("reward_picture", "get", None),
    ],
)
def test_another_communitys_reward_is_not_found(other_community, community, name, method, data):
    admin = StaffMembershipFactory(community=other_community, role="admin").user
    client = Client()
    client.force_login(admin)
    reward = RewardFactory(community=community, name="洗手液")
    reward.picture.save("soap.jpg", ContentFile(JPEG))

    response = getattr(client, method)(url(name, reward), data or {})

    assert response.status_code == 404
    reward.refresh_from_db()
    assert (reward.name, reward.is_active) == ("洗手液", True)
