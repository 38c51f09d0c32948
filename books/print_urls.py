"""Print pages; the project includes these under /print/."""

from django.urls import path

from books.views import print_forms

urlpatterns = [
    path(
        "problems/<int:pk>/closeout/",
        print_forms.closeout_form,
        name="print-closeout-form",
    ),
    path("units/<int:pk>/report/", print_forms.unit_report, name="print-unit-report"),
]
