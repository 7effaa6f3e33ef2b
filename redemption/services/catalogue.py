"""The reward catalogue (兑换物品目录): admins add and edit rewards and retire them, never
delete them (past rounds and receipts name them). Each function is one transaction, run
again should PostgreSQL abort it for a deadlock or a serialization failure.

A picture arrives checked and renamed by the form; the field stores it as the row is saved.
The picture it replaces is deleted only once the change is committed (a rolled back save
must still find its old picture), and a new one whose row was refused is deleted at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from redemption.models import Reward
from residents.models import Community
from residents.transactions import retry_on_conflict

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# What a form hands over for the picture: a new upload, False to clear it, or (unchanged)
# the stored file or None.
Picture = UploadedFile | Literal[False] | FieldFile | None


@dataclass(frozen=True)
class RewardValues:
    """Everything an admin sets on a reward."""

    name: str
    unit: str
    point_price: int
    cost_yuan: Decimal
    note: str = ""
    picture: Picture = None


def duplicate_name_message(name: str, *, retired: bool = False) -> str:
    if retired:
        return _("目录里已有“%(name)s”（已停用），可以在目录中恢复使用它，或换一个名称。") % {
            "name": name
        }
    return _("目录里已有“%(name)s”，请换一个名称，或修改原有的那一项。") % {"name": name}


def _refuse_taken_name(community_id: int, name: str, *, exclude_pk: int | None = None) -> None:
    same = Reward.objects.filter(community_id=community_id, name=name)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    existing = same.first()
    if existing is not None:
        message = duplicate_name_message(name, retired=not existing.is_active)
        raise ValidationError({"name": message})


def _apply(reward: Reward, values: RewardValues) -> None:
    reward.name, reward.unit, reward.note = values.name, values.unit, values.note
    reward.point_price, reward.cost_yuan = values.point_price, values.cost_yuan
    if isinstance(values.picture, UploadedFile):
        reward.picture = values.picture
    elif values.picture is False:
        reward.picture = ""


def _save(reward: Reward, *, old_picture: str = "") -> None:
    """Save in a savepoint (storing a new picture); a name saved a moment ago by another
    admin gets the same message as the check before, and leaves no file behind."""
    try:
        with transaction.atomic():
            reward.save()
    except IntegrityError as exc:
        new_picture = reward.picture.name if reward.picture else ""
        if new_picture and new_picture != old_picture:
            default_storage.delete(new_picture)  # stored just before the refused row
        violated = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if violated != "redemption_reward_name_unique":
            raise
        raise ValidationError({"name": duplicate_name_message(reward.name)}) from exc
    if old_picture and reward.picture.name != old_picture:
        transaction.on_commit(lambda: default_storage.delete(old_picture))


@retry_on_conflict
def create_reward(*, community: Community, values: RewardValues, by: User) -> Reward:
    """A new reward in the community's catalogue, in use. A name the catalogue already has
    (retired ones included) is refused on the name."""
    _refuse_taken_name(community.pk, values.name)
    reward = Reward(community=community)
    _apply(reward, values)
    _save(reward)
    return reward


@retry_on_conflict
def update_reward(*, reward: Reward, values: RewardValues, by: User) -> Reward:
    """Change a reward. Rounds that already offer it keep the price and cost they copied."""
    locked = Reward.objects.select_for_update().get(pk=reward.pk)
    old_picture = locked.picture.name or ""
    _refuse_taken_name(locked.community_id, values.name, exclude_pk=locked.pk)
    _apply(locked, values)
    _save(locked, old_picture=old_picture)
    return locked


@retry_on_conflict
def set_reward_active(*, reward: Reward, active: bool, by: User) -> Reward:
    """Retire a reward (new rounds cannot offer it; rounds and receipts keep it), or bring
    it back. Asking for the state it is in changes nothing."""
    locked = Reward.objects.select_for_update().get(pk=reward.pk)
    if locked.is_active != active:
        locked.is_active = active
        locked.save(update_fields=["is_active"])
    return locked
