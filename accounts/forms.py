"""Forms of the staff sign-in and staff account pages. Every field is one of
residents.parsing's; passwords are checked by Django's validators (AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from residents import parsing
from residents.models import StaffMembership


class UnlockForm(forms.Form):
    username = parsing.TextField(max_length=150)


def _password_field(label) -> parsing.TextField:
    return parsing.TextField(
        label=label,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class NewPasswordForm(forms.Form):
    """A new password, typed twice, checked against the validators for `user` (which may
    be an unsaved one)."""

    password1 = _password_field(_("新密码"))
    password2 = _password_field(_("再输入一次新密码"))

    def __init__(self, *args, user=None, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = _(
            "至少 8 位，不能全是数字，不能太常见，也不要和用户名相近。"
        )

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("两次输入的密码不一样。"))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class StaffAddForm(NewPasswordForm):
    """A new staff member of the community: sign-in name, name, role, first password."""

    username = parsing.TextField(
        label=_("登录用户名"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("登录时输入，如 wangxy；字母、数字和 @ . + - _。"),
    )
    name = parsing.TextField(label=_("姓名"), max_length=150)
    role = forms.ChoiceField(
        label=_("角色"), choices=StaffMembership.Role.choices, initial=StaffMembership.Role.STAFF
    )
    field_order = ["username", "name", "role", "password1", "password2"]

    def clean(self):
        # The validators compare the password with the name typed, as for a saved user.
        self.user = get_user_model()(
            username=str(self.data.get("username", ""))[:150],
            first_name=str(self.data.get("name", ""))[:150],
        )
        return super().clean()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=StaffMembership.Role.choices)


class OwnPasswordForm(NewPasswordForm):
    """The signed-in user's own password: the current one first."""

    old_password = parsing.TextField(
        label=_("现在的密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    field_order = ["old_password", "password1", "password2"]

    def clean_old_password(self) -> str:
        old = self.cleaned_data["old_password"]
        if not self.user.check_password(old):
            raise forms.ValidationError(_("现在的密码不对，请重新输入。"), code="wrong_password")
        return old
