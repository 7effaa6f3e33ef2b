"""The redemption counter (兑换柜台): find the household, exchange points for goods in the
open round, print the receipt (兑换单), and cancel one (admins and staff any receipt of the
open round, counter clerks one made today).

Counter clerks (兑换员) see only what the counter needs: passbook number, address, the
household's members by full name (to check who is at the counter; the search results keep
them masked, as a list others in the queue may see) and the balance — never phone numbers
or party membership.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from points.models import Account
from redemption import selectors, services
from redemption.forms.counter import CancelForm, CounterSearchForm, RedeemForm
from redemption.models import Redemption, RedemptionLine, Round
from residents.models import Household
from residents.tenancy import (
    Role,
    community_required,
    get_scoped_or_404,
    is_admin,
    scoped,
)

COUNTER_ROLES = (Role.ADMIN, Role.STAFF, Role.COUNTER)
HOUSEHOLD_PAGE = "redemption/counter/household.html"
RECEIPT_PAGE = "redemption/counter/receipt.html"


def _round_state(round_: Round | None) -> str:
    """Where today stands in the open round (`Round.phase`: open, early, late), or none."""
    return "none" if round_ is None else round_.phase


@require_GET
@community_required(*COUNTER_ROLES)
def counter(request: HttpRequest) -> HttpResponse:
    """The open round at a glance and the search box; one exact hit goes straight to the
    household."""
    form = CounterSearchForm(request.GET or None)
    search = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        search = selectors.find_households_at_counter(
            scoped(request, Household), form.cleaned_data["q"]
        )
        if search.single is not None:
            return redirect("redemption:counter_household", pk=search.single.pk)
    round_ = selectors.open_round(request.community)
    return render(
        request,
        "redemption/counter/counter.html",
        {
            "form": form,
            "search": search,
            "round": round_,
            "round_state": _round_state(round_),
            "items": list(selectors.round_items(round_)) if round_ else [],
            "can_manage_rounds": is_admin(request),
        },
    )


def _household_context(request: HttpRequest, household: Household, form: RedeemForm | None):
    round_ = selectors.open_round(request.community)
    items = list(selectors.round_items(round_)) if round_ else []
    taken = selectors.taken_by_household(round_, household) if round_ else {}
    balance = scoped(request, Account).balance_of(household)
    if form is None:
        form = RedeemForm(items=items)
    rows = []
    for item, field in form.rows():
        already = taken.get(item.pk, 0)
        rows.append(
            {"item": item, "field": field, "already": already, "allowed": item.allowance(already)}
        )
    state = _round_state(round_)
    total = form.total_points() if form.is_bound else 0
    return {
        "household": household,
        # In full: the clerk checks who is at the counter (issue 17); phones stay hidden.
        "names": [member.name for member in household.current_members],
        "balance": balance,
        "round": round_,
        "round_state": state,
        "form": form,
        "rows": rows,
        "total": total,
        "after": balance - total,
        "can_redeem": household.is_active and state == "open" and bool(items),
        "redemptions": (
            list(selectors.household_redemptions(household, round_=round_)) if round_ else []
        ),
    }


@require_http_methods(["GET", "POST"])
@community_required(*COUNTER_ROLES)
def counter_household(request: HttpRequest, pk: int) -> HttpResponse:
    """The household at the counter: balance, the round's items with a quantity each, and
    what it took this round. POST redeems through `services.redeem`."""
    household = get_scoped_or_404(
        request, selectors.households_for_counter(Household.objects.all()), pk=pk
    )
    if request.method == "GET":
        return render(request, HOUSEHOLD_PAGE, _household_context(request, household, None))

    round_ = selectors.open_round(request.community)
    form = RedeemForm(request.POST, items=list(selectors.round_items(round_)) if round_ else [])
    if form.is_valid():
        try:
            redemption = services.redeem(
                community=request.community,
                household=household,
                quantities=form.quantities(),
                submission_key=form.cleaned_data["submission_key"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("兑换成功：兑换单 %(number)s，扣 %(points)s 分。")
                % {"number": redemption.number, "points": redemption.points},
            )
            return redirect(redemption)
    return render(request, HOUSEHOLD_PAGE, _household_context(request, household, form), status=400)


def _receipt_context(request: HttpRequest, redemption: Redemption, form: CancelForm | None):
    cancellable = not redemption.is_cancelled and redemption.round.status == Round.Status.OPEN
    can_cancel = cancellable and redemption.may_be_cancelled_by(request.membership.role)
    return {
        "redemption": redemption,
        "household": redemption.household,
        "lines": list(
            RedemptionLine.objects.filter(redemption=redemption)
            .select_related("item__reward")
            .order_by("pk")
        ),
        "can_cancel": can_cancel,
        # A clerk looking at an earlier day's receipt of the open round: say who can.
        "cancel_elsewhere": cancellable and not can_cancel,
        "cancel_form": form or (CancelForm() if can_cancel else None),
    }


def _redemption_for(request: HttpRequest, pk: int) -> Redemption:
    return get_scoped_or_404(
        request,
        Redemption.objects.select_related(
            "round", "household__compound", "entry", "created_by", "cancelled_by"
        ),
        pk=pk,
    )


@require_GET
@community_required(*COUNTER_ROLES)
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable receipt (兑换单): what was taken, the points, the balance after."""
    redemption = _redemption_for(request, pk)
    return render(request, RECEIPT_PAGE, _receipt_context(request, redemption, None))


@require_POST
@community_required(*COUNTER_ROLES)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a redemption of the open round: goods back in stock, points back by a
    reversing entry. Admins and staff any receipt, counter clerks one made today
    (`Redemption.may_be_cancelled_by`); the receipt keeps who, when and why."""
    redemption = _redemption_for(request, pk)
    if not redemption.may_be_cancelled_by(request.membership.role):
        raise PermissionDenied
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel(
                redemption=redemption, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("已取消兑换单 %(number)s，%(points)s 分已退回存折，物品已退回库存。")
                % {"number": redemption.number, "points": redemption.points},
            )
            return redirect(redemption)
    context = _receipt_context(request, redemption, form)
    return render(request, RECEIPT_PAGE, context, status=400)
