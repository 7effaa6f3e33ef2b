"""The party members' register (在职党员四情数据库), for staff and admins: each party member
on one row with the four facts (household or 报到, employer and position, skills, claimed
projects and post), in service or retired, building-group leader or not; filters, a search
by skill or employer, the claim rate of in-service members, and the .xlsx export."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from party import selectors
from party.forms import RegisterFilterForm
from residents import parsing
from residents.spreadsheets import (
    Column,
    Table,
    chosen_format,
    dated_names,
    format_error,
    record_export,
    refused,
    spreadsheet_response,
)
from residents.tenancy import REGISTER_ROLES, community_required
from volunteering.selectors import claim_rates

PAGE_SIZE = 50


def _rows(request: HttpRequest, form: RegisterFilterForm, posts: dict[int, str]):
    return selectors.search_register(
        selectors.party_members(request.community), form.cleaned(), posts
    )


@require_GET
@community_required(*REGISTER_ROLES)
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None, community=request.community)
    posts = selectors.posts_of(request.community)
    found = _rows(request, form, posts)
    paginator = Paginator(selectors.with_register_facts(found), PAGE_SIZE)
    page = paginator.get_page(parsing.page_number(request.GET.get("page")))
    members = list(page.object_list)
    for member in members:
        member.claims_shown = selectors.claims_shown(member, posts)
        member.has_post = any(claim.post for claim in member.claims_shown)
    query = request.GET.copy()
    query.pop("page", None)
    rates = claim_rates(communities=[request.community.pk])[request.community.pk]
    return render(
        request,
        "party/register.html",
        {
            "form": form,
            "page": page,
            "members": members,
            "query_string": query.urlencode(),
            "rate": rates["in_service"],
            "party_rate": rates["party"],
        },
    )


def _conditions(form: RegisterFilterForm) -> dict[str, str]:
    data = form.cleaned() or {}
    shown = {}
    for name in ("q", "service", "residence", "leader", "post", "building_group"):
        value = data.get(name)
        if value:
            field = form.fields[name]
            choices = dict(getattr(field, "choices", []))
            shown[name] = str(choices.get(value, value))
    return shown


@require_GET
@community_required(*REGISTER_ROLES)
def register_export(request: HttpRequest) -> HttpResponse:
    """The register as filtered, as .xlsx (or .csv); phone numbers masked."""
    form = RegisterFilterForm(request.GET or None, community=request.community)
    file_format = chosen_format(request)
    errors = [] if file_format else [format_error()]
    if form.is_bound and not form.is_valid():
        errors += [
            f"{form.fields[name].label}：{error}" if name in form.fields else error
            for name, field_errors in form.errors.items()
            for error in field_errors
        ]
    if errors:
        return refused(request, errors, back=reverse("party:register"))
    posts = selectors.posts_of(request.community)
    members = list(selectors.with_register_facts(_rows(request, form, posts)))
    rows = []
    for member in members:
        claims = selectors.claims_shown(member, posts)
        rows.append(
            [
                member.name,
                member.place,
                _("在职") if member.is_in_service_party_member else _("退休"),
                member.employer,
                member.job_title,
                "、".join(member.specialties),
                "、".join(f"{c.project}（{c.post}）" if c.post else c.project for c in claims),
                "、".join(sorted({c.post for c in claims if c.post})) or _("未认领"),
                _("是") if member.is_leader else "",
                member.reported_on,
                member.masked_phone,
                member.party_balance,
            ]
        )
    ascii_name, name = dated_names(
        "cpc-members", _("党员名册"), request.community.slug, timezone.localdate()
    )
    table = Table(
        _("党员名册"),
        [
            Column(_("姓名"), 10),
            Column(_("住址/报到"), 22),
            Column(_("在职/退休"), 8),
            Column(_("工作单位"), 22),
            Column(_("职务"), 12),
            Column(_("特长"), 16),
            Column(_("认领项目"), 28),
            Column(_("岗位"), 14),
            Column(_("楼组长"), 7),
            Column(_("报到日期"), 12, number_format="yyyy-mm-dd"),
            Column(_("手机"), 13),
            Column(_("党员积分"), 9),
        ],
        rows,
    )
    response = spreadsheet_response(
        file_format=file_format, tables=[table], ascii_name=ascii_name, name=name
    )
    record_export(
        request,
        what="cpc_members",
        file_format=file_format,
        rows=len(rows),
        parameters=_conditions(form),
    )
    return response
