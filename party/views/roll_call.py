"""The roll-call (点名) for a duty — a month's dues or one meeting of 三会一课 — for staff and
admins: every party member on one page, all ticked; untick the absent and save. The
activity is logged and approved at once, so base points reach the party accounts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from party import selectors, services
from party.forms import RollCallForm
from residents.tenancy import REGISTER_ROLES, community_required


def _people(request: HttpRequest):
    return list(
        selectors.party_members(request.community)
        .select_related("household__compound", "household__building_group")
        .order_by("household__building_group__name", "household__building", "name", "pk")
    )


@require_http_methods(["GET", "POST"])
@community_required(*REGISTER_ROLES)
def roll_call(request: HttpRequest) -> HttpResponse:
    people = _people(request)
    if request.method == "POST":
        form = RollCallForm(request.POST, community=request.community)
        if form.is_valid():
            present = set(form.cleaned_data["present"])
            try:
                activity, created = services.record_roll_call(
                    community=request.community,
                    project=form.cleaned_data["project"],
                    on=form.cleaned_data["date"],
                    present=sorted(present),
                    submission_key=form.submission_key,
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if created:
                    messages.success(
                        request,
                        ngettext(
                            "已登记 %(count)s 人到场，基础分已记入党员积分账户。",
                            "已登记 %(count)s 人到场，基础分已记入党员积分账户。",
                            len(present),
                        )
                        % {"count": len(present)},
                    )
                else:
                    messages.info(request, _("这次点名已经保存过了。"))
                return redirect("volunteering:activity_detail", pk=activity.pk)
        # Re-shown as ticked (a tampered list: as nobody ticked, with the error).
        present = set(form.cleaned_data.get("present") or [])
        status = 400
    else:
        form = RollCallForm(initial={"date": timezone.localdate()}, community=request.community)
        present = {member.pk for member in people}
        status = 200
    return render(
        request,
        "party/roll_call.html",
        {
            "form": form,
            "people": people,
            "present": present,
            "has_projects": form.fields["project"].queryset.exists(),
        },
        status=status,
    )
