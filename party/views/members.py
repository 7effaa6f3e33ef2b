"""One party member's account, like a passbook (staff and admins), and their 报到 date."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from party import selectors, services
from party.forms import ProfileForm
from party.models import PartyMember
from residents import parsing
from residents.models import Member
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404, scoped

PAGE_SIZE = 30


def _member(request: HttpRequest, pk: int) -> Member:
    return get_scoped_or_404(
        request,
        Member.objects.filter(is_party_member=True).select_related("household__compound"),
        pk=pk,
    )


def _render(request: HttpRequest, member: Member, form: ProfileForm, status: int = 200):
    account = selectors.account_of(member)
    paginator = Paginator(selectors.entries_of(account), PAGE_SIZE)
    page = paginator.get_page(parsing.page_number(request.GET.get("page")))
    return render(
        request,
        "party/member.html",
        {
            "member": member,
            "account": account,
            "page": page,
            "entries": page.object_list,
            "form": form,
        },
        status=status,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def member_account(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    profile = scoped(request, PartyMember).filter(member=member).first()
    form = ProfileForm(initial={"reported_on": profile.reported_on if profile else None})
    return _render(request, member, form)


@require_POST
@community_required(*REGISTER_ROLES)
def member_profile(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.save_profile(
                member=member, reported_on=form.cleaned_data["reported_on"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("报到日期已保存。"))
            return redirect("party:member", pk=member.pk)
    return _render(request, member, form, status=400)
