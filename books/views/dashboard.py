"""驾驶舱 (dashboard): rates, buckets, the overdue list, the unit ranking and charts by source,
category and month — for everything in the user's scope, narrowed by the problem list's filters.

The numbers are the statistics API's own (issues.selectors.stats, on the same scoped and
filtered queryset), drawn as server-rendered SVG (books/charts.py). The page costs a
constant number of queries, whatever the number of problems or units.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from books.charts import Series, donut, line_chart, stacked_bars
from issues.api.filters import ProblemFilter
from issues.models import Membership
from issues.selectors.deadlines import problem_overdue_q
from issues.selectors.reporting import on_time_report_figures
from issues.selectors.scope import access_for, scope_units, visible_problems
from issues.selectors.stats import (
    STATS_BASIS,
    bucket_counts,
    cooperating_count,
    led_in_scope,
    monthly_counts,
    monthly_trend,
    stats_by_dimension,
    stats_summary,
    stats_units,
    unit_ranking,
)
from issues.selectors.stats_cache import cached_counts
from issues.views.problems import FilterForm

OVERDUE_SHOWN = 15
RANKING_SHOWN = 15
MONTHS = 12
# The dashboard narrows by where problems come from; state, light and dates are the list's.
FILTERS = ("batch", "campaign", "source", "category", "unit")


class DashboardFilterForm(FilterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in [n for n in self.fields if n not in FILTERS]:
            del self.fields[name]


def _series():
    return {
        "completed": Series("completed", _("已完成"), "c-completed"),
        "on_track": Series("on_track", _("正在整改（未逾期）"), "c-progress"),
        "overdue": Series("overdue", _("逾期"), "c-overdue"),
        "long_term": Series("long_term", _("长期坚持"), "c-longterm"),
        "created": Series("created", _("登记"), "c-created"),
        "closed": Series("closed", _("销号"), "c-closed"),
    }


def _completion_bars(rows, buckets, title):
    """Progress buckets per group, each bar noted with its completion rate."""
    return stacked_bars(
        rows,
        series=buckets,
        title=title,
        note_key="completion_rate",
        note_label=_("完成率"),
        empty=_("暂无数据"),
        total_label=_("共 %(n)s"),
    )


def _with_on_track(row: dict) -> dict:
    row["on_track"] = row["in_progress"] - row["overdue"]
    return row


def _link(params: dict, **extra) -> str:
    query = {**params, **extra}
    return reverse("web:problems") + ("?" + urlencode(query) if query else "")


def _counts(user, problems, params, today) -> dict:
    """The grouped counts the page draws: one query per grouping. For a scope that holds every
    unit they depend on the filters and the day only, and are shared a short while
    (issues.selectors.stats_cache: why, and how a change still shows at once)."""

    def compute():
        return {
            "all": bucket_counts(problems, today),
            "source": bucket_counts(problems, today, "source"),
            "category": bucket_counts(problems, today, "category"),
            "lead_unit": bucket_counts(problems, today, "lead_unit"),
            "trend": monthly_counts(problems, months=MONTHS),
        }

    if not access_for(user).covers_every_unit:
        return compute()
    return cached_counts("dashboard", (sorted(params.items()), today, MONTHS), compute)


def _scope_text(user) -> str:
    if access_for(user).sees_everything:
        return _("全部单位")
    names = []
    for name in (
        Membership.objects.filter(user=user)
        .order_by("unit__path")
        .values_list("unit__name", flat=True)
    ):
        if name not in names:
            names.append(name)
    if not names:
        return _("无")
    return _("%(units)s及其下级单位") % {"units": "、".join(names)}


def _month_labels(points) -> list[str]:
    labels = []
    for i, point in enumerate(points):
        year, month = point["month"].split("-")
        text = _("%(m)s月") % {"m": int(month)}
        if i == 0 or month == "01":
            text += "\n" + year
        labels.append(text)
    return labels


@require_GET
@login_required
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    params = {k: v for k, v in request.GET.items() if k in FILTERS and v}
    filterset = ProblemFilter(params, queryset=visible_problems(user), request=request)
    visible = filterset.qs.order_by()
    # One 统计口径 (STATS_BASIS): every figure below counts the problems led in scope — the
    # same filters over led_in_scope, which needs no scope union (all of them are visible).
    led = ProblemFilter(params, queryset=led_in_scope(user), request=request)
    problems = led.qs.order_by()

    counts = _counts(user, problems, params, today)
    summary = _with_on_track(stats_summary(problems, today, counts=counts["all"]))
    cooperating = cooperating_count(user, visible, led_total=summary["total"])
    summary["on_time_report_rate"], report_rates = on_time_report_figures(problems, today)
    series = _series()
    buckets = [series[k] for k in ("completed", "on_track", "overdue", "long_term")]

    def group_rows(dimension, key_param):
        rows = []
        for row in stats_by_dimension(problems, dimension, counts=counts[dimension]):
            if not row["total"]:
                continue
            row = _with_on_track(row)
            if row["key"] is not None:
                row["href"] = _link(params, **{key_param: row["key"]})
            rows.append(row)
        rows.sort(key=lambda r: -r["total"])
        return rows

    by_source = group_rows("source", "source")
    by_category = group_rows("category", "category")
    trend = monthly_trend(problems, months=MONTHS, counts=counts["trend"])
    ranking = unit_ranking(
        stats_units(problems, scope_units(user), today, counts=counts["lead_unit"])
    )
    show_all = request.GET.get("units") == "all"
    shown = ranking if show_all else ranking[:RANKING_SHOWN]
    for row in shown:  # links for the rows on the page only: 2 000 reverse() cost 0.2 s
        row["on_time_report_rate"] = report_rates.get(row["unit"]["id"])
        row["href"] = _link(params, unit=row["unit"]["id"])
        row["report_url"] = reverse("print-unit-report", args=[row["unit"]["id"]])
    overdue = list(
        problems.filter(problem_overdue_q(today))
        .select_related("lead_unit")
        .order_by("due_date", "pk")[:OVERDUE_SHOWN]
    )
    for problem in overdue:
        problem.overdue_days = (today - problem.due_date).days

    charts = {
        "buckets": donut(
            [(s, summary[s.key]) for s in buckets],
            title=_("整改进度构成"),
            center=f"{summary['completion_rate']:g}%",
            center_label=_("整改完成率"),
        ),
        "source": _completion_bars(by_source, buckets, _("按问题来源")),
        "category": _completion_bars(by_category, buckets, _("按问题类别")),
        "trend": line_chart(
            trend,
            series=[series["created"], series["closed"]],
            x_key="month",
            x_labels=_month_labels(trend),
            title=_("近12个月登记与销号"),
        ),
    }
    links = {
        "total": _link(params),
        "completed": _link(params, status="closed,routine"),
        "in_progress": _link(params, status="assigned,in_progress,closeout_review"),
        "long_term": _link(params, status="long_term"),
        "overdue": _link(params, overdue="true", ordering="due_date"),
    }
    return render(
        request,
        "issues/dashboard.html",
        {
            "form": DashboardFilterForm(params or None, user=user),
            "filtered": bool(params),
            "filter_errors": filterset.errors,
            "scope_text": _scope_text(user),
            "today": today,
            "summary": summary,
            "stats_basis": _(STATS_BASIS),
            "cooperating": cooperating,
            "links": links,
            "charts": charts,
            "by_source": by_source,
            "by_category": by_category,
            "trend": trend,
            "ranking_top": shown,
            "ranking_rest": not show_all and len(ranking) > RANKING_SHOWN,
            "all_units_url": "?" + urlencode({**params, "units": "all"}),
            "ranking_count": len(ranking),
            "overdue": overdue,
            "export_query": urlencode(params),
        },
    )
