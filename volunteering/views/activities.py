from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents import parsing
from residents.models import Household, Member
from residents.selectors import search_members
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404, scoped
from volunteering.forms.activities import (
    ActivityFilterForm,
    ActivityForm,
    ParticipantPicker,
    group_choices,
    group_members,
)
from volunteering.models import Activity, Attendance
from volunteering.services import activities as services

PAGE_SIZE = 25


PICKER_ACTIONS = ("search", "add", "add_group", "tick_all", "untick_all")


def _action(request: HttpRequest) -> str | None:
    """`save` (the default), one of the picker's PICKER_ACTIONS, or None for anything else."""
    return parsing.choice(request.POST.get("action", "save"), ("save", *PICKER_ACTIONS))


def _ticked(data, name: str) -> bool:
    """A tick box of the picker (value "1")."""
    return parsing.choice(data.get(name, ""), ("1", "")) == "1"


def _apply_picker_action(request: HttpRequest, picker: ParticipantPicker) -> None:
    action = _action(request)
    if action == "search":
        picker.search()
    elif action == "add":
        picker.add(picker.ids(request.POST.getlist("add")))
    elif action == "add_group":
        picker.add_group(
            request.POST.get("group", ""),
            adults_only=_ticked(request.POST, "group_adults"),
            ticked=not _ticked(request.POST, "group_unticked"),
        )
    elif action in ("tick_all", "untick_all"):
        picker.tick_all(action == "tick_all")
    else:
        picker.refuse(ValidationError(_("请用页面上的按钮操作。")))


def _picker_context(request: HttpRequest, picker: ParticipantPicker) -> dict:
    return {
        "picker": picker,
        "group_choices": group_choices(request.community),
        "role_choices": Attendance.Role.choices,
    }


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def activity_log(request: HttpRequest) -> HttpResponse:
    """Create an activity and record everyone who took part, in one save."""
    picker = ParticipantPicker(community=request.community)
    form = ActivityForm(community=request.community)
    status = 200
    if request.method == "POST":
        picker = ParticipantPicker.from_post(request.community, request.POST)
        form = ActivityForm(request.POST, community=request.community)
        if _action(request) != "save":
            _apply_picker_action(request, picker)
            form.errors.clear()  # a search is not a save: don't shout about empty fields
            status = 400 if picker.problems else 200
        else:
            rows = picker.participant_rows()
            if form.is_valid() and rows is not None:
                try:
                    activity, created = services.log_activity(
                        community=request.community,
                        by=request.user,
                        submission_key=picker.submission_key,
                        fields=form.cleaned_data,
                        participants=rows,
                    )
                except services.ParticipantErrors as errors:
                    picker.show_errors(errors.rows)
                    form.add_error(None, errors)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    if created:
                        messages.success(
                            request,
                            ngettext(
                                "已登记“%(title)s”，%(count)s 人参与，等待审核。",
                                "已登记“%(title)s”，%(count)s 人参与，等待审核。",
                                len(rows),
                            )
                            % {"title": activity.title, "count": len(rows)},
                        )
                    else:
                        messages.info(request, _("这次活动已经保存过了，没有重复登记。"))
                    return redirect(activity)
            status = 400
    return render(
        request,
        "volunteering/activity_log.html",
        {"form": form, **_picker_context(request, picker)},
        status=status,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def people_search(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type results for the participant picker (htmx partial)."""
    try:
        query, problem = parsing.search_text(request.GET.get("q", "")), ""
    except ValidationError as error:
        query, problem = "", error.messages[0]
    people = search_members(scoped(request, Member), query)
    return render(
        request,
        "volunteering/includes/_people_results.html",
        {
            "results": people,
            "query": query,
            "problem": problem,
            "role_choices": Attendance.Role.choices,
        },
        status=400 if problem else 200,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def people_in_group(request: HttpRequest) -> HttpResponse:
    """Rows for everyone in a team or building group (htmx partial)."""
    people = group_members(
        request.community,
        request.GET.get("group", ""),
        adults_only=_ticked(request.GET, "adults"),
    )
    return render(
        request,
        "volunteering/includes/_participant_rows.html",
        {
            "people": people,
            "present": not _ticked(request.GET, "unticked"),
            "role_choices": Attendance.Role.choices,
        },
    )


@require_GET
@community_required(*REGISTER_ROLES)
def activity_list(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET or None, community=request.community)
    activities = scoped(request, Activity.objects.with_counts()).select_related("project")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            activities = activities.filter(project=data["project"])
        if data["date_from"]:
            activities = activities.filter(date__gte=data["date_from"])
        if data["date_to"]:
            activities = activities.filter(date__lte=data["date_to"])
        if data["status"] == "pending":
            activities = activities.filter(pending_count__gt=0)
        elif data["status"] == "reviewed":
            activities = activities.filter(pending_count=0)
    page = Paginator(activities.order_by("-date", "-pk"), PAGE_SIZE).get_page(
        parsing.page_number(request.GET.get("page"))
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "volunteering/activity_list.html",
        {
            "form": form,
            "page": page,
            "activities": page.object_list,
            "query_string": query.urlencode(),
        },
    )


def _activity_for(request: HttpRequest, pk: int) -> Activity:
    return get_scoped_or_404(
        request, Activity.objects.select_related("project__category", "created_by"), pk=pk
    )


def _attendance_rows(activity: Activity):
    return activity.attendances.select_related(
        "member__household__compound", "recorded_by", "reviewed_by"
    ).order_by("member__household__building", "member__household__room", "member__position")


@require_GET
@community_required(*REGISTER_ROLES)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity_for(request, pk)
    attendances = list(_attendance_rows(activity))
    return render(
        request,
        "volunteering/activity_detail.html",
        {
            "activity": activity,
            "attendances": attendances,
            "pending": sum(a.status == Attendance.Status.PENDING for a in attendances),
            "total_hours": sum(a.hours for a in attendances),
        },
    )


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def activity_participants(request: HttpRequest, pk: int) -> HttpResponse:
    """Add people to an activity already saved."""
    activity = _activity_for(request, pk)
    picker = ParticipantPicker(community=request.community)
    status = 200
    if request.method == "POST":
        picker = ParticipantPicker.from_post(request.community, request.POST)
        if _action(request) != "save":
            _apply_picker_action(request, picker)
            status = 400 if picker.problems else 200
        else:
            rows = picker.participant_rows()
            if rows is not None:
                try:
                    added = services.add_participants(
                        activity=activity, by=request.user, participants=rows
                    )
                except services.ParticipantErrors as errors:
                    picker.show_errors(errors.rows)
                    picker.message = errors.messages[0]
                except ValidationError as error:
                    picker.message = " ".join(error.messages)
                else:
                    messages.success(
                        request,
                        ngettext(
                            "已补登 %(count)s 人，等待审核。",
                            "已补登 %(count)s 人，等待审核。",
                            len(added),
                        )
                        % {"count": len(added)},
                    )
                    return redirect(activity)
            status = 400
    return render(
        request,
        "volunteering/activity_participants.html",
        {"activity": activity, **_picker_context(request, picker)},
        status=status,
    )


@require_POST
@community_required(*REGISTER_ROLES)
def attendance_remove(request: HttpRequest, pk: int, attendance_pk: int) -> HttpResponse:
    activity = _activity_for(request, pk)
    attendance = get_scoped_or_404(
        request,
        Attendance.objects.select_related("member").filter(activity=activity),
        pk=attendance_pk,
    )
    try:
        services.remove_participant(attendance=attendance)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已将 %(name)s 移出名单。") % {"name": attendance.member.name})
    return redirect(activity)


@require_GET
@community_required(*REGISTER_ROLES)
def sign_in_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A4 sheet to tick names on paper: the recorded participants, or everyone in a team
    or building group (?group=team:<id> / bg:<id>), plus blank lines."""
    activity = _activity_for(request, pk)
    group = request.GET.get("group", "")
    if group:  # a team or building group (nobody for a malformed one)
        people = group_members(request.community, group)
    else:
        people = [a.member for a in _attendance_rows(activity)]
    blank_lines = range(max(25 - len(people), 5))
    return render(
        request,
        "volunteering/sign_in_sheet.html",
        {
            "activity": activity,
            "people": people,
            "blank_lines": blank_lines,
            "group_choices": group_choices(request.community),
            "group": group,
        },
    )


@require_GET
@community_required(*REGISTER_ROLES)
def household_history(request: HttpRequest, pk: int) -> HttpResponse:
    """What the household's members took part in (a panel of the household page)."""
    household = get_scoped_or_404(request, Household, pk=pk)
    attendances = (
        scoped(request, Attendance)
        .filter(member__household=household)
        .select_related("activity__project", "member")
        .order_by("-activity__date", "-activity__pk")
    )
    recent = list(attendances[:30])
    totals = attendances.aggregate(
        count=Count("pk"),
        approved=Count("pk", filter=Q(status=Attendance.Status.APPROVED)),
    )
    return render(
        request,
        "volunteering/includes/_household_history.html"
        if request.headers.get("HX-Request")
        else "volunteering/household_history.html",
        {"household": household, "attendances": recent, "totals": totals},
    )
