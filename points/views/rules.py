"""Point rules settings (积分规则), for admins: the rules of each scope, and forms to add,
edit (while unused), end, supersede and delete them. Writes go through points.rules_admin."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from points import rules_admin
from points.forms.rules import EndRuleForm, RuleForm, add_errors
from points.models import PointRule
from residents.tenancy import Role, community_required, get_scoped_or_404, scoped


@dataclass
class ScopeGroup:
    """The rules of one scope (community default, a category or a project)."""

    anchor: str
    title: str
    subtitle: str = ""
    rules: list[PointRule] = field(default_factory=list)
    sort_key: tuple = ()

    @property
    def in_force(self) -> PointRule | None:
        return next((rule for rule in self.rules if rule.state == "current"), None)


def _rules(request: HttpRequest):
    return scoped(request, PointRule).select_related("project__category", "category")


def _with_usage(rules):
    # One query: how many entries each rule priced, and the last day it priced.
    return rules.annotate(used_count=Count("entries"), last_used=Max("entries__occurred_on"))


def _state(rule: PointRule, today: datetime.date) -> str:
    if rule.covers(today):
        return "current"
    return "future" if rule.starts_on > today else "ended"


def _group_rules(rules: list[PointRule], today: datetime.date) -> list[ScopeGroup]:
    default = ScopeGroup("default", _("全居民区默认"))
    categories: dict[int, ScopeGroup] = {}
    projects: dict[int, ScopeGroup] = {}
    for rule in rules:
        rule.state = _state(rule, today)
        if rule.project_id:
            group = projects.setdefault(
                rule.project_id,
                ScopeGroup(
                    f"project-{rule.project_id}",
                    _("项目：%(name)s") % {"name": rule.project.name},
                    _("类别：%(name)s") % {"name": rule.project.category.name},
                ),
            )
            group.sort_key = (
                rule.project.category.position,
                rule.project.category.name,
                rule.project.position,
                rule.project.name,
            )
        elif rule.category_id:
            group = categories.setdefault(
                rule.category_id,
                ScopeGroup(
                    f"category-{rule.category_id}",
                    _("类别：%(name)s") % {"name": rule.category.name},
                ),
            )
            group.sort_key = (rule.category.position, rule.category.name)
        else:
            group = default
        group.rules.append(rule)
    return [
        default,
        *sorted(categories.values(), key=lambda g: g.sort_key),
        *sorted(projects.values(), key=lambda g: g.sort_key),
    ]


def _list_page(request: HttpRequest, form: RuleForm, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    rules = list(_with_usage(_rules(request)).order_by("starts_on", "pk"))
    groups = _group_rules(rules, today)
    return render(
        request,
        "points/rules/rule_list.html",
        {
            "groups": groups,
            "default_in_force": groups[0].in_force,
            "form": form,
            "today": today,
        },
        status=status,
    )


@require_GET
@community_required(Role.ADMIN)
def rule_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, RuleForm(community=request.community))


@require_POST
@community_required(Role.ADMIN)
def rule_create(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST, community=request.community)
    if form.is_valid():
        try:
            rule = rules_admin.create_rule(
                community=request.community, values=form.values(), by=request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("已添加积分规则：%(rule)s。") % {"rule": _describe(rule)})
            return redirect(f"{reverse('points:rule_list')}#rule-{rule.pk}")
    return _list_page(request, form, status=400)


def _describe(rule: PointRule) -> str:
    scope = rules_admin.scope_label(rule.project, rule.category)
    return f"{scope} · {rules_admin.period_label(rule.starts_on, rule.ends_on)}"


def _rule_page(
    request: HttpRequest,
    rule: PointRule,
    *,
    edit_form: RuleForm | None = None,
    end_form: EndRuleForm | None = None,
    new_form: RuleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    last_used = rules_admin.last_used_on(rule)
    used_count = rule.entries.count() if last_used else 0
    rule.state = _state(rule, today)
    community = request.community
    if used_count:
        edit_form = None
    elif edit_form is None:
        edit_form = RuleForm(initial=RuleForm.initial_for(rule), community=community, current=rule)
    if end_form is None:
        end_on = rule.ends_on or max(today, last_used or rule.starts_on)
        end_form = EndRuleForm(initial={"ends_on": end_on})
    if new_form is None:
        # The day after today or the rule's last use (9999-12-31, in odd old data, has none).
        after = max(today, last_used or rule.starts_on)
        earliest = after + datetime.timedelta(days=1) if after < datetime.date.max else after
        new_form = RuleForm(
            initial=RuleForm.initial_for(rule, starts_on=earliest),
            community=community,
            with_scope=False,
            prefix="new",
        )
    return render(
        request,
        "points/rules/rule_detail.html",
        {
            "rule": rule,
            "scope": rules_admin.scope_label(rule.project, rule.category),
            "used_count": used_count,
            "last_used": last_used,
            "edit_form": edit_form,
            "end_form": end_form,
            "new_form": new_form,
            "today": today,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """An unused rule is edited freely; a used one shows how to end or supersede it."""
    rule = get_scoped_or_404(request, _rules(request), pk=pk)
    if request.method == "GET":
        return _rule_page(request, rule)
    form = RuleForm(request.POST, community=request.community, current=rule)
    try:
        if not form.is_valid():
            rules_admin.refuse_if_used(rule)  # say so rather than show an absent form's errors
        else:
            rule = rules_admin.update_rule(rule=rule, values=form.values(), by=request.user)
            messages.success(request, _("已保存积分规则：%(rule)s。") % {"rule": _describe(rule)})
            return redirect(f"{reverse('points:rule_list')}#rule-{rule.pk}")
    except ValidationError as exc:
        if exc.code == "used":
            messages.error(request, exc.messages[0])
            return _rule_page(request, rule, status=409)
        add_errors(form, exc)
    return _rule_page(request, rule, edit_form=form, status=400)


@require_POST
@community_required(Role.ADMIN)
def rule_end(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_scoped_or_404(request, _rules(request), pk=pk)
    form = EndRuleForm(request.POST)
    if form.is_valid():
        try:
            rule = rules_admin.end_rule(
                rule=rule, ends_on=form.cleaned_data["ends_on"], by=request.user
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("已结束积分规则：%(rule)s。") % {"rule": _describe(rule)})
            return redirect(f"{reverse('points:rule_list')}#rule-{rule.pk}")
    return _rule_page(request, rule, end_form=form, status=400)


@require_POST
@community_required(Role.ADMIN)
def rule_supersede(request: HttpRequest, pk: int) -> HttpResponse:
    """New amounts from a date: the rule ends the day before and a new rule starts."""
    rule = get_scoped_or_404(request, _rules(request), pk=pk)
    form = RuleForm(request.POST, community=request.community, with_scope=False, prefix="new")
    if form.is_valid():
        try:
            new_rule = rules_admin.supersede_rule(rule=rule, values=form.values(), by=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已改用新标准：%(rule)s。原规则的积分不变。") % {"rule": _describe(new_rule)},
            )
            return redirect(f"{reverse('points:rule_list')}#rule-{new_rule.pk}")
    return _rule_page(request, rule, new_form=form, status=400)


@require_POST
@community_required(Role.ADMIN)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_scoped_or_404(request, _rules(request), pk=pk)
    try:
        rules_admin.delete_rule(rule=rule, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return _rule_page(request, rule, status=409)
    messages.success(request, _("已删除积分规则：%(rule)s。") % {"rule": _describe(rule)})
    return redirect("points:rule_list")
