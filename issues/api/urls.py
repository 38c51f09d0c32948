"""/api/v1/ — the public REST contract of SPEC §9."""

from django.urls import path
from rest_framework.permissions import IsAuthenticated

from issues.api import (
    auth,
    batches,
    calendar,
    categories,
    org,
    problems,
    reports,
    reviews,
    supervision,
)
from issues.api import reporting as reporting_api
from issues.api.permissions import IsOfficeMember, OfficeReadsRootOfficeAdminWrites
from issues.selectors.scope import visible_problems
from ledger.api import LedgerCheckpointListView, LedgerVerifyView, ProblemLedgerView

app_name = "api"

urlpatterns = [
    path("me/", auth.MeView.as_view(), name="me"),
    path("units/", org.UnitListView.as_view(), name="unit-list"),
    path("units/<int:pk>/", org.UnitDetailView.as_view(), name="unit-detail"),
    path("users/", org.UserListView.as_view(), name="user-list"),
    path("memberships/", org.MembershipListView.as_view(), name="membership-list"),
    path("memberships/<int:pk>/", org.MembershipDetailView.as_view(), name="membership-detail"),
    path("batches/", batches.BatchListView.as_view(), name="batch-list"),
    path("batches/<int:pk>/", batches.BatchDetailView.as_view(), name="batch-detail"),
    path("categories/", categories.CategoryListView.as_view(), name="category-list"),
    path("categories/<int:pk>/", categories.CategoryDetailView.as_view(), name="category-detail"),
    path("calendar/", calendar.CalendarView.as_view(), name="calendar"),
    path("calendar/<str:key>/", calendar.CalendarDayView.as_view(), name="calendar-day"),
    path("campaigns/", batches.CampaignListView.as_view(), name="campaign-list"),
    path("campaigns/<int:pk>/", batches.CampaignDetailView.as_view(), name="campaign-detail"),
    path("problems/", problems.ProblemListView.as_view(), name="problem-list"),
    path("problems/<int:pk>/", problems.ProblemDetailView.as_view(), name="problem-detail"),
    path(
        "problems/<int:pk>/actions/<str:action>/",
        problems.ProblemActionView.as_view(),
        name="problem-action",
    ),
    path(
        "problems/<int:pk>/measures/",
        problems.ProblemMeasureListView.as_view(),
        name="problem-measures",
    ),
    path(
        "problems/<int:pk>/similar/",
        problems.ProblemSimilarView.as_view(),
        name="problem-similar",
    ),
    path("measures/<int:pk>/", problems.MeasureDetailView.as_view(), name="measure-detail"),
    path(
        "problems/<int:pk>/progress/",
        reports.ProgressReportListView.as_view(),
        name="problem-progress",
    ),
    path(
        "problems/<int:pk>/evidence/", reports.EvidenceListView.as_view(), name="problem-evidence"
    ),
    path("evidence/<int:pk>/", reports.EvidenceDetailView.as_view(), name="evidence-detail"),
    path(
        "evidence/<int:pk>/download/",
        reports.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path(
        "problems/<int:pk>/requests/",
        reviews.ProblemRequestListView.as_view(),
        name="problem-requests",
    ),
    path(
        "problems/<int:pk>/supervisions/",
        supervision.ProblemSupervisionListView.as_view(),
        name="problem-supervisions",
    ),
    path(
        "supervisions/<int:pk>/reply/",
        supervision.SupervisionReplyView.as_view(),
        name="supervision-reply",
    ),
    path("report-periods/", reporting_api.ReportPeriodListView.as_view(), name="report-periods"),
    path(
        "report-periods/<int:pk>/submit/",
        reporting_api.ReportPeriodSubmitView.as_view(),
        name="report-period-submit",
    ),
    path(
        "report-periods/<int:pk>/rollup.xlsx",
        reporting_api.ReportPeriodRollupView.as_view(),
        name="report-period-rollup",
    ),
    path("reviews/pending/", reviews.PendingReviewListView.as_view(), name="reviews-pending"),
    path(
        "problems/<int:pk>/ledger/",
        ProblemLedgerView.as_view(problem_queryset=visible_problems),
        name="problem-ledger",
    ),
    path(
        "ledger/verify/",
        LedgerVerifyView.as_view(permission_classes=[IsAuthenticated, IsOfficeMember]),
        name="ledger-verify",
    ),
    path(
        "ledger/checkpoints/",
        LedgerCheckpointListView.as_view(
            permission_classes=[IsAuthenticated, OfficeReadsRootOfficeAdminWrites]
        ),
        name="ledger-checkpoints",
    ),
]
