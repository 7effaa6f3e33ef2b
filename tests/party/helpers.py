"""A community's party set-up for the party tests: a dues project, a meeting project, a
service project and a post, priced by a 1-point rule (2 for the base category)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from party.models import Duty, Post, ProjectRole
from residents.models import Community
from tests.factories import ProjectCategoryFactory, ProjectFactory
from tests.points.factories import PointRuleFactory
from volunteering.models import Project

D = datetime.date


@dataclass
class PartySetup:
    dues: Project
    meeting: Project
    service: Project
    post: Project


def party_setup(community: Community) -> PartySetup:
    PointRuleFactory(community=community, starts_on=D(2020, 1, 1))
    base = ProjectCategoryFactory(community=community, name="党员基础分", is_base_points=True)
    PointRuleFactory(
        community=community, category=base, starts_on=D(2020, 1, 1), points_per_session=2
    )
    dues = ProjectFactory(community=community, category=base, name="按时交纳党费")
    meeting = ProjectFactory(community=community, category=base, name="按时参加组织生活")
    service = ProjectFactory(community=community, name="义务安保巡逻")
    post = ProjectFactory(community=community, name="楼道议事会")
    ProjectRole.objects.create(community=community, project=dues, duty=Duty.DUES)
    ProjectRole.objects.create(community=community, project=meeting, duty=Duty.MEETING)
    ProjectRole.objects.create(community=community, project=post, post=Post.DELIBERATION)
    return PartySetup(dues=dues, meeting=meeting, service=service, post=post)
