"""The reward catalogue's services: adding, editing (a new picture replaces the old one
once committed) and retiring rewards. Each refusal says why and changes nothing."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from redemption import services
from redemption.models import Reward
from redemption.services import catalogue
from tests.factories import UserFactory
from tests.redemption.factories import RewardFactory

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin():
    return UserFactory()


def picture(name: str) -> SimpleUploadedFile:
    # Named as the form names an upload after checking its bytes.
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


def stored_files(media: Path) -> list[str]:
    return sorted(path.name for path in media.rglob("*") if path.is_file())


def soap(community, admin, **overrides) -> Reward:
    values = {"name": "洗手液", "unit": "瓶", "point_price": 10, "cost_yuan": Decimal("8.50")}
    return services.create_reward(
        community=community, values=services.RewardValues(**{**values, **overrides}), by=admin
    )


def test_a_new_reward_is_in_use_with_its_picture_stored(community, admin, media):
    reward = soap(community, admin, picture=picture("a1.jpg"), note="500毫升")

    stored = Reward.objects.get(pk=reward.pk)
    assert (stored.community, stored.name, stored.point_price, stored.note) == (
        community,
        "洗手液",
        10,
        "500毫升",
    )
    assert stored.is_active
    assert stored_files(media) == ["a1.jpg"]


def test_a_name_the_catalogue_has_is_refused_naming_a_retired_one(community, admin):
    RewardFactory(community=community, name="洗手液", is_active=False)

    with pytest.raises(ValidationError) as refused:
        soap(community, admin)

    assert "（已停用）" in refused.value.message_dict["name"][0]
    assert Reward.objects.count() == 1


def test_a_new_picture_replaces_the_old_one_once_the_change_is_committed(
    community, admin, media, django_capture_on_commit_callbacks
):
    reward = soap(community, admin, picture=picture("old.jpg"))

    with django_capture_on_commit_callbacks(execute=True):
        changed = services.update_reward(
            reward=reward,
            values=services.RewardValues(
                name="洗手液（大瓶）",
                unit="瓶",
                point_price=15,
                cost_yuan=Decimal("12"),
                picture=picture("new.jpg"),
            ),
            by=admin,
        )

    assert (changed.name, changed.point_price) == ("洗手液（大瓶）", 15)
    assert stored_files(media) == ["new.jpg"]


def test_a_name_taken_at_the_same_moment_is_refused_and_leaves_no_file_behind(
    community, admin, media, monkeypatch
):
    """The check before passed, then the database's unique constraint refused the row."""
    RewardFactory(community=community, name="洗手液")
    monkeypatch.setattr(catalogue, "_refuse_taken_name", lambda *args, **kwargs: None)

    with pytest.raises(ValidationError) as refused:
        soap(community, admin, picture=picture("late.jpg"))

    assert refused.value.message_dict == {
        "name": ["目录里已有“洗手液”，请换一个名称，或修改原有的那一项。"]
    }
    assert Reward.objects.count() == 1
    assert stored_files(media) == []


def test_retiring_twice_keeps_it_retired_and_bringing_it_back_restores_it(community, admin):
    reward = RewardFactory(community=community)

    services.set_reward_active(reward=reward, active=False, by=admin)
    services.set_reward_active(reward=reward, active=False, by=admin)
    reward.refresh_from_db()
    assert not reward.is_active

    services.set_reward_active(reward=reward, active=True, by=admin)
    reward.refresh_from_db()
    assert reward.is_active
