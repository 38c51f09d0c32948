"""The books' API (SPEC §7, §9); the project includes these under /api/v1/."""

from django.urls import path

from issues.api import books, books_records, books_stats, documents

urlpatterns = [
    path("exports/ledger.xlsx", books.LedgerXlsxView.as_view(), name="export-ledger-xlsx"),
    path("exports/ledger.csv", books.LedgerCsvView.as_view(), name="export-ledger-csv"),
    path("imports/template.xlsx", books.ImportTemplateView.as_view(), name="import-template"),
    path("imports/problems/", books.ProblemImportView.as_view(), name="import-problems"),
    path(
        "problems/<int:pk>/closeout-form.xlsx",
        books.CloseoutFormXlsxView.as_view(),
        name="closeout-form-xlsx",
    ),
    path(
        "problems/<int:pk>/closeout-form.docx",
        documents.CloseoutFormDocxView.as_view(),
        name="closeout-form-docx",
    ),
    path(
        "reports/rectification.docx",
        documents.RectificationReportDocxView.as_view(),
        name="rectification-report-docx",
    ),
    path("units/<int:pk>/report.xlsx", books.UnitReportXlsxView.as_view(), name="unit-report-xlsx"),
    path("stats/summary/", books_stats.StatsSummaryView.as_view(), name="stats-summary"),
    path("stats/units/", books_stats.StatsUnitsView.as_view(), name="stats-units"),
    path("stats/ranking/", books_stats.StatsRankingView.as_view(), name="stats-ranking"),
    path("stats/trend/", books_stats.StatsTrendView.as_view(), name="stats-trend"),
    path("stats/by/<str:dimension>/", books_stats.StatsByView.as_view(), name="stats-by"),
    path(
        "problems/<int:pk>/follow-ups/",
        books_records.FollowUpListView.as_view(),
        name="problem-follow-ups",
    ),
    path("regulations/", books_records.RegulationListView.as_view(), name="regulation-list"),
    path(
        "regulations/<int:pk>/",
        books_records.RegulationDetailView.as_view(),
        name="regulation-detail",
    ),
]
