"""Forms of the roster import pages: the upload, and the confirmation."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from residents import importing, parsing


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("名册文件"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.csv,.txt,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
        error_messages={
            "required": _("请选择要导入的文件。"),
            "empty": _("文件是空的。"),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Excel（.xlsx）或 CSV 文件，不超过 5 MB、%(rows)s 行。"
        ) % {"rows": importing.max_rows()}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if name.endswith(".xls"):
            raise ValidationError(
                _("这是旧版 Excel（.xls）文件。请在 Excel 里“另存为” .xlsx 或 CSV 后再导入。")
            )
        if not name.endswith((".xlsx", ".csv", ".txt")):
            raise ValidationError(_("只能导入 .xlsx 或 .csv 文件。"))
        try:
            importing.check_size(upload.size)
            self.content = upload.read()
            # Read within the bounds (rows, cells, unpacked size) and find the header: a file
            # that cannot be imported at all is refused here. The rows are checked next.
            importing.read_file(self.content, upload.name)
        except importing.RosterError as error:
            raise ValidationError(error.message) from error
        return upload


class ConfirmImportForm(forms.Form):
    only_good_rows = forms.BooleanField(
        label=_("只导入没有问题的户，有错误的户整户跳过"),
        required=False,
    )
    # Admins only: phones on record are replaced when agreed to, all at once or one by one
    # (the boxes beside each change, named by the member's or household's id).
    replace_all_phones = forms.BooleanField(
        label=_("名册里已有的手机号码，文件里不同的全部替换"), required=False
    )
    replace_member = parsing.IdListField(required=False)
    replace_household = parsing.IdListField(required=False)
    # Admins only: create the compounds, building groups and household types listed as
    # missing, in the same confirmation.
    create_missing = forms.BooleanField(required=False)

    def import_choices(self, *, admin: bool) -> importing.ImportChoices:
        """What was agreed to; nothing unless an admin agreed."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if not admin or not data:
            return importing.ImportChoices()
        keys = [f"member-{pk}" for pk in data["replace_member"]]
        keys += [f"household-{pk}" for pk in data["replace_household"]]
        return importing.ImportChoices(
            replace_phones=data["replace_all_phones"],
            phones=frozenset(keys),
            create_missing=data["create_missing"],
        )
