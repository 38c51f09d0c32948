"""Print pages; the project includes these under /print/."""

from django.urls import path

from issues import views_print

urlpatterns = [
    path(
        "problems/<int:pk>/closeout/",
        views_print.closeout_form,
        name="print-closeout-form",
    ),
    path("units/<int:pk>/report/", views_print.unit_report, name="print-unit-report"),
]
