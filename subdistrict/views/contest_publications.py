"""公示 of a star contest's result (`/subdistrict/star-groups/<pk>/…`), the same 公示 as a
community's standings (views/publications.py) with the same services: objections recorded
and decided (街道 admin) while it is under 公示, made final once the period is over and
every objection is decided (街道 admin), and the printable notice (any 街道 role). The
contest is the sub-district's own: another sub-district's gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from subdistrict import services_publications as services
from subdistrict.access import subdistrict_required
from subdistrict.forms_publications import DecisionForm, ObjectionForm
from subdistrict.models import ContestObjection, StarContest, StarEntry, SubDistrictRole
from subdistrict.views.contests import contest_or_404, render_detail

ADMIN = SubDistrictRole.Role.ADMIN


@require_POST
@subdistrict_required(ADMIN)
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    contest = contest_or_404(request, pk)
    form = ObjectionForm(request.POST, today=timezone.localdate())
    if form.is_valid():
        try:
            services.record_objection(publication=contest, by=request.user, **form.cleaned_data)
        except services.PublicationError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("已记录异议。"))
            return redirect("subdistrict:contest_detail", contest.pk)
    return render_detail(request, contest, objection_form=form)


@require_POST
@subdistrict_required(ADMIN)
def objection_decide(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    contest = contest_or_404(request, pk)
    objection = get_object_or_404(ContestObjection.objects.filter(contest=contest), pk=objection_pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明处理结果。"))
    else:
        try:
            services.decide_objection(
                objection=objection, decision=form.cleaned_data["decision"], by=request.user
            )
        except services.PublicationError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("已记录处理结果。"))
    return redirect("subdistrict:contest_detail", contest.pk)


@require_POST
@subdistrict_required(ADMIN)
def contest_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    contest = contest_or_404(request, pk)
    try:
        services.finalize(publication=contest, today=timezone.localdate(), by=request.user)
    except services.PublicationError as refusal:
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
