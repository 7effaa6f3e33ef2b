"""The audit trail's filter (admins)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from residents import audit
from residents.models import StaffMembership

# The actor filter's choice for changes nobody signed in made (commands, the shell).
SYSTEM = "system"


class AuditFilterForm(forms.Form):
    table = forms.ChoiceField(label=gettext_lazy("对象"), required=False)
    actor = forms.ChoiceField(label=gettext_lazy("操作人"), required=False)

    def __init__(self, *args, memberships: list[StaffMembership], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["table"].choices = [("", _("全部对象")), *audit.table_choices()]
        self.fields["actor"].choices = [
            ("", _("全部操作人")),
            (SYSTEM, _("系统/命令")),
            *[(str(m.user_id), m.user.get_full_name() or m.user.username) for m in memberships],
        ]
