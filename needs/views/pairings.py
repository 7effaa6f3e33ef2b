"""Pairings (结对), for admins and staff: a volunteer or a unit paired with a household
(老伙伴, 困难家庭结对), what the household got since (visits, needs done), and the report of
the lonely, elderly-only and hardship households nobody is looking after."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needs import selectors, services
from needs.forms import OverdueForm, PairingForm
from needs.models import Need, Pairing, Visit
from residents import parsing
from residents.models import Household
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404, scoped

PAGE_SIZE = 25
DEFAULT_MONTHS = 3


@require_GET
@community_required(*REGISTER_ROLES)
def pairing_list(request: HttpRequest) -> HttpResponse:
    pairings = (
        scoped(request, Pairing)
        .filter(ended_on__isnull=True)
        .select_related("household__compound", "member__household__compound", "partner")
        .order_by("kind", "household__compound__name", "household__building", "household__room")
    )
    paginator = Paginator(pairings, PAGE_SIZE)
    page = paginator.get_page(parsing.page_number(request.GET.get("page")))
    return render(request, "needs/pairing_list.html", {"page": page, "pairings": page.object_list})


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def pairing_new(request: HttpRequest) -> HttpResponse:
    household = None
    if request.method == "POST":
        form = PairingForm(request.POST, community=request.community)
        if form.is_valid():
            data = form.cleaned_data
            try:
                pairing = services.pair(
                    community=request.community,
                    by=request.user,
                    household=data["household"],
                    kind=data["kind"],
                    started_on=data["started_on"],
                    member=data["member"],
                    partner=data["partner"],
                    note=data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("已结对。"))
                return redirect("needs:pairing_detail", pk=pairing.pk)
        household = form.cleaned_data.get("household") if hasattr(form, "cleaned_data") else None
        status = 400
    else:
        identifier = parsing.optional_identifier(request.GET.get("household"))
        if identifier is not None:
            household = get_scoped_or_404(
                request, Household.objects.active().select_related("compound"), pk=identifier
            )
        form = PairingForm(
            community=request.community,
            initial={"household": household.pk if household else None},
        )
        status = 200
    return render(
        request, "needs/pairing_form.html", {"form": form, "household": household}, status=status
    )


@require_GET
@community_required(*REGISTER_ROLES)
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The pairing and what the household got since it began: visits and needs done."""
    pairing = get_scoped_or_404(
        request,
        Pairing.objects.select_related("household__compound", "member__household", "partner"),
        pk=pk,
    )
    since = pairing.started_on
    visits = scoped(request, Visit).filter(household=pairing.household, visited_on__gte=since)
    helped = scoped(request, Need.objects.for_list()).filter(
        household=pairing.household, state__in=Need.FINISHED_STATES, done_on__gte=since
    )
    return render(
        request,
        "needs/pairing_detail.html",
        {
            "pairing": pairing,
            "visits": visits[:50],
            "helped": helped[:50],
            "today": timezone.localdate(),
        },
    )


@require_POST
@community_required(*REGISTER_ROLES)
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_scoped_or_404(request, Pairing, pk=pk)
    try:
        services.end_pairing(pairing=pairing, by=request.user, ended_on=timezone.localdate())
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("结对已结束。"))
    return redirect("needs:pairing_detail", pk=pairing.pk)


@require_GET
@community_required(*REGISTER_ROLES)
def pairing_report(request: HttpRequest) -> HttpResponse:
    """Living-alone, elderly-only and hardship households with no pairing, or with no
    visit and no help for N months."""
    form = OverdueForm(request.GET or None)
    valid = form.is_bound and form.is_valid()
    months = (form.cleaned_data.get("months") if valid else None) or DEFAULT_MONTHS
    since = selectors.months_before(timezone.localdate(), months)
    households = selectors.unattended(request.community, since=since)
    paginator = Paginator(households, PAGE_SIZE)
    page = paginator.get_page(parsing.page_number(request.GET.get("page")))
    return render(
        request,
        "needs/pairing_report.html",
        {
            "form": form,
            "months": months,
            "since": since,
            "page": page,
            "households": page.object_list,
            "query_string": f"months={months}",
            "priority_names": selectors.PRIORITY_TYPES,
        },
        status=400 if form.is_bound and not valid else 200,
    )
