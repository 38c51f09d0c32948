"""Word documents (SPEC §12): the 整改情况报告 and the 销号申请单 as .docx."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from books.services import documents, print_forms
from issues.api.files import IgnoreAcceptHeader, attachment

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ID_BOUND = 2**31 - 1


class ReportQuery(serializers.Serializer):
    batch = serializers.IntegerField(required=False, min_value=1, max_value=ID_BOUND)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=ID_BOUND)
    campaign = serializers.IntegerField(required=False, min_value=1, max_value=ID_BOUND)


@extend_schema(
    parameters=[
        OpenApiParameter(name, OpenApiTypes.INT, description=f"narrow the report to one {name}")
        for name in ("batch", "unit", "campaign")
    ],
    responses={(200, DOCX): OpenApiTypes.BINARY},
    summary="整改情况报告（.docx）",
)
class RectificationReportDocxView(generics.GenericAPIView):
    """The figures of a county report written out in the text, then the problem table; only
    problems the caller sees are counted; a unit or campaign outside scope is 404."""

    content_negotiation_class = IgnoreAcceptHeader

    def get(self, request):
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        given = query.validated_data
        data = documents.rectification_report_data(
            user=request.user,
            batch_id=given.get("batch"),
            unit_id=given.get("unit"),
            campaign_id=given.get("campaign"),
        )
        response = HttpResponse(documents.rectification_report_docx(data), content_type=DOCX)
        return attachment(response, f"{data['title']}.docx")


@extend_schema(responses={(200, DOCX): OpenApiTypes.BINARY}, summary="销号申请单（.docx）")
class CloseoutFormDocxView(generics.GenericAPIView):
    content_negotiation_class = IgnoreAcceptHeader

    def get(self, request, pk):
        data = print_forms.closeout_form_data(user=request.user, problem_id=pk)
        response = HttpResponse(documents.closeout_form_docx(data), content_type=DOCX)
        return attachment(response, f"销号申请单_{data['problem'].code}.docx")
