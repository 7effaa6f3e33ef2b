"""What a community puts up for its residents. 公示: the quarterly standings published for
N days, objections recorded with who raised them and what was decided, then final and
frozen (the database refuses any change to a final publication or its objections:
migration 0003). The star contest's result goes through the same 公示 with the same
functions (record_objection, decide_objection, finalize take a Publication or a
StarContest, and an objection of either; migration 0006 freezes the contest).
Notices (公告): shown on the passbooks until they expire.

Keyword-only, one transaction each, retried on conflict. The publication's row is locked
while an objection is recorded or decided and while it is made final.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from points.selectors import standings
from residents.models import Community
from residents.reporting import Period
from residents.transactions import retry_on_conflict
from subdistrict.models import ContestObjection, Notice, Objection, Publication, StarContest

NOTICE_ROWS = 20
MAX_DAYS = 30


class PublicationError(Exception):
    """Refused, with the reason in Chinese (shown to the user)."""


def snapshot(*, community: Community, period: Period) -> dict:
    """The standings as the notice board shows them: names masked, no phone or passbook
    number; the households and building groups in order, the totals."""
    result = standings(community=community, period=period, limit=NOTICE_ROWS)
    return {
        "households": [
            {
                "rank": row.rank,
                "address": f"{row.household.compound.name} {row.household.short_address}",
                "names": "、".join(row.masked_names),
                "points": row.points,
            }
            for row in result.households
        ],
        "groups": [
            {
                "rank": row.rank,
                "name": row.group.name,
                "points": row.points,
                "percent": row.participation_percent,
                "star": str(row.star.label) if row.star else "",
            }
            for row in result.groups
        ],
        "households_taking_part": result.households_taking_part,
        "total_points": result.total_points,
    }


@retry_on_conflict
def publish_standings(
    *, community: Community, period: Period, days: int, today: datetime.date, by
) -> Publication:
    check_days(days)
    try:
        with transaction.atomic():
            return Publication.objects.create(
                community=community,
                period=period.param,
                title=_("%(community)s %(period)s 积分排行公示")
                % {"community": community.name, "period": period.label},
                rows=snapshot(community=community, period=period),
                published_on=today,
                ends_on=today + datetime.timedelta(days=days - 1),
                published_by=by,
            )
    except IntegrityError as error:
        if "subdistrict_publication_once_a_period" in str(error):
            raise PublicationError(
                _("%(period)s 的积分排行已经公示过了。") % {"period": period.label}
            ) from None
        raise


Published = Publication | StarContest  # what goes through 公示


def check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise PublicationError(_("公示天数应在 1 至 %(max)s 天之间。") % {"max": MAX_DAYS})


def _locked_open(publication: Published) -> Published:
    """The row locked, and under 公示 (not final, and for a contest not still open)."""
    locked = type(publication).objects.select_for_update().get(pk=publication.pk)
    if locked.is_final:
        raise PublicationError(_("公示已定稿，不能再改动。"))
    if locked.status != locked.Status.PUBLISHED:
        raise PublicationError(_("还没有公示。"))
    return locked


@retry_on_conflict
def record_objection(
    *, publication: Published, raised_by: str, raised_on: datetime.date, content: str, by
) -> Objection | ContestObjection:
    publication = _locked_open(publication)
    return publication.objections.create(
        **publication.objection_fields(),
        raised_by=raised_by,
        raised_on=raised_on,
        content=content,
        recorded_by=by,
    )


@retry_on_conflict
def decide_objection(
    *, objection: Objection | ContestObjection, decision: str, by
) -> Objection | ContestObjection:
    _locked_open(objection.publication)
    objection = type(objection).objects.select_for_update().get(pk=objection.pk)
    objection.decision, objection.decided_by, objection.decided_at = decision, by, timezone.now()
    objection.save(update_fields=["decision", "decided_by", "decided_at"])
    return objection


@retry_on_conflict
def finalize(*, publication: Published, today: datetime.date, by) -> Published:
    """Final once the notice period is over and every objection has its decision."""
    publication = _locked_open(publication)
    if today <= publication.ends_on:
        raise PublicationError(
            _("公示期到 %(day)s 为止，期满后才能定稿。")
            % {"day": f"{publication.ends_on.month}月{publication.ends_on.day}日"}
        )
    if publication.objections.filter(decision="").exists():
        raise PublicationError(_("还有异议没有处理结果，不能定稿。"))
    publication.status = Publication.Status.FINAL
    publication.finalized_by = by
    publication.finalized_at = timezone.now()
    publication.save(update_fields=["status", "finalized_by", "finalized_at"])
    return publication


# -- Notices (公告) ------------------------------------------------------------------------------


@retry_on_conflict
def post_notice(
    *, community: Community, title: str, body: str, expires_on: datetime.date, by
) -> Notice:
    return Notice.objects.create(
        community=community, title=title, body=body, expires_on=expires_on, created_by=by
    )


@retry_on_conflict
def withdraw_notice(*, notice: Notice, by) -> Notice:
    """Taken off the passbooks before it expires (kept on record)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.withdrawn_at is None:
        notice.withdrawn_at = timezone.now()
        notice.save(update_fields=["withdrawn_at"])
    return notice
