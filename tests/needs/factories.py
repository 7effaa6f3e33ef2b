import uuid

import factory
from django.utils import timezone

from needs.models import Need, PartnerUnit, Visit
from tests.factories import HouseholdFactory, UserFactory


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    household = factory.SubFactory(HouseholdFactory)
    community = factory.SelfAttribute("household.community")
    visited_on = factory.LazyFunction(timezone.localdate)
    visitors = "王书记"
    findings = "身体还好"
    submission_key = factory.LazyFunction(uuid.uuid4)
    recorded_by = factory.SubFactory(UserFactory)


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    household = factory.SubFactory(HouseholdFactory)
    community = factory.SelfAttribute("household.community")
    source = Need.Source.DESK
    text = "楼道灯坏了"


class PartnerUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerUnit

    community = factory.SubFactory("tests.factories.CommunityFactory")
    name = factory.Sequence(lambda n: f"共建单位{n}")
