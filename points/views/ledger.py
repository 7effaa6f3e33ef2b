"""A household's passbook for staff: balance, entries like a bank passbook, undoing an
approval and (admins) adjusting points."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from points import services
from points.entry_details import attach_details
from points.forms.ledger import AdjustForm, UndoForm
from points.models import Account, LedgerEntry
from residents import parsing
from residents.models import Household
from residents.tenancy import (
    REGISTER_ROLES,
    community_required,
    get_scoped_or_404,
    is_admin,
    scoped,
)

ENTRIES_PER_PAGE = 20
# The panel on the household page shows the latest few; older ones open the full page.
PANEL_ENTRIES = 10
FULL_PAGE = "points/ledger/household_ledger.html"
PANEL = "points/ledger/includes/_panel.html"


def _household_for(request: HttpRequest, pk: int) -> Household:
    return get_scoped_or_404(request, Household.objects.select_related("compound"), pk=pk)


def _quarter_start(day: datetime.date) -> datetime.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def _ledger_context(
    request: HttpRequest,
    household: Household,
    *,
    before: int | None = None,
    return_to: str | None = None,
) -> dict:
    """Balance, this quarter's and year's earned points, and one page of entries, newest
    first, older pages by keyset (`before` = the last entry id shown). Four queries after
    the household, however long the passbook."""
    embedded = bool(request.headers.get("HX-Request"))
    context = {
        "household": household,
        "balance": 0,
        "earned": {"quarter": 0, "year": 0},
        "entries": [],
        "before": before,
        "older_than": None,
        "embedded": embedded,
        # Where the undo and adjust forms come back to: the page the panel sits in.
        "return_to": return_to
        or (
            f"{household.get_absolute_url()}#household-points"
            if embedded
            else request.get_full_path()
        ),
        "can_adjust": is_admin(request),
    }
    if context["can_adjust"]:
        context["adjust_form"] = AdjustForm(household=household)
    account = scoped(request, Account).filter(household=household).first()
    if account is None:  # nothing posted yet: the passbook opens with its first entry
        return context
    context["balance"] = account.balance
    entries = scoped(request, LedgerEntry).filter(account=account)

    today = timezone.localdate()
    year_start = today.replace(month=1, day=1)
    quarter_start = _quarter_start(today)
    # Service points net of reversals (a reversal keeps the date of the entry it reverses).
    context["earned"] = (
        entries.earning()
        .filter(
            occurred_on__gte=year_start,
            occurred_on__lt=year_start.replace(year=year_start.year + 1),
        )
        .aggregate(
            year=Coalesce(Sum("amount"), 0),
            quarter=Coalesce(Sum("amount", filter=Q(occurred_on__gte=quarter_start)), 0),
        )
    )

    size = PANEL_ENTRIES if embedded else ENTRIES_PER_PAGE
    page = entries if before is None else entries.filter(pk__lt=before)
    rows = list(
        page.select_related("member", "activity", "created_by")
        .annotate(is_reversed=Exists(LedgerEntry.objects.filter(reverses=OuterRef("pk"))))
        .order_by("-pk")[: size + 1]
    )
    if len(rows) > size:
        rows = rows[:size]
        context["older_than"] = rows[-1].pk
    for entry in rows:
        entry.points_in = entry.amount if entry.amount > 0 else None
        entry.points_out = -entry.amount if entry.amount < 0 else None
        entry.can_undo = entry.kind == LedgerEntry.Kind.EARN and not entry.is_reversed
    attach_details(rows)
    context["entries"] = rows
    return context


def _return_to(request: HttpRequest, household: Household) -> str:
    """The posted `next` if it is a page of this site, else the passbook page."""
    try:
        url = parsing.text(request.POST.get("next", ""), max_length=2000)
    except ValidationError:
        url = ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("points:household_ledger", args=[household.pk])


@require_GET
@community_required(*REGISTER_ROLES)
def household_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """The passbook: a full page, or the panel of the household page (htmx)."""
    household = _household_for(request, pk)
    context = _ledger_context(
        request, household, before=parsing.optional_identifier(request.GET.get("before"))
    )
    response = render(request, PANEL if context["embedded"] else FULL_PAGE, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@community_required(*REGISTER_ROLES)
def ledger_undo(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Take back an approval: a reversing entry, the record marked as not approved.
    Staff and admins may do it, as they may approve; the entry keeps who and why."""
    household = _household_for(request, pk)
    entry = get_scoped_or_404(
        request,
        LedgerEntry.objects.for_household(household)
        .filter(kind=LedgerEntry.Kind.EARN)
        .select_related("attendance", "activity"),
        pk=entry_pk,
    )
    form = UndoForm(request.POST)
    if form.is_valid():
        try:
            services.undo_approval(
                attendance=entry.attendance, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("已撤销“%(title)s”的审核，冲正 %(points)s 分。")
                % {"title": entry.activity.title if entry.activity else "", "points": entry.amount},
            )
            return redirect(_return_to(request, household))
    context = _ledger_context(request, household, return_to=_return_to(request, household))
    context.update({"undo_form": form, "undo_entry": entry})
    return render(request, FULL_PAGE, context, status=400)


@require_POST
@community_required(*REGISTER_ROLES)
def ledger_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    """A manual correction, by an admin only."""
    household = _household_for(request, pk)
    if not is_admin(request):
        raise PermissionDenied
    form = AdjustForm(request.POST, household=household)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.adjust(
                household=household,
                amount=data["amount"],
                reason=data["reason"],
                member=data["member"],
                on=data["on"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("已调整 %(amount)+d 分，余额 %(balance)s 分。")
                % {"amount": entry.amount, "balance": entry.balance_after},
            )
            return redirect(_return_to(request, household))
    context = _ledger_context(request, household, return_to=_return_to(request, household))
    context["adjust_form"] = form
    return render(request, FULL_PAGE, context, status=400)
