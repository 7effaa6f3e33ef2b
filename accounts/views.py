"""Staff sign-in pages: the login (throttled, accounts.auth), a community's lockouts, its
staff accounts (admins) and everyone's own password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.auth import ThrottledAuthenticationForm, community_lockouts, normalize_username
from accounts.forms import NewPasswordForm, OwnPasswordForm, RoleForm, StaffAddForm, UnlockForm
from accounts.models import AccountEvent
from residents.models import StaffMembership
from residents.tenancy import Role, community_required, get_scoped_or_404, scoped


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


# -- Staff accounts (admins), and everyone's own password --------------------------------


def _membership_or_404(request: HttpRequest, user_pk: int) -> StaffMembership:
    """The community's membership of that user: another community's staff are a 404."""
    return get_scoped_or_404(
        request, StaffMembership.objects.select_related("user"), user_id=user_pk
    )


@require_GET
@community_required(Role.ADMIN)
def staff_list(request: HttpRequest) -> HttpResponse:
    """The community's staff: name, sign-in name, role, in use or deactivated. Two queries
    (the memberships with their users, and which of them also work elsewhere)."""
    elsewhere = StaffMembership.objects.filter(user=OuterRef("user")).exclude(
        community=request.community
    )
    memberships = (
        scoped(request, StaffMembership)
        .select_related("user")
        .annotate(elsewhere=Exists(elsewhere))
        .order_by("-user__is_active", "role", "user__username")
    )
    return render(request, "accounts/staff_list.html", {"memberships": memberships})


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def staff_add(request: HttpRequest) -> HttpResponse:
    form = StaffAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.add_staff(
                community=request.community,
                username=data["username"],
                name=data["name"],
                role=data["role"],
                password=data["password1"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("已添加工作人员 %(name)s（用户名 %(username)s），请把密码当面告诉本人。")
                % {"name": data["name"], "username": user.username},
            )
            return redirect("staff_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/staff_add.html", {"form": form}, status=status)


def _detail_page(request: HttpRequest, membership: StaffMembership, **forms) -> HttpResponse:
    user = membership.user
    context = {
        "membership": membership,
        "staff": user,
        "is_self": user.pk == request.user.pk,
        "manageable": services.manageable(user=user, community=request.community),
        "role_form": forms.get("role_form") or RoleForm(initial={"role": membership.role}),
        "password_form": forms.get("password_form") or NewPasswordForm(user=user),
        "events": scoped(request, AccountEvent)
        .filter(user=user)
        .select_related("by")
        .order_by("-at", "-pk")[:20],
    }
    status = 400 if forms else 200
    return render(request, "accounts/staff_detail.html", context, status=status)


@require_GET
@community_required(Role.ADMIN)
def staff_detail(request: HttpRequest, user_pk: int) -> HttpResponse:
    return _detail_page(request, _membership_or_404(request, user_pk))


def _refused(request: HttpRequest, membership: StaffMembership, error: ValidationError):
    messages.error(request, " ".join(error.messages))
    return redirect("staff_detail", user_pk=membership.user_id)


@require_POST
@community_required(Role.ADMIN)
def staff_role(request: HttpRequest, user_pk: int) -> HttpResponse:
    membership = _membership_or_404(request, user_pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, membership, role_form=form)
    try:
        services.change_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
    except ValidationError as error:
        return _refused(request, membership, error)
    messages.success(
        request,
        _("%(name)s 的角色已改为%(role)s。")
        % {
            "name": membership.user.get_full_name() or membership.user.username,
            "role": Role(form.cleaned_data["role"]).label,
        },
    )
    return redirect("staff_detail", user_pk=user_pk)


@require_POST
@community_required(Role.ADMIN)
def staff_password(request: HttpRequest, user_pk: int) -> HttpResponse:
    membership = _membership_or_404(request, user_pk)
    user = membership.user
    form = NewPasswordForm(request.POST, user=user)
    if not form.is_valid():
        return _detail_page(request, membership, password_form=form)
    try:
        services.reset_password(
            community=request.community,
            user=user,
            password=form.cleaned_data["password1"],
            by=request.user,
        )
    except ValidationError as error:
        return _refused(request, membership, error)
    messages.success(
        request,
        _("已为 %(name)s 设置新密码，原来登录的地方都已退出。请把新密码当面告诉本人。")
        % {"name": user.get_full_name() or user.username},
    )
    return redirect("staff_detail", user_pk=user_pk)


@require_POST
@community_required(Role.ADMIN)
def staff_deactivate(request: HttpRequest, user_pk: int) -> HttpResponse:
    membership = _membership_or_404(request, user_pk)
    user = membership.user
    try:
        services.deactivate(community=request.community, user=user, by=request.user)
    except ValidationError as error:
        return _refused(request, membership, error)
    messages.success(
        request,
        _("已停用 %(name)s 的账号：不能再登录，正在使用的登录也已退出。")
        % {"name": user.get_full_name() or user.username},
    )
    return redirect("staff_detail", user_pk=user_pk)


@require_POST
@community_required(Role.ADMIN)
def staff_reactivate(request: HttpRequest, user_pk: int) -> HttpResponse:
    membership = _membership_or_404(request, user_pk)
    user = membership.user
    try:
        services.reactivate(community=request.community, user=user, by=request.user)
    except ValidationError as error:
        return _refused(request, membership, error)
    messages.success(
        request, _("已恢复 %(name)s 的账号。") % {"name": user.get_full_name() or user.username}
    )
    return redirect("staff_detail", user_pk=user_pk)


@require_http_methods(["GET", "POST"])
@community_required()
def own_password(request: HttpRequest) -> HttpResponse:
    """Everyone with a role changes their own password; this browser stays signed in, any
    other session of theirs ends (Django's session hash)."""
    form = OwnPasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.change_own_password(
            user=request.user, password=form.cleaned_data["password1"], community=request.community
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, _("密码已修改，下次登录请用新密码。"))
        return redirect("residents:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/own_password.html", {"form": form}, status=status)
