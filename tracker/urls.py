from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.forms import AdminSignInForm, SignInForm
from tracker import health

# The admin's sign-in checks the same passwords as /login/: it says why a lockout refuses.
admin.site.login_form = AdminSignInForm

# One namespace for every page (web:…), whichever app serves it.
PAGES = [path("", include("issues.web_urls")), path("", include("books.web_urls"))]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/auth/", include("accounts.urls")),
    path("api/v1/", include("issues.api.urls")),
    path("api/v1/", include("notifications.urls")),
    path("api/v1/", include("books.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", health.healthz, name="healthz"),
    # Ahead of issues/web_urls.py's "login/" (same path, so reverse("web:login") still fits):
    # the form that says why a locked-out sign-in is refused (accounts.forms).
    path(
        "login/",
        LoginView.as_view(form_class=SignInForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("print/", include("books.print_urls")),
    path("", include("notifications.web_urls")),
    path("", include((PAGES, "web"))),
]

handler404 = "tracker.api.page_not_found"
handler500 = "tracker.api.server_error"
