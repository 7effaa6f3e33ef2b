"""The star building-group contest, a community's side (`/star-groups/`): the contests of
its sub-district, its own entries and their stars (admins and staff), entering a building
group with its plan and photos (admins only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from redemption.pictures import picture_response
from residents.tenancy import REGISTER_ROLES, Role, community_required, get_scoped_or_404, scoped
from subdistrict import services
from subdistrict.forms import EntryForm
from subdistrict.models import StarContest, StarEntry


def _contests(request: HttpRequest):
    """The contests of the request's community's sub-district (none without one)."""
    return StarContest.objects.filter(
        subdistrict_id=request.community.subdistrict_id, subdistrict__isnull=False
    )


@require_GET
@community_required(*REGISTER_ROLES)
def star_groups(request: HttpRequest) -> HttpResponse:
    contests = list(_contests(request).order_by("-year"))
    entries = (
        scoped(request, StarEntry)
        .filter(contest__in=contests)
        .select_related("building_group__compound", "contest")
        .order_by("building_group__name")
    )
    by_contest: dict[int, list[StarEntry]] = {c.pk: [] for c in contests}
    for entry in entries:
        by_contest[entry.contest_id].append(entry)
    return render(
        request,
        "subdistrict/entries/list.html",
        {"contests": [(c, by_contest[c.pk]) for c in contests]},
    )


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    contest = get_object_or_404(_contests(request), pk=pk)
    if not contest.is_open:
        raise Http404
    form = EntryForm(
        request.POST or None, request.FILES or None, community=request.community, contest=contest
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.enter_group(
                community=request.community, contest=contest, by=request.user, **form.cleaned_data
            )
        except services.ContestError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, _("已申报 %(group)s。") % {"group": entry.building_group.name}
            )
            return redirect("subdistrict:star_groups")
    return render(
        request,
        "subdistrict/entries/form.html",
        {"contest": contest, "form": form},
        status=400 if form.errors else 200,
    )


def _photo(entry: StarEntry, which: str) -> HttpResponse:
    name = getattr(entry, which).name
    if not name:
        raise Http404
    return picture_response(name)


@require_GET
@community_required(*REGISTER_ROLES)
def entry_photo(request: HttpRequest, pk: int) -> HttpResponse:
    return _photo(get_scoped_or_404(request, StarEntry, pk=pk), "photo")


@require_GET
@community_required(*REGISTER_ROLES)
def entry_photo_2(request: HttpRequest, pk: int) -> HttpResponse:
    return _photo(get_scoped_or_404(request, StarEntry, pk=pk), "photo_2")
