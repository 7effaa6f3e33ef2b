"""The sub-district's demo data: 石化街道 (the demo communities' sub-district), its admin
`jd_admin` (password demo-2026, printed with the other logins) and this year's star
building-group contest, with entries from each community (a plan and a photo), rated,
published for 公示 (7 days, ended yesterday), one objection recorded and decided, and
final, so the stars show on the dashboard, the standings and the passbooks.

Run by seed_demo after the apps below (residents.demo_steps). A contest that exists for
this year is left as it is; jd_admin, once there, is not changed.
"""

from __future__ import annotations

import datetime
import struct
import zlib
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from residents.demo import DEMO_PASSWORD, DemoLogin
from residents.demo_steps import demo_steps
from residents.models import Community
from subdistrict.models import StarContest, StarEntry, SubDistrictRole
from subdistrict.services import publish_contest
from subdistrict.services_publications import decide_objection, finalize, record_objection

USERNAME = "jd_admin"
FULL_NAME = "葛文静"
# (building groups per community, kinds in turn, the stars given in turn; None: no star)
ENTRIES_PER_COMMUNITY = 3
KINDS = ["study", "health", "safety", "filial", "party", "culture"]
STARS = [3, 2, None, 1]
PUBLICATION_DAYS = 7
PLANS = {
    "study": "每月第二个周六开“楼道读书角”，老党员带读，年轻人分享，全年不少于 10 次。",
    "health": "与社区卫生服务站结对，每季度一次健康讲座和血压测量，独居老人每月上门一次。",
    "safety": "楼组长牵头每周巡楼，楼道堆物当天清，电动车不进楼，消防通道保持畅通。",
    "filial": "“敬老一家亲”：结对照顾 80 岁以上老人，节日上门，生日有人记得。",
    "party": "党员亮身份、认岗位：每位党员认领一项楼组服务，每月在楼道公示栏报到。",
    "culture": "每季度一次楼组文化活动：书画、合唱、手工，作品在楼道展示。",
}
COLOURS = [(179, 38, 30), (29, 107, 58), (74, 107, 130), (199, 119, 0)]


def _png(colour: tuple[int, int, int], width: int = 160, height: int = 120) -> bytes:
    """A plain-coloured PNG (the demo's stand-in for a photo of the building group)."""
    row = b"\x00" + bytes(colour) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def seed_demo(*, communities: Mapping[str, Community]) -> list[str]:
    first = next(iter(communities.values()), None)
    if first is None or first.subdistrict is None:
        return []
    street = first.subdistrict
    User = get_user_model()
    user = User.objects.filter(username=USERNAME).first()
    created = user is None
    if user is None:
        user = User(username=USERNAME, first_name=FULL_NAME)
        user.set_password(DEMO_PASSWORD)
        user.save()
    role, _new = SubDistrictRole.objects.get_or_create(
        user=user, subdistrict=street, defaults={"role": SubDistrictRole.Role.ADMIN}
    )
    demo_steps.add_login(
        DemoLogin(
            username=USERNAME,
            full_name=FULL_NAME,
            role=str(role.get_role_display()),
            community=street.name,
            password=DEMO_PASSWORD,
            created=created,
        )
    )
    year = timezone.localdate().year
    contest = StarContest.objects.filter(subdistrict=street, year=year).first()
    if contest is not None:
        return [f"{street.name}：{contest.title}（先前已生成，保持原样）"]
    contest = StarContest.objects.create(
        subdistrict=street,
        year=year,
        title=f"{year}年度{street.name}星级楼组评选",
        kinds=KINDS,
        measures=["participation", "activities"],
        criteria=(
            "有创建方案，有楼组公约；全年楼组活动不少于 6 次；居民参与率高；"
            "按学习、健康、平安、孝亲、党建、文化六类申报，评定一至三星。"
        ),
        opened_by=user,
    )
    now = timezone.now()
    made = 0
    for c_index, community in enumerate(
        c for c in communities.values() if c.subdistrict_id == street.pk
    ):
        groups = list(community.building_groups.order_by("name")[:ENTRIES_PER_COMMUNITY])
        for g_index, group in enumerate(groups):
            n = c_index * ENTRIES_PER_COMMUNITY + g_index
            kind = KINDS[n % len(KINDS)]
            stars = STARS[n % len(STARS)]
            entry = StarEntry(
                community=community,
                contest=contest,
                building_group=group,
                kind=kind,
                plan=PLANS[kind],
                entered_by=community.memberships.filter(role="admin").first().user,
                stars=stars,
                rated_by=user if stars else None,
                rated_at=now if stars else None,
            )
            entry.photo.save(f"demo-{n}.png", ContentFile(_png(COLOURS[n % 4])), save=False)
            entry.save()
            made += 1
    _through_publication(contest, user)
    starred = contest.entries.filter(stars__isnull=False).count()
    return [
        f"{street.name}：{contest.title}，{made} 个楼组申报，{starred} 个评星，"
        f"公示 7 天、1 条异议已处理，已定稿"
    ]


def _through_publication(contest: StarContest, user) -> None:
    """公示 for 7 days ending yesterday, an objection taken and decided, then final."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=PUBLICATION_DAYS)
    contest = publish_contest(contest=contest, days=PUBLICATION_DAYS, today=start, by=user)
    objection = record_objection(
        publication=contest,
        raised_by="3号楼 居民（电话留在居委会）",
        raised_on=start + datetime.timedelta(days=2),
        content="我们楼组的活动照片没有算进去，希望重新看一下。",
        by=user,
    )
    decide_objection(
        objection=objection,
        decision="已核对活动记录，照片不影响星级评定，维持原评定，已电话答复。",
        by=user,
    )
    finalize(publication=contest, today=today, by=user)
