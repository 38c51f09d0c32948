"""Supervision (督办) records of a problem, and the lead unit's reply."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from issues.api.problems import ProblemChildMixin
from issues.bounds import validate_text
from issues.models import SupervisionAction
from issues.services.supervision import supervision_reply


class SupervisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisionAction
        fields = [
            "id",
            "problem",
            "kind",
            "target_unit",
            "issued_by",
            "content",
            "reply_due_date",
            "reply",
            "replied_at",
            "replied_by",
            "created_at",
        ]
        read_only_fields = fields


class ProblemSupervisionListView(ProblemChildMixin, generics.ListAPIView):
    """督办记录, newest first. `issued_by` is null when the system escalated."""

    serializer_class = SupervisionSerializer

    def get_queryset(self):
        return SupervisionAction.objects.filter(problem=self.get_problem())


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(validators=[validate_text])


class SupervisionReplyView(APIView):
    """The lead unit's unit_admin or unit_head answers a supervision once. An answered
    supervision stops escalating; an unanswered one past its reply date escalates like an
    overdue problem."""

    @extend_schema(request=ReplySerializer, responses=SupervisionSerializer)
    def post(self, request, pk):
        serializer = ReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        supervision = supervision_reply(
            actor=request.user, supervision_id=pk, reply=serializer.validated_data["reply"]
        )
        return Response(SupervisionSerializer(supervision).data)
