"""The ledger over the API: one problem's entries, and the chain check.

The ledger knows nothing of scope or roles (it never imports issues/): whoever mounts these
views passes `problem_queryset` (the problems the caller may see) and the permission that
guards verification, as `as_view()` arguments.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from .models import LedgerEntry
from .services import ledger_verify


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
    problem_queryset = None  # callable(user) → the problems the user may see

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return LedgerEntry.objects.none()
        problem = get_object_or_404(self.problem_queryset(self.request.user), pk=self.kwargs["pk"])
        return LedgerEntry.objects.filter(problem_id=problem.pk).order_by("seq")


class VerifySerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    entries = serializers.IntegerField()
    first_bad_seq = serializers.IntegerField(allow_null=True)


class LedgerVerifyView(generics.GenericAPIView):
    """Recompute the whole hash chain: {"ok", "entries", "first_bad_seq"}."""

    serializer_class = VerifySerializer
    pagination_class = None

    @extend_schema(responses=VerifySerializer)
    def get(self, request):
        result = ledger_verify()
        return Response(
            {"ok": result.ok, "entries": result.entries, "first_bad_seq": result.first_bad_seq}
        )
