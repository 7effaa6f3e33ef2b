"""The resident's passbook: opened from the QR code, no app, no password."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from points.middleware import resident_page
from points.passbook import (
    household_for_token,
    is_throttled,
    private,
    resident_household_id,
    start_resident_session,
    unavailable,
)
from points.passbook_page import entry_rows, passbook_page
from points.rules import pick_rule, plain_words, rules_in_force
from points.selectors import parse_period, quarter_of
from residents import parsing
from residents.home_pages import household_pages
from residents.models import Household
from residents.phones import mask_phone
from residents.tenancy import switch_to
from volunteering.models import Project


@resident_page
@require_GET
@private
def passbook_open(request: HttpRequest, token: str) -> HttpResponse:
    """Exchange the QR code's token for a resident session, then drop the token from the
    address bar by redirecting. A signed-in staff member keeps their login: the link takes
    them to the household's own page for their role, and no resident session starts."""
    if is_throttled(request):
        return render(request, "points/resident/unavailable.html", {"throttled": True}, status=429)
    household = household_for_token(request, token[:100])
    if request.user.is_authenticated:
        return _staff_opens_link(request, household)
    if household is None:
        return render(request, "points/resident/unavailable.html", status=404)
    start_resident_session(request, household)
    return redirect("points:passbook")


def _staff_opens_link(request: HttpRequest, household: Household | None) -> HttpResponse:
    """Staff who scan a passbook (the counter phone, a desk) land on the household's page
    for their role in its community: the household page, or the counter for a clerk. A
    household of a community they do not work in is not found, as on every staff page."""
    if household is None:
        raise Http404
    membership = next(
        (m for m in request.memberships if m.community_id == household.community_id), None
    )
    if membership is None:
        raise Http404
    switch_to(request, membership.community)
    messages.info(
        request,
        _("这是 %(number)s 的存折二维码。您已作为工作人员登录，所以打开的是这一户的工作页面。")
        % {"number": household.passbook_number},
    )
    return redirect(household_pages.for_role(membership.role), household.pk)


@resident_page
@require_GET
@private
def passbook(request: HttpRequest) -> HttpResponse:
    household_id = resident_household_id(request)
    if household_id is None:
        return unavailable(request)
    today = timezone.localdate()
    try:  # a quarter that cannot have entries (or no quarter) shows this quarter
        period = parse_period(request.GET.get("quarter", ""), today=today)
    except ValidationError:
        period = quarter_of(today)
    if period.is_year or period.start > today:
        period = quarter_of(min(period.start, today))
    before = parsing.optional_identifier(request.GET.get("before"))
    # Two reads for the whole page (the household in residence and its figures; the entries).
    page = passbook_page(household_id=household_id, period=period, before=before)
    if page is None:
        return unavailable(request)
    view, members, panel_reads = page
    household = view.household
    return render(
        request,
        "points/resident/passbook.html",
        {
            "view": view,
            "household": household,
            "members": members,
            "panel_reads": panel_reads,
            "phone": mask_phone(household.phone),
            "period": period,
            "newer_period": period.next() if period.next().start <= timezone.localdate() else None,
            "older_period": period.previous(),
            # Called by the template only when its cached fragment has expired.
            "ways_to_earn": partial(_ways_to_earn, household),
            "ways_to_earn_seconds": WAYS_TO_EARN_CACHE_SECONDS,
            "entry_rows": entry_rows(view.entries),
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
