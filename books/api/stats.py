"""Statistics (SPEC §7, §9): always within the caller's scope, filtered like the problem list,
computed by SQL aggregation in issues.selectors.stats (a constant number of queries)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from books.api.sheets import FilteredProblemsMixin
from issues.api.fields import UnitRefSerializer
from issues.selectors.reporting import on_time_report_rate, on_time_report_rates
from issues.selectors.scope import scope_units
from issues.selectors.stats import (
    STATS_DIMENSIONS,
    monthly_trend,
    stats_by_dimension,
    stats_summary,
    stats_units,
    unit_ranking,
)

# --- statistics --------------------------------------------------------------------------------


class SummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="已完成 + 正在整改 + 长期坚持")
    completed = serializers.IntegerField(help_text="已完成：已销号 + 纳入日常管理")
    in_progress = serializers.IntegerField(help_text="正在整改：已交办 + 整改中 + 销号审核中")
    long_term = serializers.IntegerField(help_text="长期坚持")
    overdue = serializers.IntegerField(help_text="逾期（正在整改中已过时限的）")
    completion_rate = serializers.FloatField(help_text="整改完成率（%），一位小数")
    on_time_rate = serializers.FloatField(help_text="按期完成率（%），一位小数")
    reopened = serializers.IntegerField(help_text="反弹重改过的问题数")
    repeat_count = serializers.IntegerField(
        help_text="重复发生问题数：登记时同一牵头单位 24 个月内已销号过类似问题"
    )
    regulations = serializers.IntegerField(help_text="建章立制数")


class SummaryWithReportsSerializer(SummarySerializer):
    on_time_report_rate = serializers.FloatField(
        allow_null=True, help_text="按时报送率（%）：按时报送 ÷ 应报送；无应报送时为 null"
    )


class UnitStatsSerializer(SummarySerializer):
    unit = UnitRefSerializer()


class RankingSerializer(UnitStatsSerializer):
    rank = serializers.IntegerField()
    on_time_report_rate = serializers.FloatField(
        allow_null=True, help_text="按时报送率（%）；该单位无应报送时为 null"
    )


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "integer"}],
        "nullable": True,
        "description": "来源代码（字符串）、类别 id 或批次 id（整数）；无类别时为 null",
    }
)
class GroupKeyField(serializers.Field):
    def to_representation(self, value):
        return value


class GroupStatsSerializer(SummarySerializer):
    key = GroupKeyField(allow_null=True)
    label = serializers.CharField()


class TrendSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    created = serializers.IntegerField()
    closed = serializers.IntegerField()


@extend_schema(
    filters=True,
    responses=SummaryWithReportsSerializer,
    summary="统计汇总（范围内，筛选同问题列表）",
)
class StatsSummaryView(FilteredProblemsMixin, generics.GenericAPIView):
    """Bucket counts and rates of the caller's visible problems, filtered like the list."""

    def get(self, request):
        problems = self.problems()
        body = stats_summary(problems)
        body["on_time_report_rate"] = on_time_report_rate(problems)
        return Response(body)


@extend_schema(responses=UnitStatsSerializer(many=True), summary="分单位统计（范围内每个单位一行）")
class StatsUnitsView(FilteredProblemsMixin, generics.GenericAPIView):
    """One row per unit in the caller's scope (zeros included), by lead unit."""

    def get(self, request):
        return Response(stats_units(self.problems(), scope_units(request.user)))


@extend_schema(responses=RankingSerializer(many=True), summary="单位排名（有问题的单位）")
class StatsRankingView(FilteredProblemsMixin, generics.GenericAPIView):
    """Units with problems, best first: completion rate, on-time rate, fewer overdue."""

    def get(self, request):
        problems = self.problems()
        ranking = unit_ranking(stats_units(problems, scope_units(request.user)))
        report_rates = on_time_report_rates(problems)
        for row in ranking:
            row["on_time_report_rate"] = report_rates.get(row["unit"]["id"])
        return Response(ranking)


@extend_schema(
    parameters=[OpenApiParameter("months", int, description="月数，默认 12，最多 60")],
    responses=TrendSerializer(many=True),
    summary="按月趋势（登记数、销号数）",
)
class StatsTrendView(FilteredProblemsMixin, generics.GenericAPIView):
    """Problems registered and closed per month (local time)."""

    def get(self, request):
        try:
            months = int(request.query_params.get("months", 12))
        except ValueError:
            months = 0
        if not 1 <= months <= 60:
            raise ValidationError({"months": ["须为 1 到 60 之间的整数。"]})
        return Response(monthly_trend(self.problems(), months=months))


@extend_schema(
    parameters=[
        OpenApiParameter("dimension", str, OpenApiParameter.PATH, enum=list(STATS_DIMENSIONS))
    ],
    responses=GroupStatsSerializer(many=True),
    summary="按来源、类别或批次统计",
)
class StatsByView(FilteredProblemsMixin, generics.GenericAPIView):
    """The summary per source, category or batch."""

    def get(self, request, dimension):
        if dimension not in STATS_DIMENSIONS:
            return Response(
                {"code": "not_found", "detail": "未知的统计维度。", "errors": {}},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(stats_by_dimension(self.problems(), dimension))
