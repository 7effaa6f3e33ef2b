from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.auth import ThrottledAdminAuthenticationForm
from accounts.models import LoginAttempt

# The Django admin's own login is throttled like the staff login.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """Every failed login (django-axes), for the superuser: deleting a name's rows unlocks it.
    The columns are labelled here: axes' own labels are in English only."""

    list_display = ["name", "address", "failures", "last_failure", "browser"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    fields = readonly_fields = ["name", "address", "failures", "last_failure", "browser", "page"]
    date_hierarchy = "attempt_time"
    ordering = ["-attempt_time"]

    @admin.display(description=_("用户名"), ordering="username")
    def name(self, obj) -> str:
        return obj.username

    @admin.display(description=_("IP 地址"), ordering="ip_address")
    def address(self, obj) -> str:
        return obj.ip_address or "-"

    @admin.display(description=_("失败次数"), ordering="failures_since_start")
    def failures(self, obj) -> int:
        return obj.failures_since_start

    @admin.display(description=_("最近一次失败"), ordering="attempt_time")
    def last_failure(self, obj):
        return obj.attempt_time

    @admin.display(description=_("浏览器"))
    def browser(self, obj) -> str:
        return obj.user_agent

    @admin.display(description=_("页面"))
    def page(self, obj) -> str:
        return obj.path_info

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
