"""The reporting rhythm's API (SPEC §12): periods with each unit's status, a unit's period
report, and the period's roll-up as .xlsx (the 周报 table offices forward)."""

import io

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from openpyxl import Workbook
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from issues.api.fields import UnitRefSerializer
from issues.api.files import XLSX, IgnoreAcceptHeader, attachment
from issues.exceptions import NotFound
from issues.models import ReportPeriod, Unit
from issues.selectors.reporting import STATUS_LABELS, period_board, report_periods, task_status
from issues.services.reporting import period_report_submit, report_periods_open

ID_BOUND = 2**31 - 1


class PeriodUnitSerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    status = serializers.ChoiceField(choices=list(STATUS_LABELS))
    submitted_at = serializers.DateTimeField(allow_null=True)


class ReportPeriodSerializer(serializers.ModelSerializer):
    units = serializers.SerializerMethodField()

    class Meta:
        model = ReportPeriod
        fields = ["id", "batch", "period", "starts_on", "due_on", "units"]

    @extend_schema_field(PeriodUnitSerializer(many=True))
    def get_units(self, period):
        today = self.context["today"]
        return PeriodUnitSerializer(
            [
                {
                    "unit": task.unit,
                    "status": task_status(task, period.due_on, today),
                    "submitted_at": task.submitted_at,
                }
                for task in period.visible_tasks
            ],
            many=True,
        ).data


class PeriodQuery(serializers.Serializer):
    batch = serializers.IntegerField(required=False, min_value=1, max_value=ID_BOUND)


@extend_schema(
    parameters=[OpenApiParameter("batch", OpenApiTypes.INT, description="one batch's periods")]
)
class ReportPeriodListView(generics.ListAPIView):
    """Periods newest first; each lists the units in the caller's scope that must report."""

    serializer_class = ReportPeriodSerializer
    queryset = ReportPeriod.objects.none()  # for the schema; get_queryset reads

    def get_queryset(self):
        query = PeriodQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        batch_id = query.validated_data.get("batch")
        # Opening is idempotent; the daily scan does it too, reading here keeps it current.
        report_periods_open(batch_ids=None if batch_id is None else [batch_id])
        return report_periods(self.request.user, batch_id=batch_id)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}


class EntrySerializer(serializers.Serializer):
    problem = serializers.IntegerField(min_value=1, max_value=ID_BOUND)
    content = serializers.CharField(max_length=5000)
    difficulties = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    next_steps = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False, default=0)


class SubmitSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False)
    entries = EntrySerializer(many=True, allow_empty=False, max_length=1000)


class SubmissionSerializer(serializers.Serializer):
    period = serializers.IntegerField(source="period_id")
    unit = UnitRefSerializer()
    status = serializers.CharField()
    submitted_at = serializers.DateTimeField()


class ReportPeriodSubmitView(generics.GenericAPIView):
    """A unit's report for the period (unit_admin or unit_head of a listed unit) → 201; after
    the due date it counts as late; a second submission answers 409 and changes nothing."""

    serializer_class = SubmitSerializer

    @extend_schema(request=SubmitSerializer, responses={201: SubmissionSerializer})
    def post(self, request, pk):
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = period_report_submit(
            actor=request.user,
            period_id=pk,
            unit=serializer.validated_data.get("unit"),
            entries=serializer.validated_data["entries"],
        )
        body = {
            "period_id": task.period_id,
            "unit": task.unit,
            "status": task_status(task, task.period.due_on, timezone.localdate()),
            "submitted_at": task.submitted_at,
        }
        return Response(SubmissionSerializer(body).data, status=status.HTTP_201_CREATED)


ROLLUP_HEADERS = (
    "序号", "单位", "报送状态", "报送时间", "问题编号", "问题", "本期进展", "存在困难", "下步打算",
    "完成进度（%）",
)  # fmt: skip


def rollup_xlsx(period: ReportPeriod, rows: list[dict]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(period.period)
    ws.append([f"{period.batch.name} {period.period} 整改进展汇总（截止 {period.due_on}）"])
    ws.append(list(ROLLUP_HEADERS))
    seq = 0
    for row in rows:
        when = (
            timezone.localtime(row["submitted_at"]).strftime("%Y-%m-%d %H:%M")
            if (row["submitted_at"])
            else ""
        )
        for report in row["reports"] or [None]:
            seq += 1
            ws.append(
                [seq, row["unit"].name, row["status_label"], when]
                + (
                    [
                        report.problem.code,
                        report.problem.title,
                        report.content,
                        report.difficulties,
                        report.next_steps,
                        report.percent,
                    ]
                    if report
                    else [""] * 6
                )
            )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY}, summary="报送期次汇总表（.xlsx）")
class ReportPeriodRollupView(generics.GenericAPIView):
    """The period's 周报/月报 table: every visible unit, its status and its entries."""

    content_negotiation_class = IgnoreAcceptHeader

    def get(self, request, pk):
        period = ReportPeriod.objects.select_related("batch").filter(pk=pk).first()
        if period is None:
            raise NotFound("报送期次不存在。")
        rows = period_board(request.user, period)
        response = HttpResponse(rollup_xlsx(period, rows), content_type=XLSX)
        return attachment(response, f"{period.batch.name}_{period.period}_汇总.xlsx")
