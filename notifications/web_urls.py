"""The notification pages, mounted at the site root by tracker/urls.py: /notifications/… and
the webhook administration under /manage/webhooks/ (beside issues' other /manage/ pages)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_index, name="index"),
    path("notifications/<int:pk>/open/", views.notification_open, name="open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
    path("notifications/read-all/", views.notification_read_all, name="read-all"),
    path("manage/webhooks/", views.webhook_index, name="webhooks"),
    path("manage/webhooks/<int:pk>/", views.webhook_detail, name="webhook"),
]
