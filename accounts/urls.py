"""Sign-in and staff account URLs, without a namespace: Django's LOGIN_URL and templates
call them `login` and `logout`."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("login/lockouts/", views.lockout_list, name="login_lockouts"),
    path("login/lockouts/unlock/", views.lockout_unlock, name="login_unlock"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.own_password, name="own_password"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_add, name="staff_add"),
    path("staff/<int:user_pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:user_pk>/role/", views.staff_role, name="staff_role"),
    path("staff/<int:user_pk>/password/", views.staff_password, name="staff_password"),
    path("staff/<int:user_pk>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:user_pk>/reactivate/", views.staff_reactivate, name="staff_reactivate"),
]
