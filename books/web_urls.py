"""The books' pages (SPEC §8): the 驾驶舱, the import, the 回头看 and 建章立制 registers. tracker/urls.py mounts them at the site
root with issues/web_urls.py, under the same namespace, `web` (web:dashboard, web:books-import)."""

from django.urls import path

from books.views import dashboard, follow_ups, imports, records

urlpatterns = [
    path("problems/import/", imports.import_page, name="books-import"),
    path("problems/follow-ups/", records.follow_up_index, name="follow-ups"),
    path("problems/regulations/", records.regulation_index, name="regulations"),
    path("problems/regulations/new/", records.regulation_add, name="regulation-add"),
    path("problems/regulations/<int:pk>/", records.regulation_edit, name="regulation-edit"),
    path("problems/<int:pk>/follow-ups/", follow_ups.follow_up_add, name="follow-up-add"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
