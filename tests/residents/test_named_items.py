"""Saving a row whose name is unique in its community (residents.services.save_named_item),
for the settings' compounds, building groups and household types and volunteering's menu
and teams alike: the name another admin saved a moment since is refused on the form."""

import pytest
from django.core.exceptions import ValidationError

from residents.forms.settings import CompoundForm
from residents.models import Compound
from residents.services import save_named_item
from tests.factories import CompoundFactory, TeamFactory
from volunteering.forms.catalogue import TeamForm
from volunteering.models import Team

pytestmark = pytest.mark.django_db


def test_it_saves_a_new_row_and_a_renamed_one(community):
    compound = save_named_item(item=Compound(community=community, name="山鑫阳光城一期"))
    compound.name = "山鑫阳光城二期"
    save_named_item(item=compound)

    assert list(Compound.objects.filter(community=community).values_list("name", flat=True)) == [
        "山鑫阳光城二期"
    ]


def test_a_name_taken_in_the_same_community_is_refused_on_the_name(community):
    CompoundFactory(community=community, name="阳光苑")

    with pytest.raises(ValidationError) as refused:
        save_named_item(item=Compound(community=community, name="阳光苑"))

    assert refused.value.message_dict == {"name": ["本居民区已有同名记录，请换一个名称。"]}
    assert Compound.objects.filter(community=community).count() == 1


def test_the_same_name_in_another_community_is_saved(community, other_community):
    CompoundFactory(community=other_community, name="阳光苑")

    save_named_item(item=Compound(community=community, name="阳光苑"))

    assert Compound.objects.filter(name="阳光苑").count() == 2


def test_a_form_checked_before_another_admin_saved_the_name_shows_the_refusal(community):
    # The form found the name free; the other admin's save lands before this one.
    form = CompoundForm({"name": "阳光苑"}, community=community)
    assert form.is_valid()
    CompoundFactory(community=community, name="阳光苑")

    assert form.save_item() is None
    assert form.errors == {"name": ["本居民区已有同名记录，请换一个名称。"]}
    assert Compound.objects.filter(community=community).count() == 1


def test_volunteerings_forms_save_through_the_same_service(community):
    team = TeamFactory(community=community, name="巡逻队")
    form = TeamForm({"name": "平安巡逻队"}, instance=team, community=community)
    assert form.is_valid()
    TeamFactory(community=community, name="平安巡逻队")

    assert form.save_item() is None
    assert form.errors == {"name": ["本居民区已有同名记录，请换一个名称。"]}
    team.refresh_from_db()
    assert team.name == "巡逻队"
    assert Team.objects.filter(community=community, name="平安巡逻队").count() == 1
