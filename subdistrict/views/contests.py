"""The star building-group contest, the sub-district's side (`/subdistrict/star-groups/`):
the contests, opening a year's (街道 admin), an open contest's entries with the figures the
software knows beside each, the rating and the publication for 公示 (街道 admin); then the
same 公示 as a community's standings (views/publications.py) with the same services:
objections recorded and decided (街道 admin) while it is under 公示, made final once the
period is over and every objection is decided (街道 admin), and the printable notice
(any 街道 role). Viewers read. Another sub-district's contest is 404."""

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
from subdistrict import services_publications as publications
from subdistrict.access import is_subdistrict_admin, subdistrict_required
from subdistrict.forms import ContestForm, RatingForm
from subdistrict.forms_publications import DaysForm, DecisionForm, ObjectionForm
from subdistrict.models import ContestObjection, StarContest, StarEntry, SubDistrictRole
from subdistrict.services_publications import PublicationError
from subdistrict.stars import known_figures


def contest_or_404(request: HttpRequest, pk: int) -> StarContest:
    return get_object_or_404(StarContest.objects.filter(subdistrict=request.subdistrict), pk=pk)


def render_detail(
    request: HttpRequest,
    contest: StarContest,
    *,
    form: RatingForm | None = None,
    days_form: DaysForm | None = None,
    objection_form: ObjectionForm | None = None,
) -> HttpResponse:
    """The contest's page: its entries (rated while open), then its 公示 (objections)."""
    entries = list(
        StarEntry.objects.filter(contest=contest)
        .select_related("community", "building_group__compound")
        .order_by("community__name", "building_group__name")
    )
    form = form or RatingForm(entries=entries)
    days_form = days_form or DaysForm()
    objection_form = objection_form or ObjectionForm(today=timezone.localdate())
    figures = known_figures(entries, contest.year)
    rows = [(entry, figures[entry.pk], form.field_for(entry)) for entry in entries]
    admin = is_subdistrict_admin(request)
    errors = form.errors or days_form.errors or objection_form.errors
    return render(
        request,
        "subdistrict/contests/detail.html",
        {
            "contest": contest,
            "rows": rows,
            "form": form,
            "days_form": days_form,
            "can_rate": admin and contest.is_open,
            "communities": len({e.community_id for e in entries}),
            # 公示 (the include subdistrict/publications/_objections.html)
            "publication": contest,
            "objections": contest.objections.select_related("decided_by", "recorded_by"),
            "objection_form": objection_form,
            "decision_form": DecisionForm(),
            "can_edit": admin and contest.status == StarContest.Status.PUBLISHED,
        },
        status=400 if errors else 200,
    )


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
    contest = contest_or_404(request, pk)
    if request.method != "POST":
        return render_detail(request, contest)
    entries = list(StarEntry.objects.filter(contest=contest))
    form = RatingForm(request.POST, entries=entries)
    if not is_subdistrict_admin(request):
        raise PermissionDenied
    if form.is_valid():
        try:
            changed = services.rate_entries(contest=contest, stars=form.stars(), by=request.user)
        except services.ContestError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                ngettext(
                    "已保存评定，改动 %(n)s 个楼组。", "已保存评定，改动 %(n)s 个楼组。", changed
                )
                % {"n": changed},
            )
        return redirect("subdistrict:contest_detail", contest.pk)
    return render_detail(request, contest, form=form)


@require_POST
@subdistrict_required(SubDistrictRole.Role.ADMIN)
def contest_publish(request: HttpRequest, pk: int) -> HttpResponse:
    contest = contest_or_404(request, pk)
    form = DaysForm(request.POST)
    if not form.is_valid():
        return render_detail(request, contest, days_form=form)
    try:
        services.publish_contest(
            contest=contest,
            days=form.cleaned_data["days"],
            today=timezone.localdate(),
            by=request.user,
        )
    except (services.ContestError, PublicationError) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("评选结果已开始公示。"))
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


# -- 公示 of the result ----------------------------------------------------------------------


@require_POST
@subdistrict_required(SubDistrictRole.Role.ADMIN)
def contest_objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    contest = contest_or_404(request, pk)
    form = ObjectionForm(request.POST, today=timezone.localdate())
    if form.is_valid():
        try:
            publications.record_objection(publication=contest, by=request.user, **form.cleaned_data)
        except PublicationError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("已记录异议。"))
            return redirect("subdistrict:contest_detail", contest.pk)
    return render_detail(request, contest, objection_form=form)


@require_POST
@subdistrict_required(SubDistrictRole.Role.ADMIN)
def contest_objection_decide(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    contest = contest_or_404(request, pk)
    objection = get_object_or_404(ContestObjection.objects.filter(contest=contest), pk=objection_pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明处理结果。"))
    else:
        try:
            publications.decide_objection(
                objection=objection, decision=form.cleaned_data["decision"], by=request.user
            )
        except PublicationError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("已记录处理结果。"))
    return redirect("subdistrict:contest_detail", contest.pk)


@require_POST
@subdistrict_required(SubDistrictRole.Role.ADMIN)
def contest_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    contest = contest_or_404(request, pk)
    try:
        publications.finalize(publication=contest, today=timezone.localdate(), by=request.user)
    except PublicationError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("评选结果已定稿，星级显示在各居民区的页面和居民的存折上。"))
    return redirect("subdistrict:contest_detail", contest.pk)


@require_GET
@subdistrict_required()
def contest_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable notice: the building groups given stars, by community (building groups
    and communities, no person)."""
    contest = contest_or_404(request, pk)
    if contest.is_open:
        return redirect("subdistrict:contest_detail", contest.pk)
    entries = (
        StarEntry.objects.filter(contest=contest, stars__isnull=False)
        .select_related("community", "building_group")
        .order_by("-stars", "community__name", "building_group__name")
    )
    return render(
        request,
        "subdistrict/contests/notice.html",
        {"contest": contest, "entries": entries, "status": StarContest.Status},
    )
