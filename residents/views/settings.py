"""Community settings (admins): compounds, building groups and household types."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents import services
from residents.forms.named_items import NamedItemForm
from residents.forms.settings import (
    BuildingGroupForm,
    CompoundForm,
    HouseholdTypeForm,
    ReviewRuleForm,
)
from residents.models import BuildingGroup, Compound, Household, HouseholdType
from residents.tenancy import Role, community_required, get_scoped_or_404, scoped

SETTING_KINDS = {
    "compound": (Compound, CompoundForm, gettext_lazy("小区")),
    "building-group": (BuildingGroup, BuildingGroupForm, gettext_lazy("楼组")),
    "household-type": (HouseholdType, HouseholdTypeForm, gettext_lazy("家庭类型")),
}


def _settings_page(request: HttpRequest, forms: dict, status: int = 200) -> HttpResponse:
    households = Count("households", filter=Q(households__status=Household.Status.ACTIVE))
    return render(
        request,
        "residents/settings.html",
        {
            # Aggregating queries ignore Meta.ordering, so order explicitly (naturally:
            # 2号楼组 before 10号楼组).
            "compounds": scoped(request, Compound)
            .annotate(household_count=households)
            .order_by("sort_key", "name"),
            "building_groups": scoped(request, BuildingGroup)
            .select_related("compound", "leader__household")
            .annotate(household_count=households)
            .order_by("compound__sort_key", "sort_key", "name"),
            "household_types": scoped(request, HouseholdType)
            .annotate(household_count=households)
            .order_by("position", "name"),
            "forms": forms,
            "review_form": ReviewRuleForm(instance=request.community),
        },
        status=status,
    )


def _blank_setting_forms(request: HttpRequest) -> dict:
    # Keyed with underscores so templates can reach them (forms.building_group).
    return {
        kind.replace("-", "_"): form_class(community=request.community, prefix=kind)
        for kind, (_model, form_class, _label) in SETTING_KINDS.items()
    }


@require_GET
@community_required(Role.ADMIN)
def community_settings(request: HttpRequest) -> HttpResponse:
    return _settings_page(request, _blank_setting_forms(request))


def _save_setting(request: HttpRequest, form: NamedItemForm, label: str) -> bool:
    item = form.save_item()
    if item is not None:
        messages.success(request, _("已保存%(label)s“%(name)s”。") % {"label": label, "name": item})
    return item is not None


@require_POST
@community_required(Role.ADMIN)
def setting_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in SETTING_KINDS:
        raise Http404
    _model, form_class, label = SETTING_KINDS[kind]
    form = form_class(request.POST, community=request.community, prefix=kind)
    if form.is_valid() and _save_setting(request, form, label):
        return redirect("residents:settings")
    forms = _blank_setting_forms(request)
    forms[kind.replace("-", "_")] = form
    return _settings_page(request, forms, status=400)


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def setting_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in SETTING_KINDS:
        raise Http404
    model, form_class, label = SETTING_KINDS[kind]
    item = get_scoped_or_404(request, model, pk=pk)
    form = form_class(request.POST or None, instance=item, community=request.community)
    if request.method == "POST" and form.is_valid() and _save_setting(request, form, label):
        return redirect("residents:settings")
    return render(
        request,
        "residents/setting_form.html",
        {"form": form, "item": item, "label": label},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@community_required(Role.ADMIN)
def review_rule(request: HttpRequest) -> HttpResponse:
    """Turns the second-person review on or off for the community (admins)."""
    form = ReviewRuleForm(request.POST, instance=request.community)
    if not form.is_valid():  # a tick box: only a forged request gets here
        return _settings_page(request, _blank_setting_forms(request), status=400)
    required = form.cleaned_data["review_by_another"]
    services.set_review_by_another(community=request.community, required=required, by=request.user)
    if required:
        messages.success(request, _("已开启：参与记录须由登记人以外的另一人审核。"))
    else:
        messages.success(request, _("已关闭：登记人也可以审核自己登记的参与记录。"))
    return redirect(reverse("residents:settings") + "#review-rule")
