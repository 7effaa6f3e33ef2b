"""Notices (公告) from a community to its residents (`/notices/`): written by admins, read by
staff, shown at the top of the passbook page until they expire, printable for the board."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from residents.tenancy import REGISTER_ROLES, Role, community_required, get_scoped_or_404, scoped
from subdistrict import services_publications as services
from subdistrict.forms_publications import NoticeForm
from subdistrict.models import Notice


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def notice_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = NoticeForm(request.POST or None, today=today)
    if request.method == "POST":
        if request.membership.role != Role.ADMIN:
            raise PermissionDenied
        if form.is_valid():
            services.post_notice(community=request.community, by=request.user, **form.cleaned_data)
            messages.success(request, _("公告已发布，居民的存折上方可以看到。"))
            return redirect("subdistrict:notice_list")
    return render(
        request,
        "subdistrict/notices/list.html",
        {"notices": scoped(request, Notice)[:50], "form": form, "today": today},
        status=400 if form.errors else 200,
    )


@require_POST
@community_required(Role.ADMIN)
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_scoped_or_404(request, Notice, pk=pk)
    services.withdraw_notice(notice=notice, by=request.user)
    messages.success(request, _("公告已撤下。"))
    return redirect("subdistrict:notice_list")


@require_GET
@community_required(*REGISTER_ROLES)
def notice_print(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_scoped_or_404(request, Notice, pk=pk)
    return render(request, "subdistrict/notices/print.html", {"notice": notice})
