"""Close-out and extension requests of a problem, and the caller's review inbox."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from issues.api.problems import ProblemChildMixin
from issues.models import RequestType, ReviewRequest, ReviewStep
from issues.selectors.reviews import pending_reviews

CLOSEOUT_FIELDS = ("summary", "self_check", "rework_requirement", "new_due_date")
EXTENSION_FIELDS = (
    "kind",
    "requested_due_date",
    "reason",
    "stage_goal",
    "next_review_date",
    "original_due_date",
)


class ReviewStepSerializer(serializers.ModelSerializer):
    decision = serializers.SerializerMethodField()

    class Meta:
        model = ReviewStep
        fields = ["step_kind", "decision", "reviewer", "opinion", "decided_at"]

    def get_decision(self, step) -> str | None:
        return step.decision or None  # undecided: null


class ReviewRequestSerializer(serializers.ModelSerializer):
    """Common fields, plus the close-out or the extension fields according to the type."""

    steps = ReviewStepSerializer(many=True, read_only=True)

    class Meta:
        model = ReviewRequest
        fields = [
            "id",
            "request_type",
            "status",
            "applicant",
            "created_at",
            "steps",
            *CLOSEOUT_FIELDS,
            *EXTENSION_FIELDS,
        ]
        read_only_fields = fields
        optional_fields = (*CLOSEOUT_FIELDS, *EXTENSION_FIELDS)  # by request_type (schema)

    def to_representation(self, review):
        data = super().to_representation(review)
        other = EXTENSION_FIELDS if review.request_type == RequestType.CLOSEOUT else CLOSEOUT_FIELDS
        for name in other:
            data.pop(name, None)
        return data


class ProblemRequestListView(ProblemChildMixin, generics.ListAPIView):
    """Newest first."""

    serializer_class = ReviewRequestSerializer

    def get_queryset(self):
        return (
            ReviewRequest.objects.filter(problem=self.get_problem())
            .prefetch_related("steps")
            .order_by("-created_at", "-id")
        )


class PendingReviewSerializer(serializers.Serializer):
    """A row of `pending_reviews`: a request annotated with its current step's kind."""

    request_id = serializers.IntegerField(source="pk")
    request_type = serializers.ChoiceField(choices=RequestType.choices)
    problem = serializers.IntegerField(source="problem_id")
    step_kind = serializers.CharField()


@extend_schema(summary="待我审核的环节")
class PendingReviewListView(generics.ListAPIView):
    """The request steps the caller may decide now (chain order and separation of duties)."""

    serializer_class = PendingReviewSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ReviewRequest.objects.none()
        return pending_reviews(self.request.user).only("id", "request_type", "problem_id")
