"""The sub-district's writes: the star building-group contest (open, enter, rate, publish
for 公示; objections and making it final are services_publications', shared with the
standings).

Keyword-only, one transaction each, retried on conflict (residents.transactions). The
contest's row is locked while an entry is added, a rating saved or the result published,
so nothing is entered or rated after publication.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import BuildingGroup, Community, SubDistrict
from residents.transactions import retry_on_conflict
from subdistrict.models import StarContest, StarEntry
from subdistrict.services_publications import check_days


class ContestError(Exception):
    """Refused, with the reason in Chinese (shown to the user)."""


@retry_on_conflict
def open_contest(
    *,
    subdistrict: SubDistrict,
    year: int,
    title: str,
    kinds: list[str],
    measures: list[str],
    criteria: str,
    by,
) -> StarContest:
    try:
        with transaction.atomic():
            return StarContest.objects.create(
                subdistrict=subdistrict,
                year=year,
                title=title,
                kinds=kinds,
                measures=measures,
                criteria=criteria,
                opened_by=by,
            )
    except IntegrityError as error:
        if "subdistrict_starcontest_one_a_year" in str(error):
            raise ContestError(_("%(year)s 年度的评选已经发起过了。") % {"year": year}) from None
        raise


def _locked_open(contest: StarContest) -> StarContest:
    locked = StarContest.objects.select_for_update().get(pk=contest.pk)
    if not locked.is_open:
        raise ContestError(_("评选结果已经公布，不能再改动。"))
    return locked


@retry_on_conflict
def enter_group(
    *,
    community: Community,
    contest: StarContest,
    building_group: BuildingGroup,
    kind: str,
    plan: str,
    photo: UploadedFile,
    photo_2: UploadedFile | None = None,
    by,
) -> StarEntry:
    """A community's building group entered with its plan and one or two photos."""
    contest = _locked_open(contest)
    if contest.subdistrict_id != community.subdistrict_id:
        raise ContestError(_("这项评选不是本居民区所属街道的。"))
    if building_group.community_id != community.pk:
        raise ContestError(_("只能申报本居民区的楼组。"))
    if kind not in contest.kinds:
        raise ContestError(_("这项评选没有这个类别。"))
    if StarEntry.objects.filter(
        community=community, contest=contest, building_group=building_group
    ).exists():
        raise ContestError(_("%(group)s 已经申报过这项评选。") % {"group": building_group.name})
    entry = StarEntry(
        community=community,
        contest=contest,
        building_group=building_group,
        kind=kind,
        plan=plan,
        entered_by=by,
    )
    entry.photo.save(photo.name, photo, save=False)
    if photo_2:
        entry.photo_2.save(photo_2.name, photo_2, save=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:
        if "subdistrict_starentry_once_a_contest" in str(error):
            raise ContestError(
                _("%(group)s 已经申报过这项评选。") % {"group": building_group.name}
            ) from None
        raise
    return entry


@retry_on_conflict
def rate_entries(*, contest: StarContest, stars: Mapping[int, int | None], by) -> int:
    """Stars (1–3, or None for none) for entries of `contest`; the others are left as
    they are. Returns how many entries changed."""
    contest = _locked_open(contest)
    changed = 0
    now = timezone.now()
    for entry in StarEntry.objects.select_for_update().filter(contest=contest, pk__in=list(stars)):
        wanted = stars[entry.pk]
        if entry.stars != wanted:
            entry.stars, entry.rated_by, entry.rated_at = wanted, by, now
            entry.save(update_fields=["stars", "rated_by", "rated_at"])
            changed += 1
    return changed


@retry_on_conflict
def publish_contest(*, contest: StarContest, days: int, today: datetime.date, by) -> StarContest:
    """The result goes up for 公示 for `days` days: nothing can be entered or rated
    afterwards; objections are recorded and decided, then it is made final with
    services_publications.finalize, and only then do the stars show on the communities'
    pages and the residents' passbooks."""
    check_days(days)
    contest = _locked_open(contest)
    if not contest.entries.filter(stars__isnull=False).exists():
        raise ContestError(_("还没有评定任何楼组的星级，不能公布。"))
    contest.status = StarContest.Status.PUBLISHED
    contest.published_by = by
    contest.published_at = timezone.now()
    contest.published_on = today
    contest.ends_on = today + datetime.timedelta(days=days - 1)
    contest.save(
        update_fields=["status", "published_by", "published_at", "published_on", "ends_on"]
    )
    return contest
