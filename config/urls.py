from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from points.middleware import resident_page

admin.site.site_header = _("公益存折 · 系统管理")
admin.site.site_title = _("公益存折")
admin.site.index_title = _("数据管理")

urlpatterns = [
    path("", include("accounts.urls")),
    # Django's language switch (django.conf.urls.i18n), open to residents' sessions too.
    path("i18n/setlang/", resident_page(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("residents.urls")),
    path("", include("volunteering.urls")),
    path("", include("points.urls")),
    path("", include("redemption.urls")),
    path("", include("needs.urls")),
    path("", include("subdistrict.urls")),
    path("", include("party.urls")),
]

# The site's error pages (residents/errors.py): its layout, language and the way back.
handler400 = "residents.errors.bad_request"
handler403 = "residents.errors.permission_denied"
handler404 = "residents.errors.page_not_found"
handler500 = "residents.errors.server_error"
