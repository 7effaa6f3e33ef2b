"""Sign-in URLs, without a namespace: Django's LOGIN_URL and templates call them `login`
and `logout`."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("login/lockouts/", views.lockout_list, name="login_lockouts"),
    path("login/lockouts/unlock/", views.lockout_unlock, name="login_unlock"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
