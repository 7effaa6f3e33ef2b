"""The households an activity served (服务对象), for admins and staff: the section on the
activity's page (volunteering.activity_page) posts here to find a household, name it as
served, or take it off the list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from needs.forms import ServedForm
from needs.models import ActivityServed
from needs.search import find_households
from needs.served import add_served, remove_served, served_on
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404
from volunteering.models import Activity


def _activity(request: HttpRequest, pk: int) -> Activity:
    return get_scoped_or_404(request, Activity.objects.select_related("project"), pk=pk)


def _section(activity: Activity) -> str:
    return f"{activity.get_absolute_url()}#served"


def _find_page(
    request: HttpRequest, activity: Activity, *, problem: str = "", status: int = 200
) -> HttpResponse:
    query, search_problem, found = find_households(request)
    served = list(served_on(activity))
    named = {link.household_id for link in served}
    return render(
        request,
        "needs/activity_served.html",
        {
            "activity": activity,
            "query": query,
            "problem": problem or search_problem,
            "found": [(household, household.pk in named) for household in found],
            "served": served,
        },
        status=400 if (problem or search_problem) else status,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def served_find(request: HttpRequest, pk: int) -> HttpResponse:
    """Find the household the activity served, by passbook number, address or name."""
    return _find_page(request, _activity(request, pk))


@require_POST
@community_required(*REGISTER_ROLES)
def served_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    form = ServedForm(request.POST, community=request.community)
    if not form.is_valid():
        return _find_page(request, activity, problem=form.errors["household"][0])
    household = form.cleaned_data["household"]
    try:
        _link, created = add_served(activity=activity, household=household, by=request.user)
    except ValidationError as error:
        return _find_page(request, activity, problem=error.messages[0])
    if created:
        messages.success(
            request, _("已把 %(address)s 记为服务对象。") % {"address": household.address}
        )
    else:
        messages.info(request, _("%(address)s 已经是服务对象了。") % {"address": household.address})
    return redirect(_section(activity))


@require_POST
@community_required(*REGISTER_ROLES)
def served_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    link = get_scoped_or_404(
        request,
        ActivityServed.objects.select_related("household__compound"),
        pk=link_pk,
        activity=activity,
    )
    remove_served(link=link, by=request.user)
    messages.success(
        request, _("已把 %(address)s 移出服务对象。") % {"address": link.household.address}
    )
    return redirect(_section(activity))
