"""The problem list (问题台账): the API's filters as a GET form, sortable, 50 a page.

Filtering is the selectors' ProblemFilter (issues.selectors.problem_filter), the one the API
uses too, on the same scoped selector, so the page, the API and the export link always agree on what a filter means. The
page costs a constant number of queries whatever the page size.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from issues.bounds import validate_date
from issues.models import Batch, Category, Source, Status
from issues.pagination import IdsFirstPaginator
from issues.selectors.beside import beside
from issues.selectors.problem_filter import filter_problems
from issues.selectors.problems import problem_list, problem_rows_by_id
from issues.selectors.scope import scope_units, visible_campaigns
from issues.selectors.stats import bucket_counts, stats_summary
from issues.selectors.stats_cache import shared_list_count_later
from issues.services.bulk_actions import MAX_BULK
from issues.services.problems import lead_units_for
from issues.services.workflow import ACTIONS, allowed_actions
from issues.views.actions import next_action, offered
from issues.views.books_common import books_context
from issues.views.bulk import LIST_ACTIONS
from issues.views.choices import indented
from issues.views.common import light_choices, light_display
from issues.views.widgets import QuickSelect

PAGE_SIZE = 50
SORTS = [
    ("due_date", _("整改时限")),
    ("code", _("问题编号")),
    ("created_at", _("登记时间")),
]


class FilterForm(forms.Form):
    """The visible form; its names are the API's query parameters (SPEC §9)."""

    q = forms.CharField(label=_("关键词"), required=False)
    batch = forms.ChoiceField(label=_("整改批次"), required=False, widget=QuickSelect)
    campaign = forms.ChoiceField(label=_("专项整治"), required=False, widget=QuickSelect)
    source = forms.ChoiceField(label=_("问题来源"), required=False, widget=QuickSelect)
    category = forms.ChoiceField(label=_("问题类别"), required=False, widget=QuickSelect)
    status = forms.ChoiceField(label=_("整改状态"), required=False, widget=QuickSelect)
    light = forms.ChoiceField(label=_("预警"), required=False, widget=QuickSelect)
    unit = forms.ChoiceField(label=_("单位（含配合、下级）"), required=False, widget=QuickSelect)
    overdue = forms.ChoiceField(
        label=_("是否逾期"),
        required=False,
        choices=[("", _("全部")), ("true", _("已逾期")), ("false", _("未逾期"))],
        widget=QuickSelect,
    )
    due_after = forms.DateField(
        validators=[validate_date],
        label=_("时限自"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    due_before = forms.DateField(
        validators=[validate_date],
        label=_("时限至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("全部"))]
        self.fields["batch"].choices = every + list(Batch.objects.values_list("pk", "name"))
        self.fields["campaign"].choices = every + list(
            visible_campaigns(user).values_list("pk", "name")
        )
        self.fields["source"].choices = every + list(Source.choices)
        self.fields["category"].choices = every + list(Category.objects.values_list("pk", "name"))
        self.fields["status"].choices = every + list(Status.choices)
        self.fields["light"].choices = every + light_choices()
        # Indented by depth, so a township's villages read as part of it.
        self.fields["unit"].choices = every + indented(scope_units(user))


def _query(params, **changes) -> str:
    items = {k: v for k, v in params.items() if v not in ("", None)}
    items.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        items.pop(key, None)
    return urlencode(items)


def _sort_links(params):
    current = params.get("ordering", "")
    links = []
    for key, label in SORTS:
        if current == key:
            target, state = f"-{key}", "ascending"
        elif current == f"-{key}":
            target, state = key, "descending"
        else:
            target, state = key, ""
        links.append(
            {
                "key": key,
                "label": label,
                "url": "?" + _query(params, ordering=target, page=None),
                "state": state,
            }
        )
    return {link["key"]: link for link in links}


def _counts_later(user, problems, query, today):
    """What waits for the list's length and its summary's bucket counts, for a scope that
    holds every unit: counted beside the page's reads (issues.selectors.beside) and shared a
    short while (issues.selectors.stats_cache); None for a scoped user, whose count comes with
    the page's ids."""
    problems = problems.all()  # the counts' own copy

    def counts():
        return {"count": problems.count(), "summary": bucket_counts(problems, today)}

    return shared_list_count_later(user, "problems", query, lambda: beside(problems.db, counts))


@require_GET
@login_required
def problem_index(request):
    user = request.user
    params = request.GET.dict()
    filterset = filter_problems(request.GET, problem_list(user), request)
    problems = filterset.qs
    today = timezone.localdate()
    counts_later = _counts_later(user, problems, request.GET, today)
    paginator = IdsFirstPaginator(
        problems,
        PAGE_SIZE,
        rows_for_ids=problem_rows_by_id,
        # A scoped user's count comes with the page's ids: the scope union read once.
        count_with_ids=counts_later is None,
        count=(lambda: counts_later()["count"]) if counts_later else None,
    )
    page = paginator.get_page(request.GET.get("page"))
    summary = counts_later()["summary"] if counts_later else bucket_counts(problems, today)
    rows = list(page.object_list)
    bulk_names = set()
    for problem in rows:
        problem.light_info = light_display(problem.light)
        names = offered(allowed_actions(problem, user), problem)  # no query: rows prefetched
        problem.next_action = next_action(names)
        bulk_names.update(names)
    bulk_actions = [
        (name, gettext(ACTIONS[name].label)) for name in LIST_ACTIONS if name in bulk_names
    ]
    export_query = _query(params, page=None)
    export_paths = {kind: reverse(f"export-ledger-{kind}") for kind in ("xlsx", "csv")}
    return render(
        request,
        "issues/problem_list.html",
        {
            "form": FilterForm(request.GET or None, user=user),
            "filter_errors": filterset.errors,
            "filtered": any(v for k, v in params.items() if k not in ("page", "ordering")),
            "page": page,
            "rows": rows,
            "summary": stats_summary(problems, today, counts=summary),
            "sorts": _sort_links(params),
            "export_xlsx": export_paths["xlsx"] + ("?" + export_query if export_query else ""),
            "export_csv": export_paths["csv"] + ("?" + export_query if export_query else ""),
            "page_query": _query(params, page=None),
            "unit_report_url": reverse("print-unit-report", args=[int(params["unit"])])
            if params.get("unit", "").isdigit()
            else "",
            "can_register": lead_units_for(user).exists(),
            "bulk_actions": bulk_actions,
            "max_bulk": MAX_BULK,
            **books_context(request, "problems"),
        },
    )
