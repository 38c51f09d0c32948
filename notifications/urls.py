from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="notification-list"),
    path(
        "notifications/<int:pk>/read/", api.NotificationReadView.as_view(), name="notification-read"
    ),
    path(
        "notifications/read-all/",
        api.NotificationReadAllView.as_view(),
        name="notification-read-all",
    ),
    path(
        "notifications/unread-count/",
        api.UnreadCountView.as_view(),
        name="notification-unread-count",
    ),
    path(
        "notifications/email-preferences/",
        api.EmailPreferencesView.as_view(),
        name="notification-email-preferences",
    ),
    path("webhooks/", api.WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", api.WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/deliveries/",
        api.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
]
