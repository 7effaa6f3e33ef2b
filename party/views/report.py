"""Registering a party member who lives elsewhere and reported here (报到), with their
employer and position (staff and admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from party import services
from party.forms import ReportForm
from residents.tenancy import REGISTER_ROLES, community_required


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def report(request: HttpRequest) -> HttpResponse:
    duplicate = None
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                member = services.report_member(
                    community=request.community,
                    fields=form.member_fields(),
                    reported_on=form.cleaned_data["reported_on"],
                    by=request.user,
                )
            except ValidationError as error:
                if error.code == "duplicate":
                    duplicate = error.params["member"]
                form.add_error(None, error)
            else:
                messages.success(request, _("已登记报到：%(name)s。") % {"name": member.name})
                return redirect("party:member", pk=member.pk)
    else:
        form = ReportForm()
    return render(
        request,
        "party/report.html",
        {"form": form, "duplicate": duplicate},
        status=400 if form.is_bound else 200,
    )
