"""The households an activity served (服务对象): adding and removing the links, and reading
them for the activity's page. A link is not a ledger: a wrong one is removed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from needs.models import ActivityServed
from residents.models import Household
from residents.transactions import retry_on_conflict
from volunteering.models import Activity


def served_on(activity: Activity) -> QuerySet[ActivityServed]:
    """The households `activity` served, by address (one query)."""
    return ActivityServed.objects.filter(
        community_id=activity.community_id, activity=activity
    ).select_related("household__compound", "added_by")


@retry_on_conflict
def add_served(*, activity: Activity, household: Household, by) -> tuple[ActivityServed, bool]:
    """Name `household` as served by `activity`; naming it again changes nothing (the link
    already there is returned, with False)."""
    if household.community_id != activity.community_id:
        raise ValidationError({"household": _("不是本居民区的住户。")})
    if household.status != Household.Status.ACTIVE:
        raise ValidationError({"household": _("该户已迁出。")})
    try:
        with transaction.atomic():
            link = ActivityServed.objects.create(
                community_id=activity.community_id,
                activity=activity,
                household=household,
                added_by=by,
            )
    except IntegrityError:
        link = ActivityServed.objects.get(
            community_id=activity.community_id, activity=activity, household=household
        )
        return link, False
    return link, True


@retry_on_conflict
def remove_served(*, link: ActivityServed, by) -> None:
    """Take a household off the activity's list (the audit trail keeps who did it)."""
    ActivityServed.objects.filter(pk=link.pk, community_id=link.community_id).delete()
