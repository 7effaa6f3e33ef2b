"""Where a login lands, and which community a member of several communities works in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from residents import parsing
from residents.home_pages import home_pages
from residents.tenancy import community_required, switch_to


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a login lands: the page an app registered for the user's role (residents.home_pages):
    the dashboard, or the redemption counter for 兑换员 (who do not see the register); for a
    user of no community, the page another level registered (the sub-district's), else 403.
    HEAD too (GET and HEAD): uptime checks and link previews ask the site's root that way."""
    if request.membership is None:
        page = home_pages.for_other(request.user)
        if page is None:
            raise PermissionDenied
        return redirect(page)
    return redirect(home_pages.for_role(request.membership.role))


@require_POST
@community_required()
def switch_community(request: HttpRequest) -> HttpResponse:
    wanted = parsing.optional_identifier(request.POST.get("community"))
    for membership in request.memberships:
        if membership.community_id == wanted:
            switch_to(request, membership.community)
            messages.success(
                request, _("已切换到 %(name)s。") % {"name": membership.community.name}
            )
            break
    else:
        messages.error(request, _("您不在该居民区的工作人员名单中。"))
    return redirect("residents:home")
