"""Progress reports, evidence uploads and downloads (SPEC §9)."""

from django.conf import settings
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from issues.api.problems import ProblemChildMixin
from issues.models import Evidence, EvidenceKind, EvidenceStage, Measure, ProgressReport
from issues.selectors.scope import visible_problems
from issues.services.evidence import evidence_delete
from issues.services.reports import FileTooLarge, evidence_upload, progress_report_create


class ProblemMeasureField(serializers.PrimaryKeyRelatedField):
    """A measure of the problem in the URL (another problem's measure does not exist here)."""

    def get_queryset(self):
        return Measure.objects.filter(problem_id=self.context["view"].kwargs["pk"])


class ProgressReportSerializer(serializers.ModelSerializer):
    measure = ProblemMeasureField(queryset=Measure.objects.all(), required=False, allow_null=True)
    # Period format and percent range are checked by the service.
    percent = serializers.IntegerField(required=False, default=0)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "period",
            "content",
            "difficulties",
            "next_steps",
            "percent",
            "measure",
            "reporter",
            "submitted_at",
        ]
        read_only_fields = ["reporter", "submitted_at"]


class ProgressReportListView(ProblemChildMixin, generics.ListCreateAPIView):
    serializer_class = ProgressReportSerializer

    def get_queryset(self):
        return ProgressReport.objects.filter(problem=self.get_problem())

    def perform_create(self, serializer):
        serializer.instance = progress_report_create(
            actor=self.request.user, problem_id=self.get_problem().pk, **serializer.validated_data
        )


class EvidenceSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True, use_url=False)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, default=EvidenceKind.OTHER)
    stage = serializers.ChoiceField(
        choices=EvidenceStage.choices, required=False, allow_blank=True, write_only=True
    )
    measure = ProblemMeasureField(
        queryset=Measure.objects.all(), required=False, allow_null=True, write_only=True
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "file",
            "file_name",
            "size",
            "content_type",
            "kind",
            "description",
            "stage",
            "measure",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = ["file_name", "size", "content_type", "uploaded_by", "uploaded_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, evidence) -> str:
        url = reverse("api:evidence-download", args=[evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class EvidenceListView(ProblemChildMixin, generics.ListCreateAPIView):
    serializer_class = EvidenceSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return Evidence.objects.filter(problem=self.get_problem())

    def create(self, request, *args, **kwargs):
        # Refuse a body far beyond the limit before it is parsed into a temporary file; the
        # service checks the exact size of the file itself (the margin covers the other fields).
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.UPLOAD_MAX_BYTES + 1024 * 1024:
            limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            raise FileTooLarge(f"文件超过大小限制（{limit} MiB）。", {"file": ["文件过大。"]})
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = evidence_upload(
            actor=self.request.user,
            problem_id=self.get_problem().pk,
            upload=data.pop("file"),
            **data,
        )


@extend_schema_view(delete=extend_schema(summary="删除佐证材料（销号申请提交前）"))
class EvidenceDetailView(generics.GenericAPIView):
    """DELETE: the uploader, the lead unit's liaison or an office admin removes a wrong file
    before the close-out request that relies on it is filed (409 once it is locked)."""

    serializer_class = EvidenceSerializer

    def get_queryset(self):
        return Evidence.objects.filter(problem__in=visible_problems(self.request.user))

    def delete(self, request, pk):
        evidence = get_object_or_404(self.get_queryset(), pk=pk)
        evidence_delete(actor=request.user, evidence_id=evidence.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IgnoreAcceptHeader(BaseContentNegotiation):
    """The download answers with the stored file whatever the client says it accepts."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema_view(
    # The stored file's own type (pdf, jpeg, png, docx, xlsx, ofd, zip …).
    get=extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
)
class EvidenceDownloadView(generics.GenericAPIView):
    """The file, as an attachment, only within scope; never rendered by the browser."""

    content_negotiation_class = IgnoreAcceptHeader
    serializer_class = EvidenceSerializer

    def get_queryset(self):
        return Evidence.objects.filter(problem__in=visible_problems(self.request.user))

    def get(self, request, pk):
        evidence = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError:  # lost from storage (a restore without media): not a 500
            raise NotFound("文件已不存在。") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=evidence.file_name,
            content_type=evidence.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
