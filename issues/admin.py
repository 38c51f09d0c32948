"""Django admin for system administrators (superusers) only.

Office roles work in the product's own pages and API, where scope and the workflow apply. The
admin edits the organisation and the dictionaries; the records the workflow writes (status,
counters, measures, requests, evidence, supervision) are shown read-only here, because the
workflow and the services are their only writers and every change must reach the ledger.
"""

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from issues.admin_setup import domain_errors_to_form
from issues.exceptions import DomainError
from issues.models import (
    Category,
    Evidence,
    FollowUpReview,
    Measure,
    Membership,
    Problem,
    ProgressReport,
    Regulation,
    ReviewRequest,
    ReviewStep,
    SupervisionAction,
)
from issues.selectors.deadlines import Light, annotate_deadlines
from issues.selectors.leaders import leaders_eligible_for
from issues.services.problems import (
    EDITABLE_FIELDS,
    may_edit_problem,
    problem_update,
    reviewers_check,
)

admin.site.site_header = _("整改台账 管理后台")
admin.site.site_title = _("整改台账 管理后台")
admin.site.index_title = _("系统管理")


def _superusers_only(request) -> bool:
    """Django lets any is_staff user into the admin; here only superusers may enter."""
    user = request.user
    return user.is_active and user.is_staff and user.is_superuser


admin.site.has_permission = _superusers_only


class ReadOnlyMixin:
    """Written by the services only: viewable here, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Everything shown is read-only (non-editable model fields could not be form fields).
        return self.fields or [f.name for f in self.model._meta.fields]


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class ReadOnlyTabularInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    show_change_link = True


# --- the organisation and the dictionaries: edited here (units, batches and campaigns: through
# their services, in issues/admin_setup.py) ---------------------------------------------------


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "user_display_name", "unit", "role")
    list_filter = ("role", "unit__kind")
    list_select_related = ("user", "unit")
    search_fields = ("user__username", "user__first_name", "unit__name", "unit__code")
    autocomplete_fields = ("user", "unit")

    @admin.display(description=_("姓名"), ordering="user__first_name")
    def user_display_name(self, obj):
        return obj.user.first_name


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "sort")
    list_editable = ("sort",)
    search_fields = ("name",)


@admin.register(Regulation)
class RegulationAdmin(admin.ModelAdmin):
    """建章立制 is a register, not a ledger-relevant fact: superusers may keep it tidy."""

    list_display = ("name", "doc_no", "kind", "unit", "issued_on")
    list_filter = ("kind", "unit__kind")
    list_select_related = ("unit",)
    search_fields = ("name", "doc_no", "unit__name")
    autocomplete_fields = ("unit", "problems")
    readonly_fields = ("created_by", "created_at")
    date_hierarchy = "issued_on"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# --- problems: descriptive fields edited through problem_update, the rest read-only ---------


class LightFilter(admin.SimpleListFilter):
    title = _("预警")
    parameter_name = "light"

    def lookups(self, request, model_admin):
        return [(name, label) for name, label in Light.LABELS.items()]

    def queryset(self, request, queryset):
        if self.value() in Light.LABELS:
            return queryset.filter(light=self.value())
        return queryset


LIGHT_COLOURS = {
    Light.RED: "#d93025",
    Light.YELLOW: "#f2a600",
    Light.GREEN: "#188038",
    Light.BLUE: "#1a73e8",
    Light.GREY: "#9aa0a6",
}


class MeasureInline(ReadOnlyTabularInline):
    model = Measure
    fields = ("seq", "content", "unit", "owner", "due_date", "status", "done_at")


class EvidenceInline(ReadOnlyTabularInline):
    model = Evidence
    fields = ("file_name", "kind", "stage", "description", "size", "uploaded_by", "uploaded_at")


class ReviewRequestInline(ReadOnlyTabularInline):
    model = ReviewRequest
    fields = ("request_type", "kind", "status", "applicant", "created_at", "decided_at")


class SupervisionInline(ReadOnlyTabularInline):
    model = SupervisionAction
    fields = ("kind", "content", "issued_by", "reply_due_date", "created_at")


# Fields the workflow owns, or whose every change must be recorded in the ledger by its service.
PROBLEM_DUTY = (
    "lead_unit",
    "cooperating_units",
    "owner",
    "due_date",
    "original_due_date",
    "supervision_level",
)
PROBLEM_RECORD = (
    "reopen_count",
    "rework_count",
    "closed_at",
    "closed_by",
    "closed_on_time",
    "latest_progress",
    "created_by",
    "created_at",
    "updated_at",
)
PROBLEM_READONLY = ("code", "batch", "status", "light", *PROBLEM_DUTY, *PROBLEM_RECORD)
PROBLEM_EDITABLE = tuple(name for name in EDITABLE_FIELDS if name not in PROBLEM_READONLY)


class ProblemAdminForm(forms.ModelForm):
    """The responsible-leader rule and the freeze while a request is pending, checked on the
    form (so the page re-displays with the reason) by the same service problem_update uses."""

    def clean(self):
        cleaned = super().clean()
        changed = {
            name: cleaned[name]
            for name in ("responsible_leader",)
            if name in self.changed_data and name in cleaned
        }
        if changed and self.instance.pk:
            try:
                reviewers_check(self.instance, changed)
            except DomainError as exc:
                domain_errors_to_form(self, exc)
        return cleaned


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "short_title",
        "batch",
        "lead_unit",
        "status",
        "light",
        "due_date",
        "supervision_level",
        "reopen_count",
        "rework_count",
    )
    list_filter = (
        "status",
        LightFilter,
        "batch",
        "source",
        "category",
        "supervision_level",
        "rectify_type",
        "severity",
        "campaign",
    )
    list_select_related = ("batch", "lead_unit")
    search_fields = ("code", "title", "description")
    form = ProblemAdminForm
    autocomplete_fields = ("campaign",)
    readonly_fields = PROBLEM_READONLY
    fieldsets = (
        (None, {"fields": ("code", "batch", "status", "light")}),
        (_("问题"), {"fields": PROBLEM_EDITABLE}),
        (_("责任与时限（由业务流程修改并记入台账）"), {"fields": PROBLEM_DUTY}),
        (_("流程记录"), {"fields": PROBLEM_RECORD}),
    )
    inlines = (MeasureInline, ReviewRequestInline, SupervisionInline, EvidenceInline)

    def get_queryset(self, request):
        return annotate_deadlines(super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        leader = form.base_fields.get("responsible_leader")
        if leader is not None and obj is not None:
            # Only eligible leaders are offered (plus the one named now, to show it).
            eligible = Q(pk__in=leaders_eligible_for(obj.lead_unit).values("pk"))
            leader.queryset = leader.queryset.model.objects.filter(
                eligible | Q(pk=obj.responsible_leader_id)
            ).order_by("first_name", "username")
        return form

    @admin.display(description=_("问题标题"), ordering="title")
    def short_title(self, obj):
        return obj.title if len(obj.title) <= 30 else obj.title[:30] + "…"

    @admin.display(description=_("预警"), ordering="light_rank")
    def light(self, obj):
        name = getattr(obj, "light", Light.GREY)
        return format_html(
            '<span style="color:{}">●</span> {}', LIGHT_COLOURS[name], Light.LABELS[name]
        )

    # Problems are registered through problem_create (code, ledger), and never deleted: 撤销 is
    # the workflow's `withdraw`, and the ledger keeps every problem it mentions.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not may_edit_problem(request.user, obj):
            return False  # closed and terminal problems are shown read-only
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Through the service, so the edit is recorded in the ledger like any other."""
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if not fields:
            return
        try:
            problem_update(actor=request.user, problem_id=obj.pk, **fields)
        except DomainError as exc:  # e.g. closed by someone else meanwhile
            self.message_user(request, exc.detail, level=messages.ERROR)

    def save_related(self, request, form, formsets, change):
        """Nothing related is editable here (cooperating units change through the service)."""

    def construct_change_message(self, request, form, formsets, add=False):
        return super().construct_change_message(request, form, [], add)  # inlines are read-only


# --- workflow records: read-only ---------------------------------------------------------------


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ("problem", "seq", "short_content", "unit", "owner", "due_date", "status")
    list_filter = ("status",)
    list_select_related = ("problem", "unit", "owner")
    search_fields = ("content", "problem__code", "problem__title")

    @admin.display(description=_("措施内容"))
    def short_content(self, obj):
        return obj.content if len(obj.content) <= 30 else obj.content[:30] + "…"


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ("problem", "period", "percent", "reporter", "submitted_at")
    list_filter = ("period",)
    list_select_related = ("problem", "reporter")
    search_fields = ("problem__code", "content")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "problem", "kind", "stage", "size", "uploaded_by", "uploaded_at")
    list_filter = ("kind", "stage")
    list_select_related = ("problem", "uploaded_by")
    search_fields = ("file_name", "description", "problem__code")
    # No `file`: stored files have no public URL and are served only by the download view.
    fields = (
        "problem",
        "measure",
        "progress_report",
        "request",
        "kind",
        "stage",
        "description",
        "file_name",
        "size",
        "content_type",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "download",
    )
    readonly_fields = ("download",)

    @admin.display(description=_("下载"))
    def download(self, obj):
        try:
            url = reverse("api:evidence-download", args=[obj.pk])
        except NoReverseMatch:
            return "-"
        return format_html('<a href="{}">{}</a>', url, obj.file_name)


class ReviewStepInline(ReadOnlyTabularInline):
    model = ReviewStep
    fields = ("position", "step_kind", "decision", "reviewer", "opinion", "decided_at")
    show_change_link = False


@admin.register(ReviewRequest)
class ReviewRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "request_type", "problem", "kind", "status", "applicant", "created_at")
    list_filter = ("request_type", "status", "kind")
    list_select_related = ("problem", "applicant")
    search_fields = ("problem__code", "problem__title", "summary", "reason")
    inlines = (ReviewStepInline,)


@admin.register(ReviewStep)
class ReviewStepAdmin(ReadOnlyAdmin):
    list_display = ("request", "position", "step_kind", "decision", "reviewer", "decided_at")
    list_filter = ("step_kind", "decision")
    list_select_related = ("request", "reviewer")
    search_fields = ("request__problem__code", "opinion")


@admin.register(FollowUpReview)
class FollowUpReviewAdmin(ReadOnlyAdmin):
    """A 回头看 result may reopen the problem, so only its service writes one."""

    list_display = ("problem", "review_date", "result", "reviewer", "created_at")
    list_filter = ("result",)
    list_select_related = ("problem", "reviewer")
    search_fields = ("problem__code", "findings")


@admin.register(SupervisionAction)
class SupervisionActionAdmin(ReadOnlyAdmin):
    list_display = ("problem", "kind", "target_unit", "issued_by", "reply_due_date", "created_at")
    list_filter = ("kind",)
    list_select_related = ("problem", "target_unit", "issued_by")
    search_fields = ("problem__code", "content")


# A model added later gets at least a read-only view until it earns a tailored admin — but
# the admin cannot show a composite primary key (ProblemReach: derived rows kept by triggers).
for _model in apps.get_app_config("issues").get_models():
    if not _model._meta.is_composite_pk and not admin.site.is_registered(_model):
        admin.site.register(_model, ReadOnlyAdmin)
