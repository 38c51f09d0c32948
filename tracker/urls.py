from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tracker import health, throttle

# The admin's sign-in checks the same passwords as /login/: the same throttle.
admin.site.login_form = throttle.ThrottledAdminAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("issues.api.urls")),
    path("api/v1/", include("notifications.urls")),
    path("api/v1/", include("issues.api.books_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", health.healthz, name="healthz"),
    # Ahead of issues.web_urls' "login/" (same path, so reverse("web:login") still fits):
    # apps never import tracker, so the throttled view is swapped in here.
    path("login/", throttle.ThrottledLoginView.as_view(), name="login"),
    path("print/", include("issues.print_urls")),
    path("", include("notifications.web_urls")),
    path("", include("issues.web_urls")),
]

handler404 = "tracker.api.page_not_found"
handler500 = "tracker.api.server_error"
