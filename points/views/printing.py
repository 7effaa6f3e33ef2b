"""Printed passbook covers with the QR code, for staff: one household, or a building group.

Only a token's hash is stored, so printing always issues a new token (the old paper
passbook's code stops working). The plain tokens ride in the staff session from the POST
that issued them to the one GET that renders the sheet, and are dropped there: never in a
URL, never shown twice.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from points.forms.printing import PrintGroupForm
from points.models import PassbookToken
from points.passbook import issue_tokens, revoke_tokens, token_hash
from residents.models import Household
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404, scoped

SHEET_SESSION_KEY = "passbook_print_sheet"
CARDS_PER_PAGE = 8  # 2 columns × 4 rows, cut apart along the dashed lines
GROUP_PAGE = "points/printing/print_group.html"


def _household_for(request: HttpRequest, pk: int) -> Household:
    return get_scoped_or_404(request, Household.objects.select_related("compound"), pk=pk)


def _hand_off(request: HttpRequest, tokens: dict[int, str], *, back: str) -> HttpResponse:
    """Keep the plain tokens for the next GET of the sheet only."""
    request.session[SHEET_SESSION_KEY] = {
        "community": request.community.pk,
        "tokens": list(tokens.values()),
        "back": back,
    }
    return redirect("points:passbook_print_sheet")


@require_POST
@community_required(*REGISTER_ROLES)
def passbook_print_household(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for(request, pk)
    if not household.is_active:
        messages.error(request, _("该户已迁出，不能打印存折封面。"))
        return redirect(household)
    tokens = issue_tokens(households=[household], by=request.user)
    return _hand_off(request, tokens, back=household.get_absolute_url())


@require_GET
@community_required(*REGISTER_ROLES)
def passbook_print(request: HttpRequest) -> HttpResponse:
    """Choose a building group to print all its passbook covers."""
    return render(request, GROUP_PAGE, {"form": PrintGroupForm(community=request.community)})


@require_POST
@community_required(*REGISTER_ROLES)
def passbook_print_group(request: HttpRequest) -> HttpResponse:
    form = PrintGroupForm(request.POST, community=request.community)
    if form.is_valid():
        households = list(form.households())
        if households:
            tokens = issue_tokens(households=households, by=request.user)
            return _hand_off(request, tokens, back=reverse("points:passbook_print"))
        if form.cleaned_data["only_new"]:
            form.add_error(None, _("该楼组的在册户都已有有效的二维码，没有需要打印的。"))
        else:
            form.add_error(None, _("该楼组没有在册户。"))
    return render(request, GROUP_PAGE, {"form": form}, status=400)


@require_GET
@never_cache
@community_required(*REGISTER_ROLES)
def passbook_print_sheet(request: HttpRequest) -> HttpResponse:
    """The A4 sheet of covers, once. A reload finds nothing and says so."""
    payload = request.session.pop(SHEET_SESSION_KEY, None)
    if not isinstance(payload, dict) or payload.get("community") != request.community.pk:
        payload = None
    cards = _cards(request, payload["tokens"]) if payload else []
    wanted = len(payload["tokens"]) if payload else 0
    response = render(
        request,
        "points/printing/sheet.html",
        {
            "shown_before": payload is None,
            "cards": cards,
            "pages": [
                cards[start : start + CARDS_PER_PAGE]
                for start in range(0, len(cards), CARDS_PER_PAGE)
            ],
            "superseded": wanted - len(cards),
            "back": payload["back"] if payload else reverse("points:passbook_print"),
        },
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


def _cards(request: HttpRequest, tokens: list) -> list[dict]:
    """A card for each token that is still the working one of an active household of this
    community; a token superseded meanwhile (someone printed again) is left out."""
    plain = {token_hash(token): token for token in tokens if isinstance(token, str)}
    rows = (
        scoped(request, PassbookToken)
        .filter(
            token_hash__in=plain,
            revoked_at__isnull=True,
            household__status=Household.Status.ACTIVE,
        )
        .select_related("household__compound")
        .order_by(
            "household__compound__sort_key",
            Length("household__building"),
            "household__building",
            "household__unit",
            Length("household__room"),
            "household__room",
        )
    )
    cards = []
    for row in rows:
        path = reverse("points:passbook_open", args=[plain[row.token_hash]])
        # Printed codes must carry the public address, not whatever host staff used.
        url = (
            settings.PUBLIC_BASE_URL + path
            if settings.PUBLIC_BASE_URL
            else request.build_absolute_uri(path)
        )
        cards.append(
            {
                "household": row.household,
                "issued_at": row.created_at,
                "url": url,
                "qr": segno.make(url, error="m").svg_inline(omitsize=True, svgclass="qr"),
            }
        )
    return cards


@require_POST
@community_required(*REGISTER_ROLES)
def passbook_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """A lost passbook: its QR code stops working now; print a new cover when needed."""
    household = _household_for(request, pk)
    if revoke_tokens(household=household):
        messages.success(
            request,
            _("已作废 %(address)s 的存折二维码，旧存折上的二维码已不能打开。")
            % {"address": household.address},
        )
    else:
        messages.info(request, _("该户目前没有有效的二维码，无需作废。"))
    return redirect(household)


@require_GET
@community_required(*REGISTER_ROLES)
def passbook_qr_status(request: HttpRequest, pk: int) -> HttpResponse:
    """One line for the household page: when the working QR code was issued, or none."""
    household = get_scoped_or_404(request, Household, pk=pk)
    latest = (
        scoped(request, PassbookToken)
        .filter(household=household)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
        .first()
    )
    return render(
        request,
        "points/printing/includes/_qr_status.html",
        {
            "household": household,
            "active": latest if latest and latest.revoked_at is None else None,
            "latest": latest,
        },
    )
