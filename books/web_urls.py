"""The books' pages (SPEC §8): the 驾驶舱 and the import. tracker/urls.py mounts them at the site
root with issues/web_urls.py, under the same namespace, `web` (web:dashboard, web:books-import)."""

from django.urls import path

from books.views import dashboard, imports

urlpatterns = [
    path("problems/import/", imports.import_page, name="books-import"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
