"""The household register (admins and staff): the list and its search, a household's page,
registering and editing a household with its members, moving out and back in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents import parsing, services
from residents.forms.households import (
    HouseholdFilterForm,
    HouseholdForm,
    MemberFormSet,
    MoveOutForm,
)
from residents.models import Household
from residents.selectors import HouseholdPages, filter_households
from residents.tenancy import (
    REGISTER_ROLES,
    community_required,
    get_scoped_or_404,
    is_admin,
    scoped,
)

PAGE_SIZE = 25


@require_GET
@community_required(*REGISTER_ROLES)
def household_list(request: HttpRequest) -> HttpResponse:
    form = HouseholdFilterForm(request.GET or None, community=request.community)
    valid = form.is_bound and form.is_valid()
    households = filter_households(
        scoped(request, Household.objects.for_list()), form.cleaned_data if valid else None
    )
    paginator = Paginator(HouseholdPages(households), PAGE_SIZE)
    page = paginator.get_page(parsing.page_number(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "households": page.object_list,
        "query_string": query.urlencode(),
        "show_full_phone": is_admin(request),
    }
    # Search-as-you-type (htmx) replaces only the results.
    template = (
        "residents/includes/_household_results.html"
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results"
        else "residents/household_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@community_required(*REGISTER_ROLES)
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_scoped_or_404(
        request,
        Household.objects.select_related("compound", "building_group").prefetch_related("types"),
        pk=pk,
    )
    members = household.members.order_by("-is_active", "position", "id")
    return render(
        request,
        "residents/household_detail.html",
        {
            "household": household,
            "members": members,
            "show_full_phone": is_admin(request),
            "move_out_form": MoveOutForm(initial={"moved_out_on": timezone.localdate()}),
        },
    )


def _member_rows(formset) -> tuple[list[dict], list[int]]:
    members, removed = [], []
    for form in formset.forms:
        if not form.has_changed() and not form.instance.pk:
            continue
        if formset._should_delete_form(form):
            if form.instance.pk:
                removed.append(form.instance.pk)
            continue
        row = dict(form.cleaned_data)
        row["id"] = form.instance.pk
        members.append(row)
    return members, removed


def _group_filled_message(request: HttpRequest, chosen, saved: Household) -> None:
    if chosen is None and saved.building_group_id is not None:
        messages.info(
            request,
            _("%(building)s号楼在册的户都属于“%(group)s”，楼组已自动填为“%(group)s”。")
            % {"building": saved.building, "group": saved.building_group.name},
        )


def _edit_household(request: HttpRequest, household: Household | None) -> HttpResponse:
    instance = household or Household(community=request.community)
    duplicate = None
    if request.method == "POST":
        form = HouseholdForm(request.POST, instance=instance, community=request.community)
        formset = MemberFormSet(request.POST, instance=instance, prefix="members")
        if form.is_valid() and formset.is_valid():
            members, removed = _member_rows(formset)
            fields = {name: form.cleaned_data.get(name) for name in services.HOUSEHOLD_FIELDS}
            try:
                saved = services.save_household(
                    community=request.community,
                    household=household,
                    fields=fields,
                    types=list(form.cleaned_data["types"]),
                    members=members,
                    removed_member_ids=removed,
                )
            except ValidationError as error:
                form.add_error(None, error)
                found = services.duplicate_household_id(error)
                if found is not None:
                    duplicate = scoped(request, Household).filter(pk=found).first()
            else:
                _group_filled_message(request, fields["building_group"], saved)
                if household is None:
                    messages.success(
                        request,
                        _("已登记 %(address)s，存折编号 %(number)s。")
                        % {"address": saved.address, "number": saved.passbook_number},
                    )
                else:
                    messages.success(
                        request, _("已保存 %(address)s。") % {"address": saved.address}
                    )
                return redirect(saved)
    else:
        form = HouseholdForm(instance=instance, community=request.community)
        formset = MemberFormSet(instance=instance, prefix="members")
    return render(
        request,
        "residents/household_form.html",
        {"form": form, "formset": formset, "household": household, "duplicate": duplicate},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def household_create(request: HttpRequest) -> HttpResponse:
    return _edit_household(request, None)


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_scoped_or_404(request, Household.objects.select_related("compound"), pk=pk)
    if not household.is_active:
        messages.error(request, _("该户已迁出，如需修改请先办理迁回。"))
        return redirect(household)
    return _edit_household(request, household)


@require_POST
@community_required(*REGISTER_ROLES)
def household_move_out(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_scoped_or_404(request, Household.objects.select_related("compound"), pk=pk)
    form = MoveOutForm(request.POST)
    if form.is_valid():
        try:
            services.move_out(household=household, on=form.cleaned_data["moved_out_on"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(address)s 已办理迁出，积分记录仍保留。") % {"address": household.address},
            )
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(household)


@require_POST
@never_cache
@community_required(*REGISTER_ROLES)
def household_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff (and admins, who see them anyway): one phone number in full, to ring the
    resident: the household's (no `member`) or a member's. Each is on record; the counter
    role may not. JSON for the page's script, a small page without it."""
    household = get_scoped_or_404(request, Household.objects.select_related("compound"), pk=pk)
    member = None
    member_id = parsing.optional_identifier(request.POST.get("member"))
    if member_id is not None:
        member = get_object_or_404(household.members, pk=member_id)
    wants_json = "application/json" in request.headers.get("Accept", "")
    context = {"household": household, "member": member}
    try:
        phone = services.reveal_phone(household=household, member=member, by=request.user)
    except ValidationError as error:
        status = 429 if error.code == "rate_limited" else 400
        message = " ".join(error.messages)
        if wants_json:
            return JsonResponse({"error": message}, status=status)
        return render(
            request, "residents/phone_reveal.html", {**context, "error": message}, status=status
        )
    if wants_json:
        return JsonResponse({"phone": phone})
    return render(request, "residents/phone_reveal.html", {**context, "phone": phone})


@require_POST
@community_required(*REGISTER_ROLES)
def household_move_in(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_scoped_or_404(request, Household.objects.select_related("compound"), pk=pk)
    try:
        services.move_back_in(household=household)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(address)s 已恢复在册。") % {"address": household.address})
    return redirect(household)
