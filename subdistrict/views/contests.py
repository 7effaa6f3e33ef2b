"""The star building-group contest, the sub-district's side (`/subdistrict/star-groups/`):
the contests, opening a year's (街道 admin), an open contest's entries with the figures the
software knows beside each, the rating and the publication (街道 admin). Viewers read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redemption.pictures import picture_response
from subdistrict import services
from subdistrict.access import is_subdistrict_admin, subdistrict_required
from subdistrict.forms import ContestForm, RatingForm
from subdistrict.models import StarContest, StarEntry, SubDistrictRole
from subdistrict.stars import known_figures


def _contest_or_404(request: HttpRequest, pk: int) -> StarContest:
    return get_object_or_404(StarContest.objects.filter(subdistrict=request.subdistrict), pk=pk)


@require_http_methods(["GET", "POST"])
@subdistrict_required()
def contest_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ContestForm(request.POST or None, today=today)
    if request.method == "POST":
        if not is_subdistrict_admin(request):
            raise PermissionDenied
        if form.is_valid():
            try:
                contest = services.open_contest(
                    subdistrict=request.subdistrict, by=request.user, **form.cleaned_data
                )
            except services.ContestError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, _("已发起“%(title)s”。") % {"title": contest.title})
                return redirect("subdistrict:contest_detail", contest.pk)
    contests = StarContest.objects.filter(subdistrict=request.subdistrict).order_by("-year")
    return render(
        request,
        "subdistrict/contests/list.html",
        {"contests": contests, "form": form, "can_open": is_subdistrict_admin(request)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@subdistrict_required()
def contest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contest = _contest_or_404(request, pk)
    entries = list(
        StarEntry.objects.filter(contest=contest)
        .select_related("community", "building_group__compound")
        .order_by("community__name", "building_group__name")
    )
    form = RatingForm(request.POST or None, entries=entries)
    if request.method == "POST":
        if not is_subdistrict_admin(request):
            raise PermissionDenied
        if form.is_valid():
            try:
                changed = services.rate_entries(
                    contest=contest, stars=form.stars(), by=request.user
                )
            except services.ContestError as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(
                    request,
                    ngettext(
                        "已保存评定，改动 %(n)s 个楼组。",
                        "已保存评定，改动 %(n)s 个楼组。",
                        changed,
                    )
                    % {"n": changed},
                )
            return redirect("subdistrict:contest_detail", contest.pk)
    figures = known_figures(entries, contest.year)
    rows = [(entry, figures[entry.pk], form.field_for(entry)) for entry in entries]
    return render(
        request,
        "subdistrict/contests/detail.html",
        {
            "contest": contest,
            "rows": rows,
            "form": form,
            "can_rate": is_subdistrict_admin(request) and contest.is_open,
            "communities": len({e.community_id for e in entries}),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@subdistrict_required(SubDistrictRole.Role.ADMIN)
def contest_publish(request: HttpRequest, pk: int) -> HttpResponse:
    contest = _contest_or_404(request, pk)
    try:
        services.publish_contest(contest=contest, by=request.user)
    except services.ContestError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("评选结果已公布。"))
    return redirect("subdistrict:contest_detail", contest.pk)


def _photo(entry: StarEntry, which: str) -> HttpResponse:
    name = getattr(entry, which).name
    if not name:
        raise Http404
    return picture_response(name)


@require_GET
@subdistrict_required()
def entry_photo(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        StarEntry.objects.filter(contest__subdistrict=request.subdistrict), pk=pk
    )
    return _photo(entry, "photo")


@require_GET
@subdistrict_required()
def entry_photo_2(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        StarEntry.objects.filter(contest__subdistrict=request.subdistrict), pk=pk
    )
    return _photo(entry, "photo_2")
