"""Posting points. Each function is one transaction, run again should PostgreSQL abort it
for a deadlock or a serialization failure (residents/transactions.py); balances move only by
ledger entries (a PostgreSQL trigger applies each entry to its account under the account's
row lock)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from points import hooks
from points.models import Account, LedgerEntry, PassbookPolicy
from points.rules import quote_attendances
from residents.models import Community, Household, Member
from residents.transactions import retry_on_conflict
from volunteering.models import Attendance

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def stored_text(text, **params) -> str:
    """`text % params` as kept in the database: in the site's language (zh-Hans), so a
    passbook reads the same whoever posted to it; at most 200 characters. For the reason
    and the working of an entry given to `post_entry`."""
    with translation.override(settings.LANGUAGE_CODE):
        return (str(text) % params)[:200]


def lock_accounts(households: Iterable[Household | int]) -> dict[int, Account]:
    """The households' accounts, opened if missing, locked in id order (no deadlocks
    between two postings that touch the same households). Keyed by household id."""
    ids = sorted({h if isinstance(h, int) else h.pk for h in households})
    if not ids:
        return {}
    missing = set(ids) - set(
        Account.objects.filter(household_id__in=ids).values_list("household_id", flat=True)
    )
    if missing:
        communities = dict(
            Household.objects.filter(pk__in=missing).values_list("pk", "community_id")
        )
        Account.objects.bulk_create(
            [Account(household_id=h, community_id=communities[h]) for h in sorted(missing)],
            ignore_conflicts=True,  # opened a moment ago by a concurrent posting
        )
    accounts = Account.objects.select_for_update().filter(household_id__in=ids).order_by("pk")
    return {account.household_id: account for account in accounts}


def _entry(
    account: Account, amount: int, *, at: datetime.datetime | None = None, **fields
) -> LedgerEntry:
    """A new, unsaved entry moving `account` by `amount` (the caller holds the account's
    lock), written now or at `at`; refused when the balance would go below zero."""
    if account.balance + amount < 0:
        raise ValidationError(
            _("存折 %(number)s 的余额（%(balance)s 分）不够扣减 %(amount)s 分。")
            % {
                "number": account.household.passbook_number,
                "balance": account.balance,
                "amount": -amount,
            },
            code="insufficient",
        )
    account.balance += amount
    return LedgerEntry(
        community_id=account.community_id,
        account=account,
        amount=amount,
        balance_after=account.balance,
        created_at=at or timezone.now(),
        **fields,
    )


def post_entry(
    *,
    account: Account,
    amount: int,
    kind: str,
    occurred_on: datetime.date,
    by: User,
    at: datetime.datetime | None = None,
    **fields,
) -> LedgerEntry:
    """Post one ledger entry moving `account` by `amount` (signed whole points) and return
    it, saved. This is how another app's service spends or gives back points.

    Call it inside your service's transaction, with the account locked by `lock_accounts`
    (and `account.household` set, which the refusal names). A debit the balance cannot
    cover raises ValidationError (code "insufficient") and writes nothing. The ledger's
    trigger moves the stored balance. `fields` are the entry's other columns (`reason`
    and `calculation` written with `stored_text`, `reverses_id`, `member`, ...). `at` is
    when it is written: now, except when the demo replays a past day.
    """
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the account's lock would already be gone.
        raise RuntimeError("post_entry runs inside the calling service's transaction")
    entry = _entry(
        account, amount, at=at, kind=kind, occurred_on=occurred_on, created_by=by, **fields
    )
    entry.save()
    return entry


def review_by_another(community: Community) -> bool:
    """Whether the community requires that someone other than who logged a record approves
    it (its current setting, read afresh)."""
    return bool(
        Community.objects.filter(pk=community.pk)
        .values_list("review_by_another", flat=True)
        .first()
    )


@dataclass
class ApprovalResult:
    approved: list[Attendance] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    # Approved records of non-residents (报到): no household, so no passbook points.
    without_household: list[Attendance] = field(default_factory=list)
    # Records the approver logged themselves, left waiting where the community requires
    # a second person (Community.review_by_another).
    own_records: list[Attendance] = field(default_factory=list)
    # Party members' base points (dues, meetings) the community keeps off the passbook.
    base_withheld: list[Attendance] = field(default_factory=list)

    @property
    def points(self) -> int:
        return sum(entry.amount for entry in self.entries)


@retry_on_conflict
def approve(
    *,
    community: Community,
    attendance_ids: Iterable[int],
    by: User,
    at: datetime.datetime | None = None,
) -> ApprovalResult:
    """Approve pending attendance and post one earn entry for each record that earns points.

    Records already reviewed (by someone else a moment ago, or a second click) are skipped:
    an attendance earns once, which a unique index guarantees as well. A non-resident's
    record (报到, no household) is approved and earns no passbook points: it is listed in
    `without_household`, and the record's pages say so. Base points (a category marked
    `is_base_points`: dues, meetings) go to the passbook only where the community's
    PassbookPolicy allows it (off by default): listed in `base_withheld` otherwise. Every
    approved record, with its quote, is then given to points.hooks' listeners (the party
    account), in the same transaction. Where the community requires a second person, the
    records `by` logged themselves stay pending (returned as `own_records`): the rule is
    read from the database here, whoever calls. `at` is the moment of the review: now,
    except when the demo replays a past day.
    """
    attendances = list(
        Attendance.objects.select_for_update(of=("self",))
        .filter(community=community, pk__in=list(attendance_ids), status=Attendance.Status.PENDING)
        .select_related("activity__project__category", "member__household")
        .order_by("pk")
    )
    own_records: list[Attendance] = []
    if attendances and review_by_another(community):
        own_records = [a for a in attendances if a.recorded_by_id == by.pk]
        attendances = [a for a in attendances if a.recorded_by_id != by.pk]
    if not attendances:
        return ApprovalResult(own_records=own_records)
    base_allowed = PassbookPolicy.base_points_allowed(community)
    result = ApprovalResult(
        approved=attendances,
        without_household=[a for a in attendances if a.member.household_id is None],
        own_records=own_records,
        base_withheld=[
            a
            for a in attendances
            if a.member.household_id is not None
            and a.activity.project.category.is_base_points
            and not base_allowed
        ],
    )
    withheld = {a.pk for a in result.without_household + result.base_withheld}
    earning = [a for a in attendances if a.pk not in withheld]
    accounts = lock_accounts(a.member.household_id for a in earning)
    # After the locks, so it sees every posting. The working is stored in the site's
    # language (zh-Hans) whoever approves, so one passbook never mixes languages.
    with translation.override(settings.LANGUAGE_CODE):
        quotes = quote_attendances(community, attendances)
    for attendance in sorted(earning, key=lambda a: (a.activity.date, a.pk)):
        quote = quotes[attendance.pk]
        if quote.points <= 0:
            continue
        category = attendance.activity.project.category
        result.entries.append(
            _entry(
                accounts[attendance.member.household_id],
                quote.points,
                kind=LedgerEntry.Kind.EARN,
                member=attendance.member,
                attendance=attendance,
                activity=attendance.activity,
                rule=quote.rule,
                calculation=quote.calculation[:200],
                stream=LedgerEntry.Stream.BASE
                if category.is_base_points
                else LedgerEntry.Stream.VALUE_ADDED,
                occurred_on=attendance.activity.date,
                created_by=by,
                at=at,
            )
        )
    LedgerEntry.objects.bulk_create(result.entries)
    Attendance.objects.filter(pk__in=[a.pk for a in attendances]).update(
        status=Attendance.Status.APPROVED, reviewed_by=by, reviewed_at=at or timezone.now()
    )
    with translation.override(settings.LANGUAGE_CODE):
        hooks.tell_approved(
            community=community,
            quotes=[(a, quotes[a.pk]) for a in sorted(attendances, key=lambda a: a.pk)],
            by=by,
        )
    return result


@retry_on_conflict
def reject(
    *,
    community: Community,
    attendance_ids: Iterable[int],
    reason: str,
    by: User,
    at: datetime.datetime | None = None,
) -> list[Attendance]:
    """Mark pending records as not approved; they never earn. `at`: as for `approve`."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请写明不通过的原因。")})
    attendances = list(
        Attendance.objects.select_for_update()
        .filter(community=community, pk__in=list(attendance_ids), status=Attendance.Status.PENDING)
        .order_by("pk")
    )
    Attendance.objects.filter(pk__in=[a.pk for a in attendances]).update(
        status=Attendance.Status.REJECTED,
        rejection_reason=reason[:200],
        reviewed_by=by,
        reviewed_at=at or timezone.now(),
    )
    return attendances


@retry_on_conflict
def undo_approval(
    *, attendance: Attendance, reason: str, by: User, at: datetime.datetime | None = None
) -> LedgerEntry | None:
    """Take back an approved record: a reversing entry for its points (nothing is deleted)
    and the record marked as not approved, with the reason. `at`: as for `approve`."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请写明撤销的原因。")})
    locked = Attendance.objects.select_for_update().get(pk=attendance.pk)
    if locked.status != Attendance.Status.APPROVED:
        raise ValidationError(_("只有已通过的记录可以撤销。"), code="not_approved")
    earned = (
        LedgerEntry.objects.filter(attendance=locked, kind=LedgerEntry.Kind.EARN)
        .select_related("account__household")
        .first()
    )
    reversal = None
    if earned is not None and not LedgerEntry.objects.filter(reverses=earned).exists():
        account = lock_accounts([earned.account.household_id])[earned.account.household_id]
        account.household = earned.account.household
        reversal = _entry(
            account,
            -earned.amount,
            kind=LedgerEntry.Kind.REVERSE,
            reverses=earned,
            member_id=earned.member_id,
            activity_id=earned.activity_id,
            rule_id=earned.rule_id,
            stream=earned.stream,
            occurred_on=earned.occurred_on,
            reason=stored_text(_lazy("撤销审核：%(reason)s"), reason=reason),
            created_by=by,
            at=at,
        )
        try:
            with transaction.atomic():
                reversal.save()
        except IntegrityError as exc:  # reversed a moment ago by someone else
            raise ValidationError(_("这条记录已经撤销过了。"), code="reversed") from exc
    Attendance.objects.filter(pk=locked.pk).update(
        status=Attendance.Status.REJECTED,
        rejection_reason=stored_text(_lazy("撤销：%(reason)s"), reason=reason),
        reviewed_by=by,
        reviewed_at=at or timezone.now(),
    )
    hooks.tell_undone(attendance=locked, reason=reason, by=by)
    return reversal


@retry_on_conflict
def adjust(
    *,
    household: Household,
    amount: int,
    reason: str,
    by: User,
    member: Member | None = None,
    on: datetime.date | None = None,
    at: datetime.datetime | None = None,
) -> LedgerEntry:
    """A manual correction by an admin: an entry of its own, with its reason. `on` is the
    day the points belong to and `at` when it is written: today and now, except when the
    demo replays a past day."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("调整积分必须写明原因。")})
    if amount == 0:
        raise ValidationError({"amount": _("调整的积分不能为 0。")})
    if member is not None and member.household_id != household.pk:
        raise ValidationError({"member": _("所选居民不在该户。")})
    account = lock_accounts([household])[household.pk]
    account.household = household
    return post_entry(
        account=account,
        amount=amount,
        kind=LedgerEntry.Kind.ADJUST,
        member=member,
        reason=reason[:200],
        occurred_on=on or timezone.localdate(),
        by=by,
        at=at,
    )


@retry_on_conflict
def set_passbook_policy(*, community: Community, base_points_to_passbook: bool, by: User):
    """Whether party members' base points (dues, meetings) also reach household passbooks
    (基础分也计入家庭存折): from the approvals after this on; nothing posted is changed."""
    policy, _created = PassbookPolicy.objects.select_for_update().get_or_create(community=community)
    policy.base_points_to_passbook = base_points_to_passbook
    policy.save()
    return policy
