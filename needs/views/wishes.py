"""Needs and small wishes (民情 / 微心愿), for admins and staff: the list by state, recording
one from the desk, and a need's page with the one next step its state allows — dispatch,
publish as a call, take, send back, withdraw, complete, follow up. The moves themselves are
needs.services'; the states and moves are Need.MOVES."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from needs import services
from needs.forms import (
    AssigneeForm,
    CompleteForm,
    FollowUpForm,
    NeedForm,
    ReasonForm,
    residents_of,
)
from needs.models import Need
from residents import parsing
from residents.models import Household
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404, scoped

PAGE_SIZE = 25
CALLS = "calls"  # the list's filter for published calls


@require_GET
@community_required(*REGISTER_ROLES)
def need_list(request: HttpRequest) -> HttpResponse:
    state = parsing.choice(request.GET.get("state", ""), (*Need.State.values, CALLS), "")
    needs = scoped(request, Need.objects.for_list())
    if state == CALLS:
        needs = needs.filter(state=Need.State.PENDING, published=True)
    elif state:
        needs = needs.filter(state=state)
    counts = dict(scoped(request, Need).order_by().values_list("state").annotate(n=Count("pk")))
    calls = scoped(request, Need).filter(state=Need.State.PENDING, published=True).count()
    tabs = [("", _("全部"), sum(counts.values()))]
    tabs += [(value, label, counts.get(value, 0)) for value, label in Need.State.choices]
    tabs.insert(2, (CALLS, _("公开认领中"), calls))
    paginator = Paginator(needs, PAGE_SIZE)
    page = paginator.get_page(parsing.page_number(request.GET.get("page")))
    return render(
        request,
        "needs/need_list.html",
        {
            "state": state,
            "tabs": tabs,
            "page": page,
            "needs": page.object_list,
            "query_string": f"state={state}" if state else "",
        },
    )


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def need_new(request: HttpRequest) -> HttpResponse:
    """A need brought to the desk: for a household (from its page) or for the community."""
    household = None
    if request.method == "POST":
        form = NeedForm(request.POST, community=request.community)
        if form.is_valid():
            try:
                need = services.record_need(
                    community=request.community,
                    by=request.user,
                    household=form.cleaned_data["household"],
                    text=form.cleaned_data["text"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("已登记，等待派单。"))
                return redirect(need)
        household = form.cleaned_data.get("household") if hasattr(form, "cleaned_data") else None
        status = 400
    else:
        identifier = parsing.optional_identifier(request.GET.get("household"))
        if identifier is not None:
            household = get_scoped_or_404(
                request, Household.objects.active().select_related("compound"), pk=identifier
            )
        form = NeedForm(
            community=request.community, initial={"household": household.pk if household else None}
        )
        status = 200
    return render(
        request, "needs/need_form.html", {"form": form, "household": household}, status=status
    )


def _need(request: HttpRequest, pk: int) -> Need:
    return get_scoped_or_404(
        request,
        Need.objects.for_list().select_related("visit", "activity", "created_by"),
        pk=pk,
    )


def _doers(need: Need):
    """Who may be named as having done it: the person it was given to, or the team's or
    the unit's people."""
    people = residents_of(need.community)
    if need.member_id:
        return people.filter(pk=need.member_id)
    if need.team_id:
        return people.filter(team_memberships__team_id=need.team_id).distinct()
    if need.partner_id:
        return people.filter(partner_people__unit_id=need.partner_id).distinct()
    return people.none()


def _detail(request: HttpRequest, need: Need, *, status: int = 200, **forms) -> HttpResponse:
    community = request.community
    doers = _doers(need)
    context = {
        "need": need,
        "events": need.events.select_related("by"),
        "moves": need.moves(),
        "assignee_form": forms.get("assignee") or AssigneeForm(community=community),
        "complete_form": forms.get("complete")
        or CompleteForm(
            community=community,
            doers=doers,
            initial={"doers": [m.pk for m in doers], "hours": need.hours},
        ),
        "follow_form": forms.get("follow") or FollowUpForm(),
        "reason_form": forms.get("reason") or ReasonForm(),
        "State": Need.State,
        # What a refused step says, at the top of the page (the step's form may be gone).
        "problems": [error for form in forms.values() for error in form.non_field_errors()],
    }
    return render(request, "needs/need_detail.html", context, status=status)


@require_GET
@community_required(*REGISTER_ROLES)
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _need(request, pk))


def _done(request: HttpRequest, need: Need, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(need)


@require_POST
@community_required(*REGISTER_ROLES)
def need_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    form = AssigneeForm(request.POST, community=request.community)
    if form.is_valid():
        try:
            need = services.dispatch(need=need, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, need, _("已派单给 %(who)s。") % {"who": need.assignee})
    return _detail(request, need, status=400, assignee=form)


@require_POST
@community_required(*REGISTER_ROLES)
def need_take(request: HttpRequest, pk: int) -> HttpResponse:
    """The assignee takes a dispatched need; or whoever answers a published call takes it."""
    need = _need(request, pk)
    form = AssigneeForm(request.POST, community=request.community)
    fields: dict = {}
    if need.state != Need.State.DISPATCHED:
        if not form.is_valid():
            return _detail(request, need, status=400, assignee=form)
        fields = form.cleaned_data
    try:
        need = services.take(need=need, by=request.user, **fields)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _detail(request, need, status=400)
    return _done(request, need, _("%(who)s 已接单。") % {"who": need.assignee})


@require_POST
@community_required(*REGISTER_ROLES)
def need_publish(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    published = parsing.choice(request.POST.get("published", "1"), ("0", "1")) != "0"
    try:
        need = services.publish(need=need, by=request.user, published=published)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _detail(request, need, status=400)
    return _done(
        request,
        need,
        _("已公开认领，党员和共建单位可以接单。") if published else _("已收回公开认领。"),
    )


def _with_reason(request: HttpRequest, pk: int, service, message: str) -> HttpResponse:
    need = _need(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            need = service(need=need, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, need, message)
    return _detail(request, need, status=400, reason=form)


@require_POST
@community_required(*REGISTER_ROLES)
def need_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, services.send_back, _("已退回，等待重新派单。"))


@require_POST
@community_required(*REGISTER_ROLES)
def need_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, services.withdraw, _("已撤销。"))


@require_POST
@community_required(*REGISTER_ROLES)
def need_complete(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    form = CompleteForm(request.POST, community=request.community, doers=_doers(need))
    if form.is_valid():
        data = form.cleaned_data
        try:
            need = services.complete(
                need=need,
                by=request.user,
                done_on=data["done_on"],
                done_note=data["done_note"],
                hours=data["hours"],
                doers=list(data["doers"]),
                project=data["project"],
                submission_key=data["submission_key"],
                people=data["people"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(
                request,
                need,
                ngettext(
                    "已办结；%(n)s 人的服务时长已提交审核。",
                    "已办结；%(n)s 人的服务时长已提交审核。",
                    len(data["doers"]),
                )
                % {"n": len(data["doers"])},
            )
    return _detail(request, need, status=400, complete=form)


@require_POST
@community_required(*REGISTER_ROLES)
def need_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            need = services.follow_up(
                need=need,
                by=request.user,
                confirmed=form.cleaned_data["confirmed"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, need, _("已记下回访结果。"))
    return _detail(request, need, status=400, follow=form)
