"""The party settings (admins): the quarter's base standard, whether base points also reach
household passbooks (off by default), and what each project means to the party (dues, a
meeting of 三会一课, or one of the four posts)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from party import services
from party.forms import SettingsForm
from party.models import ProjectRole
from residents.tenancy import Role, community_required, scoped
from volunteering.models import Project


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def party_settings(request: HttpRequest) -> HttpResponse:
    projects = scoped(request, Project).filter(is_active=True).select_related("category")
    projects = projects.order_by("category__position", "category__name", "position", "name")
    roles = {role.project_id: role.duty or role.post for role in scoped(request, ProjectRole)}
    current = services.settings_of(request.community)
    initial = {
        "meetings_per_quarter": current.meetings_per_quarter,
        "base_points_to_passbook": services.base_points_to_passbook(request.community),
    }
    if request.method == "POST":
        form = SettingsForm(request.POST, projects=projects, roles=roles)
        if form.is_valid():
            try:
                services.save_settings(
                    community=request.community,
                    meetings_per_quarter=form.cleaned_data["meetings_per_quarter"],
                    base_points_to_passbook=form.cleaned_data["base_points_to_passbook"],
                    roles=form.roles(),
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("党员积分设置已保存。"))
                return redirect("party:settings")
        status = 400
    else:
        form = SettingsForm(initial=initial, projects=projects, roles=roles)
        status = 200
    return render(request, "party/settings.html", {"form": form}, status=status)
