"""factory-boy factories for every model. Tenant rows default to one shared community
unless a test passes its own."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from residents.models import (
    BuildingGroup,
    Community,
    Compound,
    Household,
    HouseholdType,
    Member,
    StaffMembership,
    SubDistrict,
)
from volunteering.models import (
    Project,
    ProjectCategory,
    ProjectClaim,
    Team,
    TeamMembership,
)


class SubDistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubDistrict
        django_get_or_create = ["name"]

    name = "石化街道"


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"测试居民区{n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    subdistrict = factory.SubFactory(SubDistrictFactory)
    passbook_prefix = factory.Sequence(lambda n: "T" + "ABCDEFGHJK"[n % 10])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "王"
    password = factory.django.Password("pass-word-123")


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    role = StaffMembership.Role.STAFF


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Compound

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"阳光苑{n}期")


class HouseholdTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdType
        django_get_or_create = ["community", "name"]

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"类型{n}")


class BuildingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuildingGroup

    community = factory.SubFactory(CommunityFactory)
    compound = factory.SubFactory(CompoundFactory, community=factory.SelfAttribute("..community"))
    name = factory.Sequence(lambda n: f"{n + 1}号楼组")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    community = factory.SubFactory(CommunityFactory)
    passbook_number = factory.Sequence(lambda n: f"F-{n + 1:05d}")
    compound = factory.SubFactory(CompoundFactory, community=factory.SelfAttribute("..community"))
    building = factory.Sequence(lambda n: str(n // 20 + 1))
    room = factory.Sequence(lambda n: f"{n % 6 + 1}0{n % 20 // 6 + 1}{n % 7}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    household = factory.SubFactory(HouseholdFactory)
    community = factory.SelfAttribute("household.community")
    name = factory.Iterator(["郑兴友", "李秀英", "王建国", "张桂兰", "陈志强", "刘淑珍"])
    gender = Member.Gender.FEMALE
    birth_year = 1952
    relation = Member.Relation.HEAD
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class NonResidentFactory(MemberFactory):
    """An in-service party member who reported here (报到): no local household."""

    household = None
    community = factory.SubFactory(CommunityFactory)
    residence = Member.Residence.NON_RESIDENT
    name = factory.Iterator(["周建华", "吴立新", "孙海燕"])
    is_party_member = True
    is_in_service_party_member = True
    employer = "市政道路管理所"
    job_title = "工程师"


# Volunteering: the project menu, claims and teams.


class ProjectCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectCategory

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"项目类别{n}")
    position = factory.Sequence(lambda n: n)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    community = factory.SubFactory(CommunityFactory)
    category = factory.SubFactory(
        ProjectCategoryFactory, community=factory.SelfAttribute("..community")
    )
    name = factory.Sequence(lambda n: f"公益项目{n}")
    default_hours = 2


class ProjectClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectClaim

    project = factory.SubFactory(ProjectFactory)
    community = factory.SelfAttribute("project.community")
    member = factory.SubFactory(
        MemberFactory, household__community=factory.SelfAttribute("...community")
    )
    claimed_on = factory.LazyFunction(timezone.localdate)
    created_by = factory.SubFactory(UserFactory)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"志愿团队{n}")


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    community = factory.SelfAttribute("team.community")
    member = factory.SubFactory(
        MemberFactory, household__community=factory.SelfAttribute("...community")
    )
    joined_on = factory.LazyFunction(timezone.localdate)
