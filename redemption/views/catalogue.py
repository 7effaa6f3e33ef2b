"""The reward catalogue (兑换物品目录): what the community shop can hand out for points.

Admins add and edit rewards and retire them (never delete: past rounds and receipts name
them); staff may read the list. Pictures are served by a view that checks the community,
never straight from the media folder.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redemption import services
from redemption.forms.catalogue import RewardForm
from redemption.models import Reward
from redemption.pictures import picture_response
from residents import parsing
from residents.tenancy import (
    REGISTER_ROLES,
    Role,
    community_required,
    get_scoped_or_404,
    is_admin,
    scoped,
)


def _rewards(request: HttpRequest):
    # How many rounds offered each reward, as one grouped query.
    return scoped(request, Reward).annotate(round_count=Count("round_items"))


def _list_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    rewards = list(_rewards(request).order_by("-is_active", "point_price", "name"))
    return render(
        request,
        "redemption/catalogue/reward_list.html",
        {
            "rewards": rewards,
            "active_count": sum(reward.is_active for reward in rewards),
            "retired_count": sum(not reward.is_active for reward in rewards),
            "can_edit": is_admin(request),
        },
        status=status,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def reward_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _form_page(
    request: HttpRequest, form: RewardForm, *, reward: Reward | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "redemption/catalogue/reward_form.html",
        {"form": form, "reward": reward},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def reward_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, RewardForm(community=request.community), reward=None)
    form = RewardForm(request.POST, request.FILES, community=request.community)
    if form.is_valid():
        try:
            reward = services.create_reward(
                community=request.community,
                values=services.RewardValues(**form.cleaned_data),
                by=request.user,
            )
        except ValidationError as exc:  # a name taken a moment ago by another admin
            form.add_error(None, exc)
        else:
            messages.success(request, _("已把“%(name)s”加入兑换物品目录。") % {"name": reward.name})
            return redirect(f"{reverse('redemption:reward_list')}#reward-{reward.pk}")
    return _form_page(request, form, reward=None, status=400)


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def reward_edit(request: HttpRequest, pk: int) -> HttpResponse:
    reward = get_scoped_or_404(request, Reward, pk=pk)
    if request.method == "GET":
        form = RewardForm(instance=reward, community=request.community)
        return _form_page(request, form, reward=reward)
    form = RewardForm(request.POST, request.FILES, instance=reward, community=request.community)
    if form.is_valid():
        try:
            saved = services.update_reward(
                reward=reward, values=services.RewardValues(**form.cleaned_data), by=request.user
            )
        except ValidationError as exc:  # a name taken a moment ago by another admin
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("已保存“%(name)s”。已经开始的兑换期仍按原来定下的积分和成本兑换。")
                % {"name": saved.name},
            )
            return redirect(f"{reverse('redemption:reward_list')}#reward-{saved.pk}")
    # The page title and picture show the stored reward, not the refused input.
    reward.refresh_from_db()
    return _form_page(request, form, reward=reward, status=400)


@require_POST
@community_required(Role.ADMIN)
def reward_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire a reward (it stays in past rounds and receipts) or bring it back. The wanted
    state is posted, so a double click does not flip it back."""
    reward = get_scoped_or_404(request, Reward, pk=pk)
    wanted = parsing.choice(request.POST.get("active"), ("0", "1"))
    if wanted is None:
        messages.error(request, _("请用页面上的按钮停用或恢复物品。"))
        return _list_page(request, status=400)
    active = wanted == "1"
    services.set_reward_active(reward=reward, active=active, by=request.user)
    if active:
        messages.success(request, _("“%(name)s”已恢复使用。") % {"name": reward.name})
    else:
        messages.success(
            request,
            _("“%(name)s”已停用：新的兑换期不能再选它，已有的兑换记录都保留。")
            % {"name": reward.name},
        )
    return redirect(f"{reverse('redemption:reward_list')}#reward-{reward.pk}")


@require_GET
@community_required()
def reward_picture(request: HttpRequest, pk: int) -> HttpResponse:
    """The reward's picture for any role of its community. The type comes from the file's
    own first bytes; anything that is not a JPEG, PNG or WebP is not served."""
    reward = get_scoped_or_404(request, Reward, pk=pk)
    name = reward.picture.name if reward.picture else ""
    if not name:
        raise Http404
    # Every upload gets a new random name, so the name is a good validator.
    etag = f'"{hashlib.sha256(name.encode()).hexdigest()[:32]}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    response = picture_response(name)
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = etag
    return response
