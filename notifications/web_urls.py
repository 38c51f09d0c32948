"""The notification pages, mounted at /notifications/ by tracker/urls.py."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_index, name="index"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read-all"),
]
