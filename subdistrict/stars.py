"""Reads for other apps' registries and pages: the contest's published stars (the source
this app registers in residents.stars), an entry's known figures, and the passbook panels
(the household's building group's star; what is under publication in its community)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from residents.caching import forget, remembered
from residents.models import Community, Household
from residents.reporting import Period
from residents.stars import Star, star_awards
from subdistrict.models import Notice, Publication, StarContest, StarEntry
from volunteering.dashboard import groups as group_participation
from volunteering.models import Attendance


def published_stars(*, building_groups: Sequence[int]) -> dict[int, Star]:
    """Each group's stars of its latest final contest (a result under 公示 is not yet a
    star: it shows on the passbook as under publication). One query."""
    rows = (
        StarEntry.objects.filter(
            building_group_id__in=building_groups,
            stars__isnull=False,
            contest__status=StarContest.Status.FINAL,
        )
        .order_by("contest__year")
        .values_list("building_group_id", "stars", "contest__year")
    )
    return {group: Star(stars, year) for group, stars, year in rows}


@dataclass(frozen=True)
class KnownFigures:
    """What the software knows of a building group in the contest's year."""

    households: int = 0
    taking_part: int = 0
    percent: int = 0
    activities: int = 0


def known_figures(entries: Sequence[StarEntry], year: int) -> dict[int, KnownFigures]:
    """By entry: the group's households taking part in the year and the activities its
    residents attended (approved). Three queries, whatever the number of entries."""
    if not entries:
        return {}
    period = Period(year)
    communities = sorted({e.community_id for e in entries})
    by_group = {
        row.group.pk: row
        for value in group_participation(communities=communities, quarter=period).values()
        for row in value.groups
    }
    activities = dict(
        Attendance.objects.filter(
            community_id__in=communities,
            status=Attendance.Status.APPROVED,
            activity__date__gte=period.start,
            activity__date__lte=period.end,
            member__household__building_group_id__in=[e.building_group_id for e in entries],
        )
        .values("member__household__building_group_id")
        .annotate(n=Count("activity", distinct=True))
        .order_by()
        .values_list("member__household__building_group_id", "n")
    )
    figures = {}
    for entry in entries:
        row = by_group.get(entry.building_group_id)
        figures[entry.pk] = KnownFigures(
            households=row.households if row else 0,
            taking_part=row.year if row else 0,
            percent=row.year_percent if row else 0,
            activities=activities.get(entry.building_group_id, 0),
        )
    return figures


def _star_key(building_group_id: int) -> str:
    return f"subdistrict.passbook.star.{building_group_id}"


def passbook_star(household: Household) -> dict:
    """The passbook panel's context: the household's building group's star, if any. One
    query a minute per building group (the same for all its households), forgotten in this
    process as soon as a contest or an entry changes."""
    group = household.building_group_id
    if group is None:
        return {}
    star = remembered(
        _star_key(group), BOARD_CACHE_SECONDS, lambda: star_awards.for_groups([group]).get(group)
    )
    return {"star": star} if star else {}


# The notices and what is under publication are the same for every household of a community
# (and day): each panel's list is kept in the cache for a minute per community and day (one
# query a minute instead of one per page) and forgotten in this process as soon as a notice,
# a publication or a contest changes (other server processes see the change within the
# minute), as redemption's round card is.
BOARD_CACHE_SECONDS = 60


def _board_key(panel: str, community_id: int, day) -> str:
    return f"subdistrict.passbook.{panel}.{community_id}.{day.isoformat()}"


def _cached(panel: str, community_id: int, read) -> list:
    today = timezone.localdate()
    return remembered(
        _board_key(panel, community_id, today), BOARD_CACHE_SECONDS, lambda: read(today)
    )


def passbook_publications(household: Household) -> dict:
    """The passbook panel's context: the community's publications under way today, and
    its sub-district's star contest results under 公示. Two queries (a minute, per
    community)."""

    def read(today) -> tuple[list[Publication], list[StarContest]]:
        publications = list(
            Publication.objects.filter(
                community_id=household.community_id,
                status=Publication.Status.PUBLISHED,
                published_on__lte=today,
                ends_on__gte=today,
            ).order_by("ends_on")
        )
        contests = list(
            StarContest.objects.filter(
                subdistrict__communities=household.community_id,
                status=StarContest.Status.PUBLISHED,
                published_on__lte=today,
                ends_on__gte=today,
            ).order_by("ends_on")
        )
        return publications, contests

    publications, contests = _cached("publications", household.community_id, read)
    if not (publications or contests):
        return {}
    return {"publications": publications, "contests": contests}


NOTICES_ON_PASSBOOK = 3


def passbook_notices(household: Household) -> dict:
    """The top panel's context: the community's notices in force today, newest first. One
    query (a minute, per community)."""

    def read(today) -> list[Notice]:
        return list(
            Notice.objects.filter(
                community_id=household.community_id,
                withdrawn_at__isnull=True,
                expires_on__gte=today,
            ).order_by("-created_at", "-id")[:NOTICES_ON_PASSBOOK]
        )

    notices = _cached("notices", household.community_id, read)
    return {"notices": notices} if notices else {}


def _forget(panel: str, community_ids) -> None:
    forget([_board_key(panel, pk, timezone.localdate()) for pk in community_ids])


def _forget_notices(sender, instance: Notice, **kwargs) -> None:
    _forget("notices", [instance.community_id])


def _forget_publications(sender, instance: Publication, **kwargs) -> None:
    _forget("publications", [instance.community_id])


def _forget_contest(sender, instance: StarContest, **kwargs) -> None:
    # A contest is its sub-district's: every community of it shows its result.
    communities = Community.objects.filter(subdistrict_id=instance.subdistrict_id)
    _forget("publications", list(communities.values_list("pk", flat=True)))


def _forget_stars(groups) -> None:
    forget([_star_key(group) for group in groups])


def _forget_contest_stars(sender, instance: StarContest, **kwargs) -> None:
    # Made final (or otherwise changed): its groups' stars.
    _forget_stars(
        StarEntry.objects.filter(contest=instance).values_list("building_group_id", flat=True)
    )


def _forget_entry_star(sender, instance: StarEntry, **kwargs) -> None:
    _forget_stars([instance.building_group_id])


def _forget_community(sender, instance: Community, **kwargs) -> None:
    # Its sub-district (whose contests it shows) may have changed.
    _forget("publications", [instance.pk])


for _model, _receiver in (
    (Notice, _forget_notices),
    (Publication, _forget_publications),
    (StarContest, _forget_contest),
    (StarContest, _forget_contest_stars),
    (StarEntry, _forget_entry_star),
    (Community, _forget_community),
):
    _uid = f"subdistrict_passbook_{_model.__name__}_{_receiver.__name__}"
    post_save.connect(_receiver, sender=_model, dispatch_uid=_uid)
    post_delete.connect(_receiver, sender=_model, dispatch_uid=_uid)
