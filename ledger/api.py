"""The ledger over the API: one problem's entries, the chain check, and signed checkpoints.

The ledger knows nothing of scope or roles (it never imports issues/): whoever mounts these
views passes `problem_queryset` (the problems the caller may see) and the permission that
guards verification, as `as_view()` arguments.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from .checkpoints import LedgerBroken, ledger_checkpoint_take
from .models import LedgerCheckpoint, LedgerEntry
from .services import ledger_verify
from .signing import InvalidCode


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = [
            "seq",
            "action",
            "from_state",
            "to_state",
            "changes",
            "comment",
            "actor",
            "created_at",
            "hash",
            "prev_hash",
        ]
        read_only_fields = fields


class ProblemLedgerView(generics.ListAPIView):
    """A problem's entries, oldest first (404 when the problem is not visible)."""

    serializer_class = LedgerEntrySerializer
    problem_queryset: Callable[[Any], QuerySet] | None = None  # user → the problems they may see

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return LedgerEntry.objects.none()
        if self.problem_queryset is None:
            raise ImproperlyConfigured("ProblemLedgerView.as_view() needs problem_queryset=")
        problem = get_object_or_404(self.problem_queryset(self.request.user), pk=self.kwargs["pk"])
        return LedgerEntry.objects.filter(problem_id=problem.pk).order_by("seq")


class VerifySerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    entries = serializers.IntegerField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
    checkpoint_ok = serializers.BooleanField(allow_null=True)


CHECKPOINT_PARAM = OpenApiParameter(
    "checkpoint",
    str,
    description="台账校验码（如 1234-9f86-d081-884c）：另查台账是否仍含该校验点的链头。"
    "格式不对答 400 validation_error；格式对但不成立（台账被改写、校验码抄错或换过密钥）"
    "答 checkpoint_ok=false。",
)


class LedgerVerifyView(generics.GenericAPIView):
    """Recompute the whole hash chain: {"ok", "entries", "first_bad_seq", "checkpoint_ok"}.

    checkpoint_ok is null without ?checkpoint=; with it, whether the chain still holds
    exactly the head that code was signed for."""

    serializer_class = VerifySerializer
    pagination_class = None

    @extend_schema(responses=VerifySerializer, parameters=[CHECKPOINT_PARAM])
    def get(self, request):
        code = request.query_params.get("checkpoint")
        try:
            result = ledger_verify(checkpoint=code)
        except InvalidCode as exc:
            raise ValidationError({"checkpoint": [str(exc)]}) from None
        return Response(
            {
                "ok": result.ok,
                "entries": result.entries,
                "first_bad_seq": result.first_bad_seq,
                "checkpoint_ok": result.checkpoint_ok,
            }
        )


class CheckpointSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)

    class Meta:
        model = LedgerCheckpoint
        fields = ["seq", "head_hash", "created_at", "code"]
        read_only_fields = fields


class ChainBroken(APIException):
    status_code = 409
    default_code = "invalid_transition"
    default_detail = "台账链校验不通过，不能生成校验点。"


class LedgerCheckpointListView(generics.ListCreateAPIView):
    """Signed checkpoints, newest first; POST takes one now (201).

    Who may do which is the mounting project's rule: it passes `permission_classes`."""

    serializer_class = CheckpointSerializer
    queryset = LedgerCheckpoint.objects.order_by("-created_at", "-id")

    @extend_schema(request=None, responses={201: CheckpointSerializer})
    def post(self, request):
        try:
            checkpoint = ledger_checkpoint_take()
        except LedgerBroken as exc:
            raise ChainBroken(exc.detail) from None
        return Response(CheckpointSerializer(checkpoint).data, status=status.HTTP_201_CREATED)
