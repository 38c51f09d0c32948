"""The books' API (SPEC §7, §9); the project includes these under /api/v1/."""

from django.urls import path

from books.api import documents, records, sheets, stats

urlpatterns = [
    path("exports/ledger.xlsx", sheets.LedgerXlsxView.as_view(), name="export-ledger-xlsx"),
    path("exports/ledger.csv", sheets.LedgerCsvView.as_view(), name="export-ledger-csv"),
    path("imports/template.xlsx", sheets.ImportTemplateView.as_view(), name="import-template"),
    path("imports/problems/", sheets.ProblemImportView.as_view(), name="import-problems"),
    path(
        "problems/<int:pk>/closeout-form.xlsx",
        sheets.CloseoutFormXlsxView.as_view(),
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
    path(
        "units/<int:pk>/report.xlsx", sheets.UnitReportXlsxView.as_view(), name="unit-report-xlsx"
    ),
    path("stats/summary/", stats.StatsSummaryView.as_view(), name="stats-summary"),
    path("stats/units/", stats.StatsUnitsView.as_view(), name="stats-units"),
    path("stats/ranking/", stats.StatsRankingView.as_view(), name="stats-ranking"),
    path("stats/trend/", stats.StatsTrendView.as_view(), name="stats-trend"),
    path("stats/by/<str:dimension>/", stats.StatsByView.as_view(), name="stats-by"),
    path(
        "problems/<int:pk>/follow-ups/",
        records.FollowUpListView.as_view(),
        name="problem-follow-ups",
    ),
    path("regulations/", records.RegulationListView.as_view(), name="regulation-list"),
    path(
        "regulations/<int:pk>/",
        records.RegulationDetailView.as_view(),
        name="regulation-detail",
    ),
]
