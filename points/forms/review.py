from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from residents import parsing
from residents.models import Community
from residents.parsing import IdListField
from volunteering.models import Project


class ReviewFilterForm(forms.Form):
    project = parsing.ModelChoiceField(
        label=_("项目"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("全部项目"),
    )
    date_from = parsing.DateField(label=_("活动日期从"), required=False, window=parsing.FILTER_DAYS)
    date_to = parsing.DateField(label=_("到"), required=False, window=parsing.FILTER_DAYS)

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(community=community)


class DecisionForm(forms.Form):
    """One decision from the review queue.

    The queue is a single form: a per-activity button posts `activity=<id>` (approve the
    records of that activity listed on the page, sent as `listed-<id>`); the action bar posts
    `action=approve` or `action=reject` with the ticked `attendance` ids.
    """

    APPROVE_ACTIVITY = "approve_activity"
    APPROVE = "approve"
    REJECT = "reject"
    # The queue's hidden first button, which Enter on a checkbox presses: decides nothing.
    KEEP = "keep"

    action = forms.ChoiceField(
        required=False,
        choices=[(APPROVE, _("通过所选")), (REJECT, _("不通过所选")), (KEEP, "")],
    )
    activity = parsing.IntegerField(
        required=False, min_value=1, max_value=parsing.MAX_ID, widget=forms.HiddenInput
    )
    attendance = IdListField(required=False)
    reason = parsing.TextField(
        label=_("不通过的原因"),
        multiline=True,
        required=False,
        max_length=200,
        # A textarea: pressing Enter while typing the reason must not submit the queue.
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": _("如：当天未到场")}),
    )
    # The queue's filters and page, to come back to the same place afterwards.
    query = parsing.TextField(required=False, max_length=500, widget=forms.HiddenInput)

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("activity"):
            cleaned["decision"] = self.APPROVE_ACTIVITY
            listed = IdListField(required=False)
            cleaned["attendance"] = listed.clean(self.data.getlist(f"listed-{cleaned['activity']}"))
            return cleaned
        decision = cleaned.get("action")
        if decision in ("", self.KEEP):
            raise ValidationError(_("请选择“通过所选”或“不通过所选”。"), code="no_action")
        cleaned["decision"] = decision
        if not cleaned.get("attendance"):
            raise ValidationError(_("请先勾选要审核的记录。"), code="nothing_ticked")
        if decision == self.REJECT and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("请写明不通过的原因。"))
        return cleaned
