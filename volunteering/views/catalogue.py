"""The project menu (公益项目), project claims (认领) and volunteer teams (团队).

Admins configure the menu (categories and projects); staff record who claimed what and
run the teams. Every object is fetched through the tenancy helpers.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents import parsing
from residents.forms.named_items import NamedItemForm
from residents.models import Member
from residents.selectors import search_members
from residents.tenancy import (
    REGISTER_ROLES,
    Role,
    community_required,
    get_scoped_or_404,
    is_admin,
    scoped,
)
from volunteering.forms.catalogue import (
    MemberPickForm,
    ProjectCategoryForm,
    ProjectForm,
    TeamForm,
)
from volunteering.models import (
    Activity,
    Project,
    ProjectCategory,
    ProjectClaim,
    Team,
    TeamMembership,
)
from volunteering.selectors import claim_rates
from volunteering.services import catalogue as services

RECENT_ACTIVITIES = 10
PICKER_TARGET = "picker"


def _count_of(model: type[models.Model], field: str) -> Coalesce:
    """How many `model` rows point at the outer row, as one correlated subquery (two
    Count() joins on the same query would multiply each other)."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=models.IntegerField()), 0)


def _data(request: HttpRequest):
    """POST data for an edit form (bound even when empty, so it shows its errors)."""
    return request.POST if request.method == "POST" else None


def _names(members) -> str:
    return "、".join(member.name for member in members)


def _save_item(request: HttpRequest, form: NamedItemForm, label: str) -> bool:
    item = form.save_item()
    if item is not None:
        messages.success(request, _("已保存%(label)s“%(name)s”。") % {"label": label, "name": item})
    return item is not None


def _picked(form: MemberPickForm) -> set[str]:
    """The ticked member ids, so a refused form shows the same boxes ticked again."""
    if not form.is_bound:
        return set()
    return {str(value) for value in form["members"].value() or []}


def _render_with_picker(
    request: HttpRequest, template: str, context: dict, status: int = 200
) -> HttpResponse:
    # Search-as-you-type (htmx) replaces only the picker's results.
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == PICKER_TARGET:
        template = "volunteering/catalogue/includes/_picker_results.html"
    if context.get("search_problem"):
        status = 400
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _picker_context(request: HttpRequest, form: MemberPickForm, taken: set[int]) -> dict:
    source = request.POST if request.method == "POST" else request.GET
    try:
        query, problem = parsing.search_text(source.get("q", "")), ""
    except ValidationError as error:
        query, problem = "", error.messages[0]
    found = search_members(scoped(request, Member), query) if query else []
    return {
        "q": query,
        "search_problem": problem,
        "found": found,
        "found_more": len(found) >= 20,
        "taken": taken,
        "pick_form": form,
        "picked": _picked(form),
    }


# Projects --------------------------------------------------------------------------------


def _blank_menu_forms(request: HttpRequest) -> dict:
    return {
        "category": ProjectCategoryForm(community=request.community, prefix="category"),
        "project": ProjectForm(community=request.community, prefix="project"),
    }


def _project_list_page(request: HttpRequest, forms: dict, status: int = 200) -> HttpResponse:
    categories = list(scoped(request, ProjectCategory).order_by("position", "name"))
    by_id = {category.pk: category for category in categories}
    projects = (
        scoped(request, Project)
        .annotate(
            claim_count=_count_of(ProjectClaim, "project"),
            activity_count=_count_of(Activity, "project"),
        )
        .order_by("position", "name")
    )
    for category in categories:
        category.active_projects = []
    retired = []
    for project in projects:
        project.category = by_id[project.category_id]
        if project.is_active:
            project.category.active_projects.append(project)
        else:
            retired.append(project)
    retired.sort(key=lambda p: (p.category.position, p.category.name, p.position, p.name))
    return render(
        request,
        "volunteering/catalogue/project_list.html",
        {
            "categories": categories,
            "retired": retired,
            "rates": claim_rates(communities=[request.community.pk])[request.community.pk],
            "can_edit": is_admin(request),
            "forms": forms,
            "forms_have_errors": any(form.errors for form in forms.values()),
        },
        status=status,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def project_list(request: HttpRequest) -> HttpResponse:
    forms = _blank_menu_forms(request) if is_admin(request) else {}
    return _project_list_page(request, forms)


@require_POST
@community_required(Role.ADMIN)
def category_create(request: HttpRequest) -> HttpResponse:
    form = ProjectCategoryForm(request.POST, community=request.community, prefix="category")
    if form.is_valid() and _save_item(request, form, _("项目类别")):
        return redirect("volunteering:project_list")
    forms = {**_blank_menu_forms(request), "category": form}
    return _project_list_page(request, forms, status=400)


@require_POST
@community_required(Role.ADMIN)
def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST, community=request.community, prefix="project")
    if form.is_valid() and _save_item(request, form, _("公益项目")):
        return redirect("volunteering:project_detail", form.instance.pk)
    forms = {**_blank_menu_forms(request), "project": form}
    return _project_list_page(request, forms, status=400)


def _edit_item(
    request: HttpRequest, form, *, label: str, title: str, back_url: str, done_url: str
) -> HttpResponse:
    if request.method == "POST" and form.is_valid() and _save_item(request, form, label):
        return redirect(done_url)
    return render(
        request,
        "volunteering/catalogue/item_form.html",
        {"form": form, "title": title, "back_url": back_url},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_scoped_or_404(request, ProjectCategory, pk=pk)
    form = ProjectCategoryForm(_data(request), instance=category, community=request.community)
    back = reverse("volunteering:project_list")
    return _edit_item(
        request,
        form,
        label=_("项目类别"),
        title=_("修改类别：%(name)s") % {"name": category.name},
        back_url=back,
        done_url=back,
    )


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(request, Project, pk=pk)
    form = ProjectForm(_data(request), instance=project, community=request.community)
    back = reverse("volunteering:project_detail", args=[project.pk])
    return _edit_item(
        request,
        form,
        label=_("公益项目"),
        title=_("修改项目：%(name)s") % {"name": project.name},
        back_url=back,
        done_url=back,
    )


@require_POST
@community_required(Role.ADMIN)
def project_retire(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(request, Project, pk=pk)
    services.set_project_active(project=project, active=False)
    messages.success(
        request,
        _("“%(name)s”已停用：不再出现在可认领的项目中，已有的认领和活动记录都保留。")
        % {"name": project.name},
    )
    return redirect("volunteering:project_detail", project.pk)


@require_POST
@community_required(Role.ADMIN)
def project_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(request, Project, pk=pk)
    services.set_project_active(project=project, active=True)
    messages.success(request, _("“%(name)s”已恢复使用。") % {"name": project.name})
    return redirect("volunteering:project_detail", project.pk)


def _claim_form(request: HttpRequest, data=None) -> MemberPickForm:
    return MemberPickForm(data, community=request.community, date_label=gettext_lazy("认领日期"))


def _project_detail_page(
    request: HttpRequest, project: Project, form: MemberPickForm, status: int = 200
) -> HttpResponse:
    claims = list(
        scoped(request, ProjectClaim)
        .filter(project=project)
        .select_related("member__household__compound")
        .order_by("-claimed_on", "-pk")
    )
    activities = scoped(request, Activity).filter(project=project)
    context = {
        "project": project,
        "claims": claims,
        "activities": activities.with_counts().order_by("-date", "-pk")[:RECENT_ACTIVITIES],
        "activity_total": activities.count(),
        "can_edit": is_admin(request),
        "picker_search": reverse("volunteering:project_detail", args=[project.pk]),
        "picker_action": reverse("volunteering:project_claim", args=[project.pk]),
        "picker_open": project.is_active,
        "picker_submit": _("认领"),
        "picker_taken": _("已认领"),
        **_picker_context(request, form, {claim.member_id for claim in claims}),
    }
    return _render_with_picker(
        request, "volunteering/catalogue/project_detail.html", context, status
    )


@require_GET
@community_required(*REGISTER_ROLES)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(request, Project.objects.select_related("category"), pk=pk)
    return _project_detail_page(request, project, _claim_form(request))


@require_POST
@community_required(*REGISTER_ROLES)
def project_claim(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_scoped_or_404(request, Project.objects.select_related("category"), pk=pk)
    form = _claim_form(request, request.POST)
    if form.is_valid():
        try:
            result = services.claim_project(
                project=project,
                members=form.cleaned_data["members"],
                by=request.user,
                on=form.cleaned_data["on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if result.added:
                messages.success(
                    request,
                    _("%(names)s 已认领“%(project)s”。")
                    % {"names": _names(result.added), "project": project.name},
                )
            if result.skipped:
                messages.info(
                    request,
                    _("%(names)s 此前已认领该项目，未重复登记。")
                    % {"names": _names(result.skipped)},
                )
            return redirect("volunteering:project_detail", project.pk)
    return _project_detail_page(request, project, form, status=400)


@require_POST
@community_required(*REGISTER_ROLES)
def claim_withdraw(request: HttpRequest, pk: int, claim_pk: int) -> HttpResponse:
    claim = get_scoped_or_404(
        request, ProjectClaim.objects.select_related("member"), pk=claim_pk, project_id=pk
    )
    try:
        services.withdraw_claim(claim=claim)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤销 %(name)s 的认领。") % {"name": claim.member.name})
    return redirect("volunteering:project_detail", pk)


# Teams -----------------------------------------------------------------------------------


def _team_list_page(request: HttpRequest, form: TeamForm, status: int = 200) -> HttpResponse:
    teams = list(
        scoped(request, Team)
        .select_related("leader__household__compound")
        .annotate(member_count=_count_of(TeamMembership, "team"))
        .order_by("name")
    )
    return render(
        request,
        "volunteering/catalogue/team_list.html",
        {
            "teams": [team for team in teams if team.is_active],
            "retired": [team for team in teams if not team.is_active],
            "form": form,
        },
        status=status,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def team_list(request: HttpRequest) -> HttpResponse:
    return _team_list_page(request, TeamForm(community=request.community, prefix="team"))


@require_POST
@community_required(*REGISTER_ROLES)
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST, community=request.community, prefix="team")
    if form.is_valid() and _save_item(request, form, _("团队")):
        return redirect("volunteering:team_detail", form.instance.pk)
    return _team_list_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_scoped_or_404(request, Team, pk=pk)
    form = TeamForm(_data(request), instance=team, community=request.community)
    back = reverse("volunteering:team_detail", args=[team.pk])
    return _edit_item(
        request,
        form,
        label=_("团队"),
        title=_("团队改名：%(name)s") % {"name": team.name},
        back_url=back,
        done_url=back,
    )


def _join_form(request: HttpRequest, data=None) -> MemberPickForm:
    return MemberPickForm(data, community=request.community, date_label=gettext_lazy("加入日期"))


def _team_detail_page(
    request: HttpRequest, team: Team, form: MemberPickForm, status: int = 200
) -> HttpResponse:
    memberships = sorted(
        scoped(request, TeamMembership)
        .filter(team=team)
        .select_related("member__household__compound")
        .order_by("joined_on", "pk"),
        # The leader first, then in the order they joined.
        key=lambda membership: membership.member_id != team.leader_id,
    )
    context = {
        "team": team,
        "memberships": memberships,
        "show_full_phone": is_admin(request),
        "picker_search": reverse("volunteering:team_detail", args=[team.pk]),
        "picker_action": reverse("volunteering:team_add_members", args=[team.pk]),
        "picker_open": team.is_active,
        "picker_submit": _("加入团队"),
        "picker_taken": _("已在队"),
        **_picker_context(request, form, {m.member_id for m in memberships}),
    }
    return _render_with_picker(request, "volunteering/catalogue/team_detail.html", context, status)


@require_GET
@community_required(*REGISTER_ROLES)
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_scoped_or_404(request, Team, pk=pk)
    return _team_detail_page(request, team, _join_form(request))


@require_POST
@community_required(*REGISTER_ROLES)
def team_add_members(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_scoped_or_404(request, Team, pk=pk)
    form = _join_form(request, request.POST)
    if form.is_valid():
        try:
            result = services.add_team_members(
                team=team, members=form.cleaned_data["members"], on=form.cleaned_data["on"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if result.added:
                messages.success(
                    request,
                    _("%(names)s 已加入“%(team)s”。")
                    % {"names": _names(result.added), "team": team.name},
                )
            if result.skipped:
                messages.info(
                    request,
                    _("%(names)s 已在团队中，未重复添加。") % {"names": _names(result.skipped)},
                )
            return redirect("volunteering:team_detail", team.pk)
    return _team_detail_page(request, team, form, status=400)


@require_POST
@community_required(*REGISTER_ROLES)
def team_remove_member(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    team = get_scoped_or_404(request, Team, pk=pk)
    member = get_scoped_or_404(request, Member, pk=member_pk)
    try:
        services.remove_team_member(team=team, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s 已退出“%(team)s”。") % {"name": member.name, "team": team.name}
        )
    return redirect("volunteering:team_detail", team.pk)


@require_POST
@community_required(*REGISTER_ROLES)
def team_set_leader(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    team = get_scoped_or_404(request, Team, pk=pk)
    member = get_scoped_or_404(request, Member, pk=member_pk)
    try:
        services.set_team_leader(team=team, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s 现在是“%(team)s”的队长。") % {"name": member.name, "team": team.name},
        )
    return redirect("volunteering:team_detail", team.pk)


@require_POST
@community_required(*REGISTER_ROLES)
def team_retire(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_scoped_or_404(request, Team, pk=pk)
    services.set_team_active(team=team, active=False)
    messages.success(
        request, _("“%(name)s”已停用，队员名单和活动记录都保留。") % {"name": team.name}
    )
    return redirect("volunteering:team_detail", team.pk)


@require_POST
@community_required(*REGISTER_ROLES)
def team_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_scoped_or_404(request, Team, pk=pk)
    services.set_team_active(team=team, active=True)
    messages.success(request, _("“%(name)s”已恢复使用。") % {"name": team.name})
    return redirect("volunteering:team_detail", team.pk)
