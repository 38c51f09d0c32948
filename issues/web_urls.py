"""The web pages (SPEC §8). Mounted at the site root by tracker/urls.py, which joins them with
the books' pages (books/web_urls.py) under one namespace, `web`."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView
from django.views.i18n import set_language

from issues.views import (
    bulk,
    evidence,
    home,
    manage_calendar,
    manage_categories,
    manage_org,
    manage_setup,
    problem_edit,
    problem_page,
    problem_posts,
    problems,
    reporting,
    reviews,
    similar,
)

urlpatterns = [
    path("", home.home, name="home"),
    # tracker/urls.py serves this path first with accounts' sign-in form (lockout message);
    # this entry gives it its name, web:login.
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("web:password-change-done")),
        name="password-change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password-change-done",
    ),
    path("i18n/setlang/", set_language, name="set-language"),
    path("problems/", problems.problem_index, name="problems"),
    path("reports/", reporting.report_index, name="reports"),
    path("reports/periods/<int:pk>/", reporting.report_board, name="report-board"),
    path("reports/periods/<int:pk>/submit/", reporting.report_submit, name="report-submit"),
    path("reports/periods/<int:pk>/chase/", reporting.report_chase, name="report-chase"),
    path("problems/new/", problem_edit.problem_add, name="problem-add"),
    path("problems/similar/", similar.similar_search, name="problem-similar-search"),
    path("problems/bulk/", bulk.bulk_action, name="bulk-action"),
    path("problems/bulk/results/", bulk.bulk_results, name="bulk-results"),
    path("problems/<int:pk>/", problem_page.problem_detail, name="problem-detail"),
    path("problems/<int:pk>/edit/", problem_edit.problem_edit, name="problem-edit"),
    path(
        "problems/<int:pk>/actions/<str:action>/",
        problem_posts.problem_action,
        name="problem-action",
    ),
    path("problems/<int:pk>/measures/", problem_posts.measure_add, name="measure-add"),
    path("problems/<int:pk>/progress/", problem_posts.progress_add, name="progress-add"),
    path("problems/<int:pk>/evidence/", problem_posts.evidence_add, name="evidence-add"),
    path("evidence/<int:pk>/preview/", evidence.evidence_preview, name="evidence-preview"),
    path(
        "evidence/<int:pk>/preview/pages/<int:number>.png",
        evidence.evidence_preview_page,
        name="evidence-preview-page",
    ),
    path("evidence/<int:pk>/delete/", evidence.evidence_delete_post, name="evidence-delete"),
    path("evidence/<int:pk>/replace/", evidence.evidence_replace_post, name="evidence-replace"),
    path("measures/<int:measure_id>/", problem_posts.measure_edit, name="measure-edit"),
    path("measures/<int:measure_id>/done/", problem_posts.measure_done, name="measure-done"),
    path(
        "supervisions/<int:supervision_id>/reply/",
        problem_posts.supervision_reply_post,
        name="supervision-reply",
    ),
    path("reviews/", reviews.review_index, name="reviews"),
    # Administration for office admins (Django admin stays for superusers).
    path("manage/", RedirectView.as_view(pattern_name="web:manage-units"), name="manage"),
    path("manage/units/", manage_org.unit_index, name="manage-units"),
    path("manage/units/new/", manage_org.unit_add, name="manage-unit-add"),
    path("manage/units/<int:pk>/", manage_org.unit_edit, name="manage-unit"),
    path("manage/users/", manage_org.user_index, name="manage-users"),
    path("manage/users/new/", manage_org.user_add, name="manage-user-add"),
    path("manage/users/<int:pk>/", manage_org.user_detail, name="manage-user"),
    path(
        "manage/memberships/<int:pk>/revoke/",
        manage_org.membership_revoke,
        name="manage-membership-revoke",
    ),
    path("manage/batches/", manage_setup.batch_index, name="manage-batches"),
    path("manage/batches/new/", manage_setup.batch_add, name="manage-batch-add"),
    path("manage/batches/<int:pk>/", manage_setup.batch_edit, name="manage-batch"),
    path("manage/campaigns/", manage_setup.campaign_index, name="manage-campaigns"),
    path("manage/campaigns/<int:pk>/", manage_setup.campaign_edit, name="manage-campaign"),
    path("manage/calendar/", manage_calendar.calendar_index, name="manage-calendar"),
    path(
        "manage/calendar/<int:pk>/delete/",
        manage_calendar.calendar_day_delete,
        name="manage-calendar-delete",
    ),
    path("manage/categories/", manage_categories.category_index, name="manage-categories"),
    path("manage/categories/<int:pk>/", manage_categories.category_edit, name="manage-category"),
    path(
        "manage/categories/<int:pk>/delete/",
        manage_categories.category_delete,
        name="manage-category-delete",
    ),
]
