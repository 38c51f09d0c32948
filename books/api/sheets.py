"""The books of SPEC §7 and §9: ledger exports, list imports, printable forms, statistics,
回头看 and 建章立制.

Every view reads through the scope selectors (outside scope: 404) and filters problems with
the problem list's own FilterSet, then hands over to one service.
"""

import itertools

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from books.services import export, print_forms
from books.services.export import xlsx as export_xlsx
from books.services.importer import ImportRejected, import_template_xlsx, problems_import
from issues.api.files import XLSX, IgnoreAcceptHeader, attachment
from issues.api.filters import ProblemFilter, StrictFilterBackend
from issues.models import Batch, Problem
from issues.selectors.deadlines import annotate_deadlines
from issues.selectors.scope import visible_problems


class FilteredProblemsMixin:
    """The caller's visible problems, narrowed by the problem list's filters (SPEC §9)."""

    filterset_class = ProblemFilter
    filter_backends = [StrictFilterBackend]
    pagination_class = None
    annotated = False  # True: always annotate the light (the export shows it)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no DB
            return Problem.objects.none()
        qs = visible_problems(self.request.user)
        if self.annotated or {"light", "overdue", "ordering"} & set(self.request.query_params):
            qs = annotate_deadlines(qs)
        return qs

    def problems(self):
        return self.filter_queryset(self.get_queryset())


# --- exports -----------------------------------------------------------------------------------

PROFILE_PARAM = OpenApiParameter(
    "profile",
    str,
    enum=[*export.PROFILES, *export.PROFILE_ALIASES],
    description="列方案：默认整改台账；ztjy 主题教育、xuncha 巡察、shenji 审计",
)


class LedgerExportMixin(FilteredProblemsMixin):
    annotated = True
    content_negotiation_class = IgnoreAcceptHeader

    def prepare(self):
        params = self.request.query_params
        profile = export.get_profile(params.get("profile"))
        if profile is None:
            raise ValidationError({"profile": ["未知的列方案，可选 ztjy、xuncha、shenji。"]})
        # Draft, list_review and withdrawn rows only when the status filter asks for them.
        return export.ledger_export_prepare(
            user=self.request.user,
            problems=self.problems(),
            profile=profile,
            params=params,
            include_uncounted=bool(params.get("status")),
        )


@extend_schema(
    filters=True,
    parameters=[PROFILE_PARAM],
    responses={(200, XLSX): OpenApiTypes.BINARY},
    summary="导出台账（.xlsx）",
)
class LedgerXlsxView(LedgerExportMixin, generics.GenericAPIView):
    """The ledger with the problem list's filters: a title, the scope/filter/time line, the
    header repeated on every printed page, and a totals row 总数 = 已完成 + 正在整改 + 长期坚持.
    Draft, list_review and withdrawn problems appear only when `status` asks for them."""

    def get(self, request):
        meta, rows = self.prepare()
        handle = export_xlsx.ledger_xlsx_file(meta, rows)
        response = FileResponse(handle, content_type=XLSX)
        return attachment(response, f"{meta.filename_stem}.xlsx")


@extend_schema(
    filters=True,
    parameters=[PROFILE_PARAM],
    responses={(200, "text/csv"): OpenApiTypes.BINARY},
    summary="导出台账（.csv，UTF-8 BOM）",
)
class LedgerCsvView(LedgerExportMixin, generics.GenericAPIView):
    """The same rows as CSV (UTF-8 with BOM); cells starting with = + - @ are quoted."""

    def get(self, request):
        meta, rows = self.prepare()
        rows = export.iter_rows(rows, meta.profile)
        if meta.verification:  # the 台账校验码 as the last line
            rows = itertools.chain(rows, [[meta.verification]])
        stream = export.iter_csv(meta.profile.headers, rows)
        response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
        return attachment(response, f"{meta.filename_stem}.csv")


# --- imports -----------------------------------------------------------------------------------


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    batch = serializers.PrimaryKeyRelatedField(queryset=Batch.objects.all())
    dry_run = serializers.BooleanField(default=False)


ImportResultSerializer = inline_serializer(
    "ImportResult",
    {
        "created": serializers.IntegerField(),
        "dry_run": serializers.BooleanField(),
        "errors": serializers.ListField(child=serializers.DictField()),
    },
)


@extend_schema(
    request={"multipart/form-data": ImportSerializer},
    responses={200: ImportResultSerializer},
    summary="导入问题清单（.xlsx）",
    description="试导入（dry_run=true）只检查；任一行有误时返回 400，"
    'errors.rows 列出每处错误 {"row", "column", "message"}，且不写入任何数据。',
)
class ProblemImportView(generics.GenericAPIView):
    """Office admins: check (dry run) or import a problem list into a batch, all or nothing."""

    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportSerializer

    def post(self, request):
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = problems_import(
                actor=request.user,
                batch=data["batch"],
                upload=data["file"],
                dry_run=data["dry_run"],
            )
        except ImportRejected as exc:
            # SPEC §9 keeps the rows as objects ({"row", "column", "message"}); the project's
            # exception handler would flatten every field's errors into strings.
            body = {"code": exc.code, "detail": exc.detail, "errors": exc.errors}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": result.created, "dry_run": result.dry_run, "errors": []})


@extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY}, summary="问题清单导入模板")
class ImportTemplateView(generics.GenericAPIView):
    """The blank list: headers, an example row (skipped on import) and a 说明 sheet."""

    content_negotiation_class = IgnoreAcceptHeader

    def get(self, request):
        response = HttpResponse(import_template_xlsx(), content_type=XLSX)
        return attachment(response, "问题清单导入模板.xlsx")


# --- printable forms as .xlsx ------------------------------------------------------------------


@extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY}, summary="销号申请单（.xlsx）")
class CloseoutFormXlsxView(generics.GenericAPIView):
    """The problem's 销号申请单 with signature lines; 404 outside scope."""

    content_negotiation_class = IgnoreAcceptHeader

    def get(self, request, pk):
        data = print_forms.closeout_form_data(user=request.user, problem_id=pk)
        response = HttpResponse(print_forms.closeout_form_xlsx(data), content_type=XLSX)
        return attachment(response, f"销号申请单_{data['problem'].code}.xlsx")


@extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY}, summary="整改情况报告（.xlsx）")
class UnitReportXlsxView(generics.GenericAPIView):
    """A unit's 整改情况报告: buckets, rates, overdue problems, regulations; 404 outside scope."""

    content_negotiation_class = IgnoreAcceptHeader

    def get(self, request, pk):
        data = print_forms.unit_report_data(user=request.user, unit_id=pk)
        response = HttpResponse(print_forms.unit_report_xlsx(data), content_type=XLSX)
        return attachment(response, f"{data['title']}.xlsx")
