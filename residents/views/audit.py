"""The audit trail pages, for admins: the community's recent changes, and one object's
history (a household's includes its members and its household types).

The trail itself is written by PostgreSQL (residents/migrations/0005_audit_triggers.py);
residents.audit reads it back. Both pages run a fixed number of queries: one for the page
of events and one per model their foreign keys name, however many events there are.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from residents import audit, parsing
from residents.forms.audit import SYSTEM, AuditFilterForm
from residents.models import AuditEvent, StaffMembership
from residents.tenancy import Role, community_required, is_admin, scoped

PAGE_SIZE = 50


def _events(request: HttpRequest):
    return scoped(request, AuditEvent).select_related("actor").order_by("-at", "-pk")


@require_GET
@community_required(Role.ADMIN)
def audit_list(request: HttpRequest) -> HttpResponse:
    """The community's recent changes, newest first, by object type and by who made them."""
    memberships = list(
        StaffMembership.objects.filter(community=request.community)
        .select_related("user")
        .order_by("user__username")
    )
    form = AuditFilterForm(request.GET or None, memberships=memberships)
    events = _events(request)
    status = 200
    if form.is_bound and form.is_valid():
        table, actor = form.cleaned_data["table"], form.cleaned_data["actor"]
        if table:
            events = events.filter(table=table)
        if actor == SYSTEM:
            events = events.filter(actor__isnull=True)
        elif actor:
            events = events.filter(actor_id=parsing.identifier(actor))
    elif form.is_bound:
        events, status = events.none(), 400
    page = Paginator(events, PAGE_SIZE).get_page(parsing.page_number(request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "events": audit.describe(
            page.object_list, community=request.community, full_phones=is_admin(request)
        ),
        "query_string": query.urlencode(),
    }
    return render(request, "residents/audit/audit_list.html", context, status=status)


@require_GET
@community_required(Role.ADMIN)
def audit_object(request: HttpRequest, table: str, object_id: int) -> HttpResponse:
    """One object's history, newest first. Another community's object, a table that is not
    audited, or an object that never existed here: 404."""
    if not audit.is_browsable(table):
        raise Http404
    obj = audit.find_object(table, object_id, request.community)
    events = _events(request).filter(audit.history_filter(table, object_id))
    page = Paginator(events, PAGE_SIZE).get_page(parsing.page_number(request.GET.get("page")))
    if obj is None and not page.object_list:
        raise Http404
    views = audit.describe(
        page.object_list,
        community=request.community,
        full_phones=is_admin(request),
        main=(table, object_id),
    )
    own = next((view for view in views if view.is_main), None)
    if obj is not None:
        title = str(obj)
    elif own is not None:
        title = own.subject
    else:  # a deleted object with only its children's events on this page
        title = f"#{object_id}"
    context = {
        "page": page,
        "events": views,
        "title": title,
        "kind": audit.table_label(table),
        "object_url": audit.object_page(table, obj) if obj is not None else None,
        "is_deleted": obj is None,
    }
    return render(request, "residents/audit/audit_object.html", context)
