"""公示 of a community's quarterly standings (`/publications/`): publish a period's list for
N days (admins), its printable notice, objections recorded and decided (admins), then final
and frozen. Admins and staff read; a community sees only its own publications."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents.reporting import Period
from residents.tenancy import REGISTER_ROLES, Role, community_required, get_scoped_or_404, scoped
from subdistrict import services_publications as services
from subdistrict.forms_publications import DecisionForm, ObjectionForm, PublishForm
from subdistrict.models import Objection, Publication


def _period_label(param: str) -> str:
    year, _sep, quarter = param.partition("Q")
    return Period(int(year), int(quarter) if quarter else None).label


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def publication_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = PublishForm(request.POST or None, today=today)
    if request.method == "POST":
        if request.membership.role != Role.ADMIN:
            raise PermissionDenied
        if form.is_valid():
            try:
                publication = services.publish_standings(
                    community=request.community,
                    period=form.cleaned_data["period"],
                    days=form.cleaned_data["days"],
                    today=today,
                    by=request.user,
                )
            except services.PublicationError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, _("已发布公示。"))
                return redirect("subdistrict:publication_detail", publication.pk)
    publications = scoped(request, Publication).order_by("-published_on", "-id")
    return render(
        request,
        "subdistrict/publications/list.html",
        {"publications": publications, "form": form, "today": today},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = get_scoped_or_404(request, Publication, pk=pk)
    today = timezone.localdate()
    form = ObjectionForm(request.POST or None, today=today)
    if request.method == "POST":
        if request.membership.role != Role.ADMIN:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.record_objection(
                    publication=publication, by=request.user, **form.cleaned_data
                )
            except services.PublicationError as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, _("已记录异议。"))
                return redirect("subdistrict:publication_detail", publication.pk)
    return render(
        request,
        "subdistrict/publications/detail.html",
        {
            "publication": publication,
            "objections": publication.objections.select_related("decided_by", "recorded_by"),
            "form": form,
            "decision_form": DecisionForm(),
            "today": today,
            "can_edit": request.membership.role == Role.ADMIN and not publication.is_final,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@community_required(Role.ADMIN)
def objection_decide(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    publication = get_scoped_or_404(request, Publication, pk=pk)
    objection = get_scoped_or_404(
        request, Objection.objects.filter(publication=publication), pk=objection_pk
    )
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
    return redirect("subdistrict:publication_detail", publication.pk)


@require_POST
@community_required(Role.ADMIN)
def publication_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    publication = get_scoped_or_404(request, Publication, pk=pk)
    try:
        services.finalize(publication=publication, today=timezone.localdate(), by=request.user)
    except services.PublicationError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("公示已定稿。"))
    return redirect("subdistrict:publication_detail", publication.pk)


@require_GET
@community_required(*REGISTER_ROLES)
def publication_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable notice for the board (names masked, as published)."""
    publication = get_scoped_or_404(request, Publication, pk=pk)
    return render(
        request,
        "subdistrict/publications/notice.html",
        {"publication": publication, "period_label": _period_label(publication.period)},
    )
