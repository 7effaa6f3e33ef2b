"""Staff sign-in pages: the login (throttled, accounts.auth) and a community's lockouts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import services
from accounts.auth import ThrottledAuthenticationForm, community_lockouts, normalize_username
from accounts.forms import UnlockForm
from residents.models import StaffMembership
from residents.tenancy import Role, community_required


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


@require_GET
@community_required(Role.ADMIN)
def lockout_list(request: HttpRequest) -> HttpResponse:
    """The community's staff who cannot log in now because of failed attempts."""
    context = {
        "lockouts": community_lockouts(request.community),
        "limit": settings.LOGIN_FAILURE_LIMIT,
        "busy_failures": settings.LOGIN_BUSY_ADDRESS_FAILURES,
        "busy_limit": settings.LOGIN_BUSY_ADDRESS_LIMIT,
        "minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }
    return render(request, "accounts/lockouts.html", context)


@require_POST
@community_required(Role.ADMIN)
def lockout_unlock(request: HttpRequest) -> HttpResponse:
    """Deletes a staff member's failed logins so they can log in again at once."""
    form = UnlockForm(request.POST)
    if not form.is_valid():
        raise Http404
    # Only the names of this community's own staff: another community's user is a 404.
    membership = (
        StaffMembership.objects.filter(community=request.community)
        .annotate(name=Lower("user__username"))
        .filter(name=normalize_username(form.cleaned_data["username"]))
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404
    user = membership.user
    services.unlock(user=user, by=request.user)
    messages.success(
        request,
        _("已解除 %(name)s 的登录锁定。") % {"name": user.get_full_name() or user.username},
    )
    return redirect("login_lockouts")
