"""Partner units (共建单位), for admins and staff: the list, registering and editing one,
its people (non-residents who serve here through it, or residents), the needs it took and
its quarter as one printable statement."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needs import partners
from needs.forms import PartnerPersonForm, PartnerUnitForm
from needs.models import Need, PartnerPerson, PartnerUnit
from points.forms.standings import StandingsForm
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404, scoped


@require_GET
@community_required(*REGISTER_ROLES)
def partner_list(request: HttpRequest) -> HttpResponse:
    units = scoped(request, PartnerUnit).annotate(
        people_count=Count("people", distinct=True),
        open_count=Count("needs", filter=Q(needs__state__in=Need.OPEN_STATES), distinct=True),
        done_count=Count("needs", filter=Q(needs__state__in=Need.FINISHED_STATES), distinct=True),
    )
    return render(request, "needs/partner_list.html", {"units": units})


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def partner_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    unit = get_scoped_or_404(request, PartnerUnit, pk=pk) if pk is not None else None
    form = PartnerUnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        try:
            unit = partners.save_unit(
                community=request.community,
                by=request.user,
                fields=form.cleaned_data,
                unit=unit,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存“%(name)s”。") % {"name": unit.name})
            return redirect("needs:partner_detail", pk=unit.pk)
    return render(
        request,
        "needs/partner_form.html",
        {"form": form, "unit": unit},
        status=400 if form.is_bound and form.errors else 200,
    )


def _detail(request: HttpRequest, unit: PartnerUnit, *, person_form=None, status=200):
    people = (
        PartnerPerson.objects.filter(community=request.community, unit=unit)
        .select_related("member__household__compound")
        .order_by("member__name")
    )
    needs = scoped(request, Need.objects.for_list()).filter(partner=unit)[:30]
    return render(
        request,
        "needs/partner_detail.html",
        {
            "unit": unit,
            "people": people,
            "needs": needs,
            "person_form": person_form or PartnerPersonForm(community=request.community),
        },
        status=status,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_scoped_or_404(request, PartnerUnit, pk=pk))


@require_POST
@community_required(*REGISTER_ROLES)
def partner_add_person(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_scoped_or_404(request, PartnerUnit, pk=pk)
    form = PartnerPersonForm(request.POST, community=request.community)
    if form.is_valid():
        try:
            person = partners.add_person(
                unit=unit,
                by=request.user,
                member=form.cleaned_data["member"],
                new_person=form.new_person(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(name)s 已加入本单位名单。") % {"name": person.member.name}
            )
            return redirect("needs:partner_detail", pk=unit.pk)
    return _detail(request, unit, person_form=form, status=400)


@require_POST
@community_required(*REGISTER_ROLES)
def partner_remove_person(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    unit = get_scoped_or_404(request, PartnerUnit, pk=pk)
    person = get_scoped_or_404(
        request, PartnerPerson.objects.select_related("member"), pk=person_pk, unit=unit
    )
    partners.remove_person(person=person, by=request.user)
    messages.success(request, _("%(name)s 已移出本单位名单。") % {"name": person.member.name})
    return redirect("needs:partner_detail", pk=unit.pk)


@require_GET
@community_required(*REGISTER_ROLES)
def partner_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's quarter (or year) on one printable page: people, hours, needs done."""
    unit = get_scoped_or_404(request, PartnerUnit, pk=pk)
    today = timezone.localdate()
    form = StandingsForm(request.GET or None, today=today)
    period = form.chosen()
    return render(
        request,
        "needs/partner_statement.html",
        {"unit": unit, "form": form, "statement": partners.statement(unit, period)},
        status=400 if form.is_bound and form.errors else 200,
    )
