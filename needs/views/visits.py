"""Visits (走访), for admins and staff: find a household and record a visit in a few taps,
the year's counts (户次, 户均), the households nobody has seen for months, and a household's
file (民情档案)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from needs import selectors, services
from needs.forms import OverdueForm, VisitForm, YearForm
from needs.models import Visit
from needs.search import find_households
from residents import parsing
from residents.models import Household
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404, scoped

PAGE_SIZE = 25
RECENT = 15
DEFAULT_MONTHS = 3


@require_GET
@community_required(*REGISTER_ROLES)
def visit_home(request: HttpRequest) -> HttpResponse:
    """Find the household to visit; the year's counts; the latest visits."""
    query, problem, found = find_households(request)
    year_form = YearForm(request.GET or None)
    year = timezone.localdate().year
    if year_form.is_bound and year_form.is_valid() and year_form.cleaned_data["year"]:
        year = year_form.cleaned_data["year"]
    recent = scoped(request, Visit).select_related("household__compound")[:RECENT]
    return render(
        request,
        "needs/visit_home.html",
        {
            "query": query,
            "problem": problem,
            "found": found,
            "year": year,
            "year_form": year_form,
            "counts": selectors.visit_counts(request.community, year),
            "recent": recent,
        },
        status=400 if problem or (year_form.is_bound and year_form.errors) else 200,
    )


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def visit_new(request: HttpRequest) -> HttpResponse:
    """Record a visit to one household, and the need it brought up."""
    if request.method == "POST":
        form = VisitForm(request.POST, community=request.community)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit, created = services.record_visit(
                    community=request.community,
                    by=request.user,
                    submission_key=data["submission_key"],
                    household=data["household"],
                    visited_on=data["visited_on"],
                    visitors=data["visitors"],
                    findings=data["findings"],
                    need_text=data["need_text"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if created:
                    messages.success(request, _("已记下这次走访。"))
                else:
                    messages.info(request, _("这次走访已经保存过了，没有重复登记。"))
                return redirect(visit)
        household = form.cleaned_data.get("household")
        status = 400
    else:
        household = None
        if "household" in request.GET:
            household = get_scoped_or_404(
                request,
                Household.objects.active().select_related("compound"),
                pk=parsing.optional_identifier(request.GET["household"]) or 0,
            )
        name = request.user.get_full_name() or request.user.get_username()
        form = VisitForm(
            community=request.community,
            initial={"household": household.pk if household else None, "visitors": name},
        )
        status = 200
    return render(
        request, "needs/visit_form.html", {"form": form, "household": household}, status=status
    )


@require_GET
@community_required(*REGISTER_ROLES)
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_scoped_or_404(
        request, Visit.objects.select_related("household__compound", "recorded_by"), pk=pk
    )
    return render(request, "needs/visit_detail.html", {"visit": visit, "needs": visit.needs.all()})


@require_GET
@community_required(*REGISTER_ROLES)
def visits_overdue(request: HttpRequest) -> HttpResponse:
    """Households in residence not visited for N months, those living alone, elderly-only or
    in hardship first."""
    form = OverdueForm(request.GET or None)
    valid = form.is_bound and form.is_valid()
    months = (form.cleaned_data.get("months") if valid else None) or DEFAULT_MONTHS
    priority_only = bool(valid and form.cleaned_data.get("priority"))
    since = selectors.months_before(timezone.localdate(), months)
    households = selectors.not_visited(request.community, since=since, priority_only=priority_only)
    paginator = Paginator(households, PAGE_SIZE)
    page = paginator.get_page(parsing.page_number(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "needs/visits_overdue.html",
        {
            "form": form,
            "months": months,
            "since": since,
            "page": page,
            "households": page.object_list,
            "query_string": query.urlencode(),
            "priority_names": selectors.PRIORITY_TYPES,
        },
        status=400 if form.is_bound and not valid else 200,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def household_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's 民情档案: visits, needs and the help they got, newest first. On the
    household page it is loaded in place (htmx); alone it is a page of its own."""
    household = get_scoped_or_404(request, Household.objects.select_related("compound"), pk=pk)
    context = {"household": household, "entries": selectors.household_file(household)}
    if request.headers.get("HX-Request"):
        return render(request, "needs/includes/_household_file.html", context)
    return render(request, "needs/household_file.html", context)
