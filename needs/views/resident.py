"""The resident's small wish (微心愿), from the passbook page: one text box, the household
of the resident session attached, nothing else asked. Reached only with the resident session
the passbook's QR link starts (points.passbook)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from needs import services
from needs.forms import WishForm
from points.middleware import resident_page
from points.passbook import private, resident_household, unavailable


def _posts_back(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The form posts to its own site: browsers send `Origin: null` under `no-referrer`,
    which Django's CSRF check refuses, so this page (whose address holds no token) says
    `same-origin` instead — the Referer still never leaves the site."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


@resident_page
@require_http_methods(["GET", "POST"])
@_posts_back
@private
def wish_new(request: HttpRequest) -> HttpResponse:
    household = resident_household(request)
    if household is None:
        return unavailable(request)
    form = WishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.post_wish(household=household, text=form.cleaned_data["text"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("points:passbook")
        status = 400
    return render(
        request,
        "needs/resident/wish_form.html",
        {"form": form, "household": household},
        status=status,
    )
