"""The resident's passbook: opened from the QR code, no app, no password."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from points.middleware import resident_page
from points.passbook import (
    household_for_token,
    is_throttled,
    private,
    resident_household,
    start_resident_session,
    unavailable,
)
from points.rules import pick_rule, plain_words, rules_in_force
from points.selectors import mask_name, parse_period, passbook_view, quarter_of
from residents import parsing
from residents.models import Household
from residents.phones import mask_phone
from volunteering.models import Project


@resident_page
@require_GET
@private
def passbook_open(request: HttpRequest, token: str) -> HttpResponse:
    """Exchange the QR code's token for a resident session, then drop the token from the
    address bar by redirecting."""
    if is_throttled(request):
        return render(request, "points/resident/unavailable.html", {"throttled": True}, status=429)
    household = household_for_token(request, token[:100])
    if household is None:
        return render(request, "points/resident/unavailable.html", status=404)
    start_resident_session(request, household)
    return redirect("points:passbook")


@resident_page
@require_GET
@private
def passbook(request: HttpRequest) -> HttpResponse:
    household = resident_household(request)
    if household is None:
        return unavailable(request)
    today = timezone.localdate()
    try:  # a quarter that cannot have entries (or no quarter) shows this quarter
        period = parse_period(request.GET.get("quarter", ""), today=today)
    except ValidationError:
        period = quarter_of(today)
    if period.is_year or period.start > today:
        period = quarter_of(min(period.start, today))
    before = parsing.optional_identifier(request.GET.get("before"))
    view = passbook_view(household=household, period=period, before=before)
    members = [mask_name(m.name) for m in household.members.filter(is_active=True)]
    return render(
        request,
        "points/resident/passbook.html",
        {
            "view": view,
            "household": household,
            "members": members,
            "phone": mask_phone(household.phone),
            "period": period,
            "newer_period": period.next() if period.next().start <= timezone.localdate() else None,
            "older_period": period.previous(),
            # Called by the template only when its cached fragment has expired.
            "ways_to_earn": partial(_ways_to_earn, household),
            "ways_to_earn_seconds": WAYS_TO_EARN_CACHE_SECONDS,
            "today": timezone.localdate(),
        },
    )


# "How to earn points" is the same for every household of a community and changes only when
# an admin edits a rule or a project, so its rendered list is cached for a few minutes per
# community, language and day (a change reaches residents' phones within that time).
WAYS_TO_EARN_CACHE_SECONDS = 300


def _ways_to_earn(household: Household) -> list[tuple[str, list[tuple[str, str]]]]:
    """The community's projects and what each earns today, in plain words."""
    today = timezone.localdate()
    rules = rules_in_force(household.community, [today])
    projects = (
        # Base points (dues, meetings) are party members' duties, not ways to earn.
        Project.objects.filter(
            community=household.community, is_active=True, category__is_base_points=False
        )
        .select_related("category")
        .order_by("category__position", "category__name", "position", "name")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for project in projects:
        rule = pick_rule(rules, project, today)
        groups.setdefault(project.category.name, []).append(
            (project.name, plain_words(rule) if rule else "")
        )
    return list(groups.items())


@resident_page
@require_POST
@private
def passbook_exit(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return render(request, "points/resident/unavailable.html", {"left": True})
