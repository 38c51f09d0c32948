"""/api/v1/auth/ — mounted by tracker/urls.py."""

from django.urls import path

from accounts import api

app_name = "auth"

urlpatterns = [
    path("token/", api.TokenView.as_view(), name="token"),
    path("logout/", api.LogoutView.as_view(), name="logout"),
    path("logoutall/", api.LogoutAllView.as_view(), name="logoutall"),
]
