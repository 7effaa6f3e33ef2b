"""The sub-district's (街道) own rows: who works for it, in which role.

A SubDistrict (residents.models) owns communities; a 街道 role gives a user every community
of that sub-district to look at, side by side, and nothing else: no household, no member,
no community's staff pages (those need a StaffMembership of the community).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from residents.models import SubDistrict


class SubDistrictRole(models.Model):
    """A user's role in one sub-district. Not a community's row: it sits above them."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("街道管理员")
        VIEWER = "viewer", _("街道查看")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="subdistrict_roles",
        verbose_name=_("用户"),
    )
    subdistrict = models.ForeignKey(
        SubDistrict, on_delete=models.CASCADE, related_name="roles", verbose_name=_("街道")
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("街道工作人员身份")
        verbose_name_plural = pgettext_lazy("plural", "街道工作人员身份")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "subdistrict"], name="subdistrict_role_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.subdistrict} · {self.get_role_display()}"
