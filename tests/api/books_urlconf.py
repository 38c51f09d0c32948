"""The site's URLs plus the books' API and print pages, for tests, until the project's urls
include them (the books' patterns come first, so later includes change nothing)."""

from django.urls import include, path

from tracker.urls import handler404, handler500  # noqa: F401
from tracker.urls import urlpatterns as site

urlpatterns = [
    path("api/v1/", include("issues.api.books_urls")),
    path("print/", include("issues.print_urls")),
    *site,
]
