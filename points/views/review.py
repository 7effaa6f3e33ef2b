"""The review queue: pending attendance, grouped by activity, approved or rejected here."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from points import services
from points.forms.review import DecisionForm, ReviewFilterForm
from points.review_pages import QueuePaginator, Segment, layout
from points.rules import Quote, quote_attendances
from residents import parsing
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404, scoped
from volunteering.models import Activity, Attendance

ACTIVITIES_PER_PAGE = 10
# Each record is priced and drawn: a page holds at most this many (an activity with more
# has pages of its own, see points.review_pages).
RECORDS_PER_PAGE = 50


@dataclass
class QueueRow:
    attendance: Attendance
    quote: Quote
    # Logged by the person looking, where the community wants someone else to approve it.
    own: bool = False


@dataclass
class QueueGroup:
    activity: Activity
    segment: Segment
    rows: list[QueueRow] = field(default_factory=list)

    @property
    def approvable(self) -> list[QueueRow]:
        return [row for row in self.rows if not row.own]

    @property
    def points(self) -> int:
        return sum(row.quote.points for row in self.approvable)


# Records of an activity in address order: building 2 before building 10.
NATURAL_ADDRESS = (
    Length("member__household__building"),
    "member__household__building",
    Length("member__household__room"),
    "member__household__room",
    "member_id",
)


def _queue_context(request: HttpRequest, query: QueryDict) -> dict:
    """The page of the queue: activities with pending records, oldest first, each record
    priced by the rules.

    A fixed number of queries whatever is on the page: the activities' pending counts (the
    page layout), the page's activities, their records on the page, and quote_attendances'
    queries for all of the records at once.
    """
    form = ReviewFilterForm(query or None, community=request.community)
    status = Attendance.Status.PENDING
    # From the pending records (their index), not from every activity ever logged.
    pending = scoped(request, Attendance).filter(status=status)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            pending = pending.filter(activity__project=data["project"])
        if data["date_from"]:
            pending = pending.filter(activity__date__gte=data["date_from"])
        if data["date_to"]:
            pending = pending.filter(activity__date__lte=data["date_to"])
    # Oldest first: the records that have waited longest are reviewed first.
    counts = list(
        pending.values("activity__date", "activity_id")
        .annotate(n=Count("*"))
        .order_by("activity__date", "activity_id")
        .values_list("activity_id", "n")
    )
    pages = layout(counts, ACTIVITIES_PER_PAGE, RECORDS_PER_PAGE)
    page = QueuePaginator(pages, len(counts)).get_page(parsing.page_number(query.get("page")))
    segments = {segment.activity_id: segment for segment in page.object_list}
    loaded = scoped(request, Activity).select_related("project").in_bulk(list(segments))
    groups = {
        pk: QueueGroup(loaded[pk], segment) for pk, segment in segments.items() if pk in loaded
    }
    shown = Q(activity__in=[pk for pk, segment in segments.items() if segment.whole])
    for segment in segments.values():
        if not segment.whole:
            part = Attendance.objects.filter(activity=segment.activity_id, status=status)
            part = part.order_by(*NATURAL_ADDRESS).values("pk")[segment.start : segment.stop]
            shown |= Q(pk__in=part)
    attendances = (
        list(
            scoped(request, Attendance)
            .filter(shown, activity__in=list(groups), status=status)
            .select_related("member__household__compound", "recorded_by")
            .order_by("activity_id", *NATURAL_ADDRESS)
        )
        if groups
        else []
    )
    for attendance in attendances:
        attendance.activity = groups[attendance.activity_id].activity  # with its project
    quotes = quote_attendances(request.community, attendances) if attendances else {}
    # The community is the request's, loaded with the membership: no query.
    second_person = request.community.review_by_another
    for attendance in attendances:
        own = second_person and attendance.recorded_by_id == request.user.pk
        groups[attendance.activity_id].rows.append(
            QueueRow(attendance, quotes[attendance.pk], own=own)
        )
    # Reviewed by someone else in the meantime: nothing left to show.
    groups = {pk: group for pk, group in groups.items() if group.rows}
    filters = query.copy()
    filters.pop("page", None)
    return {
        "filter_form": form,
        "page": page,
        "groups": list(groups.values()),
        "second_person": second_person,
        "query_string": filters.urlencode(),
        "page_query": query.urlencode(),
    }


@require_GET
@community_required(*REGISTER_ROLES)
def review_queue(request: HttpRequest) -> HttpResponse:
    context = _queue_context(request, request.GET)
    context["form"] = DecisionForm(initial={"query": context["page_query"]})
    context["ticked"] = set()
    return render(request, "points/review/queue.html", context)


def _approved_message(result: services.ApprovalResult) -> str:
    message = ngettext(
        "已通过 %(count)s 条，记 %(points)s 分。",
        "已通过 %(count)s 条，记 %(points)s 分。",
        len(result.approved),
    ) % {
        "count": len(result.approved),
        "points": result.points,
    }
    unpriced = (
        len(result.approved)
        - len(result.without_household)
        - len(result.base_withheld)
        - len(result.entries)
    )
    if result.base_withheld:
        count = len(result.base_withheld)
        withheld = ngettext(
            "其中 %(count)s 条是党员基础分（党费、组织生活），不计家庭存折积分。",
            "其中 %(count)s 条是党员基础分（党费、组织生活），不计家庭存折积分。",
            count,
        )
        message += " " + withheld % {"count": count}
    if result.without_household:
        count = len(result.without_household)
        message += " " + ngettext(
            "其中 %(count)s 条是报到人员（无本区户籍），不计家庭存折积分。",
            "其中 %(count)s 条是报到人员（无本区户籍），不计家庭存折积分。",
            count,
        ) % {"count": count}
    if unpriced:
        message += " " + ngettext(
            "其中 %(count)s 条没有适用的积分规则，未记分。",
            "其中 %(count)s 条没有适用的积分规则，未记分。",
            unpriced,
        ) % {"count": unpriced}
    return message


def _own_records_message(result: services.ApprovalResult) -> str | None:
    if not result.own_records:
        return None
    return ngettext(
        "%(count)s 条是您自己登记的：本居民区要求由另一人审核，这些记录仍在等待审核。",
        "%(count)s 条是您自己登记的：本居民区要求由另一人审核，这些记录仍在等待审核。",
        len(result.own_records),
    ) % {"count": len(result.own_records)}


def _skipped_message(requested: int, done: int) -> str | None:
    if requested <= done:
        return None
    return ngettext(
        "另有 %(count)s 条已由他人审核（或已不在待审核状态），已跳过。",
        "另有 %(count)s 条已由他人审核（或已不在待审核状态），已跳过。",
        requested - done,
    ) % {"count": requested - done}


@require_POST
@community_required(*REGISTER_ROLES)
def review_decide(request: HttpRequest) -> HttpResponse:
    """Approve one activity's records, approve the ticked records, or reject them."""
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ids = data["attendance"]
        if data["decision"] == DecisionForm.APPROVE_ACTIVITY:
            activity = get_scoped_or_404(request, Activity, pk=data["activity"])
            ids = list(
                scoped(request, Attendance)
                .filter(activity=activity, pk__in=ids)
                .values_list("pk", flat=True)
            )
        try:
            if data["decision"] == DecisionForm.REJECT:
                rejected = services.reject(
                    community=request.community,
                    attendance_ids=ids,
                    reason=data["reason"],
                    by=request.user,
                )
                done = len(rejected)
                messages.success(
                    request,
                    ngettext(
                        "已将 %(count)s 条记为不通过。",
                        "已将 %(count)s 条记为不通过。",
                        len(rejected),
                    )
                    % {"count": len(rejected)},
                )
            else:
                result = services.approve(
                    community=request.community, attendance_ids=ids, by=request.user
                )
                done = len(result.approved) + len(result.own_records)
                if result.approved or not result.own_records:
                    messages.success(request, _approved_message(result))
                own = _own_records_message(result)
                if own:
                    messages.warning(request, own)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            skipped = _skipped_message(len(ids), done)
            if skipped:
                messages.warning(request, skipped)
            query = QueryDict(data["query"]).urlencode()
            return redirect(reverse("points:review_queue") + (f"?{query}" if query else ""))

    # Show the queue again with the ticks and the reason kept, and say what is missing.
    context = _queue_context(request, QueryDict(form.cleaned_data.get("query", "")))
    context["form"] = form
    context["ticked"] = {str(pk) for pk in form.cleaned_data.get("attendance", [])}
    return render(request, "points/review/queue.html", context, status=400)
