"""Redemption rounds (兑换期): the list, creating and editing a round, its items, opening and
closing it, and the settlement (结算) with its downloads.

Admins run rounds; staff read them and their settlement. Every change goes through
redemption.services, which decides under the round's row lock (the lock the counter takes
too) what the round may still change, so an edit never races a redemption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from points.models import Account
from redemption import exports, selectors, services
from redemption.exports import PickRow
from redemption.forms.rounds import (
    CloseRoundForm,
    OpenRoundForm,
    RoundForm,
    RoundItemAddForm,
    RoundItemForm,
    suggested_round,
)
from redemption.models import Round, RoundItem
from residents import parsing
from residents.spreadsheets import record_export
from residents.tenancy import (
    REGISTER_ROLES,
    Role,
    community_required,
    get_scoped_or_404,
    is_admin,
    scoped,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _add_errors(form, exc: ValidationError) -> None:
    """A ValidationError on the form: per field where the form has the field, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields and name != NON_FIELD_ERRORS else None
        form.add_error(target, errors)


def _budget_share(round_: Round) -> int:
    if not round_.budget_yuan:
        return 0
    return min(100, round(round_.spent_yuan * 100 / round_.budget_yuan))


# The list --------------------------------------------------------------------------------


@require_GET
@community_required(*REGISTER_ROLES)
def round_list(request: HttpRequest) -> HttpResponse:
    rounds = list(
        scoped(request, Round)
        .annotate(
            redemption_count=Count("redemptions", filter=Q(redemptions__cancelled_at__isnull=True))
        )
        .order_by("-opens_on", "-pk")
    )
    for round_ in rounds:
        round_.budget_share = _budget_share(round_)
    return render(
        request,
        "redemption/rounds/round_list.html",
        {"rounds": rounds, "can_edit": is_admin(request)},
    )


# Creating and editing a round ------------------------------------------------------------


def _form_page(
    request: HttpRequest, form: RoundForm, *, round_: Round | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "redemption/rounds/round_form.html",
        {"form": form, "round": round_},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def round_create(request: HttpRequest) -> HttpResponse:
    community = request.community
    if request.method == "GET":
        form = RoundForm(initial=suggested_round(community), community=community)
        return _form_page(request, form)
    form = RoundForm(request.POST, community=community)
    if form.is_valid():
        try:
            round_ = services.create_round(
                community=community,
                values=services.RoundValues(**form.cleaned_data),
                by=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已新建“%(round)s”。请添加本期可兑换的物品，核对后开始兑换。")
                % {"round": round_.name},
            )
            return redirect("redemption:round_detail", round_.pk)
    return _form_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@community_required(Role.ADMIN)
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_scoped_or_404(request, Round, pk=pk)
    if round_.status == Round.Status.CLOSED:
        if request.method == "POST":
            messages.error(request, services.round_closed_error().messages[0])
            return _form_page(request, None, round_=round_, status=409)
        return _form_page(request, None, round_=round_)
    if request.method == "GET":
        return _form_page(
            request, RoundForm(instance=round_, community=request.community), round_=round_
        )
    form = RoundForm(request.POST, instance=round_, community=request.community)
    if form.is_valid():
        try:
            saved = services.update_round(
                round_=round_,
                seen_status=form.status,
                changes={name: form.cleaned_data[name] for name in form.fields},
                by=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(round)s”。") % {"round": saved.name})
            return redirect("redemption:round_detail", saved.pk)
    round_.refresh_from_db()  # the page shows the stored round beside the refused input
    return _form_page(request, form, round_=round_, status=400)


# The round page: items, opening and closing ----------------------------------------------


@dataclass(frozen=True)
class ExpiryPreview:
    """What closing would clear, at today's balances."""

    households: int
    points: int


def _expiry_preview(round_: Round) -> ExpiryPreview | None:
    """One aggregate over the community's passbooks; None when points carry over."""
    if round_.balance_policy == Round.BalancePolicy.CARRY:
        return None
    keep = round_.balance_cap if round_.balance_policy == Round.BalancePolicy.CAP else 0
    over = Q(balance__gt=keep)
    totals = Account.objects.filter(community_id=round_.community_id).aggregate(
        households=Count("pk", filter=over),
        points=Coalesce(Sum(F("balance") - Value(keep), filter=over), 0),
    )
    return ExpiryPreview(**totals)


def _detail_page(
    request: HttpRequest,
    round_: Round,
    *,
    add_form: RoundItemAddForm | None = None,
    bound_item_form: RoundItemForm | None = None,
    open_form: OpenRoundForm | None = None,
    close_form: CloseRoundForm | None = None,
    status: int = 200,
) -> HttpResponse:
    items = list(selectors.round_items(round_))
    for item in items:
        item.round = round_  # the forms read the round's status; no query per item
    can_edit = is_admin(request)
    editable = can_edit and round_.status != Round.Status.CLOSED
    counts = round_.redemptions.aggregate(
        kept=Count("pk", filter=Q(cancelled_at__isnull=True)),
        cancelled=Count("pk", filter=Q(cancelled_at__isnull=False)),
    )
    context = {
        "round": round_,
        "items": items,
        "counts": counts,
        "budget_share": _budget_share(round_),
        "can_edit": can_edit,
        "editable": editable,
        "today": timezone.localdate(),
    }
    if editable:
        for item in items:
            if bound_item_form is not None and bound_item_form.instance.pk == item.pk:
                item.form = bound_item_form
            else:
                item.form = RoundItemForm(instance=item)
        context["add_form"] = add_form or RoundItemAddForm(
            round_=round_, offered={item.reward_id for item in items}
        )
    if can_edit and round_.status == Round.Status.DRAFT:
        context["open_form"] = open_form or OpenRoundForm(early=round_.opens_early)
        context["other_open"] = selectors.open_round(round_.community_id)
    if can_edit and round_.status == Round.Status.OPEN:
        context["close_form"] = close_form or CloseRoundForm()
        context["expiry"] = _expiry_preview(round_)
    return render(request, "redemption/rounds/round_detail.html", context, status=status)


def _round_for(request: HttpRequest, pk: int) -> Round:
    return get_scoped_or_404(request, Round.objects.select_related("opened_by", "closed_by"), pk=pk)


@require_GET
@community_required(*REGISTER_ROLES)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _round_for(request, pk))


@require_POST
@community_required(Role.ADMIN)
def round_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round_for(request, pk)
    if round_.status == Round.Status.CLOSED:
        return _refused(request, round_, services.round_closed_error())
    offered = set(round_.items.values_list("reward_id", flat=True))
    form = RoundItemAddForm(request.POST, round_=round_, offered=offered)
    if form.is_valid():
        reward = form.cleaned_data["reward"]
        try:
            item = services.add_round_item(round_=round_, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # the round moved on meanwhile
                return _refused(request, round_, exc)
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已加入“%(name)s”：%(points)s 分/%(unit)s，库存 %(stock)s。")
                % {
                    "name": reward.name,
                    "points": item.point_price,
                    "unit": reward.unit,
                    "stock": item.stock,
                },
            )
            return redirect(f"{reverse('redemption:round_detail', args=[pk])}#item-{item.pk}")
    return _detail_page(request, round_, add_form=form, status=400)


def _refused(request: HttpRequest, round_: Round, exc: ValidationError) -> HttpResponse:
    """The round is no longer in a state that allows the change: say so, change nothing."""
    messages.error(request, exc.messages[0])
    round_.refresh_from_db()
    return _detail_page(request, round_, status=409)


def _item_for(request: HttpRequest, pk: int, item_pk: int) -> RoundItem:
    return get_scoped_or_404(
        request,
        RoundItem.objects.select_related("reward", "round__opened_by", "round__closed_by"),
        pk=item_pk,
        round_id=pk,
    )


@require_POST
@community_required(Role.ADMIN)
def round_item_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item_for(request, pk, item_pk)
    round_ = item.round
    if round_.status == Round.Status.CLOSED:
        return _refused(request, round_, services.round_closed_error())
    form = RoundItemForm(request.POST, instance=item)
    if form.is_valid():
        try:
            locked = services.update_round_item(
                item=item,
                seen_status=form.status,
                changes={name: form.cleaned_data[name] for name in form.fields},
                by=request.user,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # the round moved on meanwhile
                return _refused(request, round_, exc)
            _add_errors(form, exc)
        else:
            if locked.per_household_limit:
                limit = _("每户限兑 %(n)s") % {"n": locked.per_household_limit}
            else:
                limit = _("每户不限")
            messages.success(
                request,
                _("已保存“%(name)s”：库存 %(stock)s，%(limit)s。")
                % {"name": item.reward.name, "stock": locked.stock, "limit": limit},
            )
            return redirect(f"{reverse('redemption:round_detail', args=[pk])}#item-{item.pk}")
    return _detail_page(request, round_, bound_item_form=form, status=400)


@require_POST
@community_required(Role.ADMIN)
def round_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Only while the round is a draft: once open, an item may have been handed out."""
    item = _item_for(request, pk, item_pk)
    try:
        services.remove_round_item(item=item, by=request.user)
    except ValidationError as exc:
        return _refused(request, item.round, exc)
    messages.success(request, _("已从本期移除“%(name)s”。") % {"name": item.reward.name})
    return redirect("redemption:round_detail", pk)


@require_POST
@community_required(Role.ADMIN)
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round_for(request, pk)
    form = OpenRoundForm(request.POST, early=round_.opens_early)
    if form.is_valid():
        try:
            round_ = services.open_round(round_=round_, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if round_.phase == Round.Phase.EARLY:
                done = _(
                    "“%(round)s”已开始：从 %(day)s 起兑换员可以在兑换柜台为居民兑换；"
                    "在那之前，居民的存折上显示开始日期和说明。"
                ) % {"round": round_.name, "day": date_format(round_.opens_on, "DATE_FORMAT")}
            else:
                done = _("“%(round)s”已开始兑换，兑换员可以在兑换柜台为居民兑换了。") % {
                    "round": round_.name
                }
            messages.success(request, done)
            return redirect("redemption:round_detail", round_.pk)
    round_.refresh_from_db()
    if round_.status != Round.Status.DRAFT:
        messages.error(request, " ".join(form.non_field_errors()))
        return _detail_page(request, round_, status=409)
    return _detail_page(request, round_, open_form=form, status=400)


@require_POST
@community_required(Role.ADMIN)
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round_for(request, pk)
    form = CloseRoundForm(request.POST)
    if form.is_valid():
        try:
            round_ = services.close_round(round_=round_, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if round_.expired_households:
                done = _("%(households)s 户共 %(points)s 分已清零。") % {
                    "households": round_.expired_households,
                    "points": round_.expired_points,
                }
            elif round_.balance_policy == Round.BalancePolicy.CARRY:
                done = _("每户积分保留，结转下期。")
            else:
                done = _("没有需要清零的积分。")
            messages.success(
                request, _("“%(round)s”已结账。%(done)s") % {"round": round_.name, "done": done}
            )
            return redirect("redemption:round_settlement", round_.pk)
    round_.refresh_from_db()
    if round_.status != Round.Status.OPEN:
        messages.error(request, " ".join(form.non_field_errors()))
        return _detail_page(request, round_, status=409)
    return _detail_page(request, round_, close_form=form, status=400)


# Settlement ------------------------------------------------------------------------------


@dataclass
class PickLine:
    item: str
    unit: str
    quantity: int
    points: int
    yuan: Decimal


@dataclass
class PickGroup:
    """One household's parcel: its receipts and what goes in it."""

    passbook_number: str
    address: str
    numbers: list[str] = field(default_factory=list)
    lines: list[PickLine] = field(default_factory=list)

    @property
    def points(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


def _pick_groups(rows: list[PickRow]) -> list[PickGroup]:
    """Group the pick list by household, in its address order; the same item on two
    receipts of one household goes in the parcel once, with both quantities."""
    groups: dict[int, PickGroup] = {}
    for row in rows:
        group = groups.get(row.household_id)
        if group is None:
            group = groups[row.household_id] = PickGroup(row.passbook_number, row.address)
        if row.number not in group.numbers:
            group.numbers.append(row.number)
        for line in group.lines:
            if line.item == row.item:
                line.quantity += row.quantity
                line.points += row.points
                line.yuan += row.yuan
                break
        else:
            group.lines.append(PickLine(row.item, row.unit, row.quantity, row.points, row.yuan))
    return list(groups.values())


def _settled(request: HttpRequest, pk: int):
    round_ = _round_for(request, pk)
    return round_, selectors.settlement(round_)


@require_GET
@community_required(*REGISTER_ROLES)
def round_settlement(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's report, running while it is open and final once closed, with the pick
    list; prints on A4. A fixed number of queries however many households redeemed."""
    round_, report = _settled(request, pk)
    groups = _pick_groups(exports.pick_rows(selectors.pick_list(round_)))
    return render(
        request,
        "redemption/rounds/settlement.html",
        {
            "round": round_,
            "report": report,
            "groups": groups,
            "community": request.community,
        },
    )


def _download(content: bytes, content_type: str, *, ascii_name: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = exports.attachment(ascii_name, name)
    # Addresses of households: not for shared caches, not kept on disk by the browser.
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
@community_required(*REGISTER_ROLES)
def round_settlement_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    round_, report = _settled(request, pk)
    rows = exports.pick_rows(selectors.pick_list(round_))
    content = exports.settlement_workbook(report, rows, community=request.community.name)
    record_export(
        request,
        what="settlement",
        file_format="xlsx",
        rows=len(rows),
        parameters={"round": round_.code},
    )
    return _download(
        content,
        XLSX,
        ascii_name=f"settlement-{round_.code}.xlsx",
        name=_("%(round)s兑换结算.xlsx") % {"round": round_.name},
    )


@require_GET
@community_required(*REGISTER_ROLES)
def round_settlement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The pick list, one row per line; `?part=items` for the item summary instead."""
    part = parsing.choice(request.GET.get("part", "lines"), ("lines", "items"))
    if part is None:
        return HttpResponse(
            _("part 只能是 lines 或 items。"), status=400, content_type="text/plain; charset=utf-8"
        )
    round_ = _round_for(request, pk)
    if part == "items":
        report = selectors.settlement(round_)
        record_export(
            request,
            what="settlement",
            file_format="csv",
            rows=len(report.items),
            parameters={"round": round_.code, "part": part},
        )
        return _download(
            exports.items_csv(report),
            "text/csv; charset=utf-8",
            ascii_name=f"settlement-{round_.code}-items.csv",
            name=_("%(round)s物品汇总.csv") % {"round": round_.name},
        )
    rows = exports.pick_rows(selectors.pick_list(round_))
    record_export(
        request,
        what="settlement",
        file_format="csv",
        rows=len(rows),
        parameters={"round": round_.code, "part": part},
    )
    return _download(
        exports.pick_list_csv(rows),
        "text/csv; charset=utf-8",
        ascii_name=f"settlement-{round_.code}.csv",
        name=_("%(round)s配货单.csv") % {"round": round_.name},
    )
