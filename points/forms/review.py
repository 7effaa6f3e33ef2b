from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from residents.models import Community
from volunteering.models import Project


class ReviewFilterForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("项目"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("全部项目"),
    )
    date_from = forms.DateField(
        label=_("活动日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("到"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(community=community)


class IdListField(forms.Field):
    """Record ids posted as repeated inputs (`attendance=3&attendance=7`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise ValidationError(_("所选记录有误，请刷新页面后重试。"), code="invalid") from None


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
    activity = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attendance = IdListField(required=False)
    reason = forms.CharField(
        label=_("不通过的原因"),
        required=False,
        max_length=200,
        # A textarea: pressing Enter while typing the reason must not submit the queue.
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": _("如：当天未到场")}),
    )
    # The queue's filters and page, to come back to the same place afterwards.
    query = forms.CharField(required=False, widget=forms.HiddenInput)

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
