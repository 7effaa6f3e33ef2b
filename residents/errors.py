"""The error pages (400, 403, 404, 405, 429, 500 and a refused CSRF check): the site's layout
and language, what happened in plain words, and the way back for who is asking — the home
page for staff, a resident's own page for a resident session, the login page otherwise.

Residents never name the resident pages (they belong to an app above): that app registers
its way back here in its `AppConfig.ready()`:

    way_backs.register(WayBack(name="points.passbook", order=10, applies=..., ...))

A way back whose `applies(request)` is true wins (smallest order first); staff come next,
everybody else is shown the login page. Nothing technical (no exception, no path) is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from residents.registry import OrderedRegistry

logger = logging.getLogger(__name__)

STAFF_LAYOUT = "base.html"
TEMPLATE = "errors/error.html"


@dataclass(frozen=True)
class WayBack:
    name: str
    order: int
    applies: Callable[[HttpRequest], bool]
    url_name: str
    label: Promise | str
    layout: str = STAFF_LAYOUT  # the template the error page extends for this visitor


way_backs: OrderedRegistry[WayBack] = OrderedRegistry()


@dataclass(frozen=True)
class Error:
    title: Promise
    text: Promise


ERRORS: dict[int, Error] = {
    400: Error(
        _("请求无法处理"),
        _("这个请求不完整或内容有误，系统没有做任何改动。请返回上一页再试一次。"),
    ),
    403: Error(
        _("没有权限打开这个页面"),
        _("您现在的身份不能打开这个页面。如果需要，请找居委会的管理员开通权限。"),
    ),
    404: Error(
        _("找不到这个页面"),
        _("链接可能输错了，或者这条内容已经不在了。"),
    ),
    405: Error(
        _("不能这样打开这个页面"),
        _("这个地址只能通过页面上的按钮使用，直接打开它不会有任何结果。"),
    ),
    429: Error(
        _("操作太频繁"),
        _("短时间内尝试的次数太多，请过 15 分钟再试。"),
    ),
    500: Error(
        _("系统出了点问题"),
        _(
            "刚才的操作没有完成，也没有保存任何内容。请稍后再试；如果一直这样，请告诉居委会工作人员。"
        ),
    ),
}
CSRF_FAILURE = Error(
    _("页面已过期，请重新提交"),
    _(
        "为了安全，这个表单已经失效（页面打开太久，或者已经退出登录）。请返回，刷新页面后重新填写提交。"
    ),
)

# Shown when the page itself cannot be drawn (the database is down): no template, no query.
FALLBACK_HTML = (
    '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>公益存折</title></head><body><main><h1>系统出了点问题</h1>"
    '<p>刚才的操作没有完成，请稍后再试。</p><p><a href="/">回到首页</a></p></main></body></html>'
)


def way_back_for(request: HttpRequest) -> tuple[str, str, str]:
    """(url, label, layout) for whoever is asking."""
    for way in way_backs:
        if way.applies(request):
            return reverse(way.url_name), str(way.label), way.layout
    if getattr(request, "membership", None) is not None:
        return reverse("residents:home"), str(_("回到首页")), STAFF_LAYOUT
    return reverse(settings.LOGIN_URL), str(_("去登录页")), STAFF_LAYOUT


def error_page(request: HttpRequest, status: int, error: Error | None = None) -> HttpResponse:
    error = error or ERRORS[status]
    try:
        url, label, layout = way_back_for(request)
        html = render_to_string(
            TEMPLATE,
            {
                "layout": layout,
                "status": status,
                "title": error.title,
                "text": error.text,
                "back_url": url,
                "back_label": label,
            },
            request=request,
        )
    except Exception:  # the page must not fail in turn (a broken database, a half-set request)
        logger.exception("The %s error page could not be drawn", status)
        html = FALLBACK_HTML
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_page(request, 403, CSRF_FAILURE)


class ErrorPageMiddleware:
    """Gives the empty answers Django's decorators and other libraries make (405 from
    `require_POST`, a bare 429 or 400) the same page, keeping their headers (Allow,
    Retry-After)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code in ERRORS
            and not getattr(response, "streaming", False)
            and not response.content
        ):
            page = error_page(request, response.status_code)
            for header in ("Allow", "Retry-After"):
                if header in response:
                    page[header] = response[header]
            return page
        return response
