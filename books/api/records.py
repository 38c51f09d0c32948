"""回头看 (follow-up reviews) and 建章立制 (regulations), SPEC §2, §7."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from issues.api.fields import scoped_unit
from issues.api.filters import ID_SCHEMA, query_id
from issues.bounds import ID_MAX, validate_date, validate_text
from issues.models import FollowUpResult, FollowUpReview, Regulation, RegulationKind
from issues.selectors.books import problem_follow_ups, visible_regulations
from issues.selectors.scope import visible_problems
from issues.services.books import follow_up_record, regulation_create, regulation_update


class FollowUpSerializer(serializers.ModelSerializer):
    problem_status = serializers.CharField(source="problem.status", read_only=True)

    class Meta:
        model = FollowUpReview
        fields = [
            "id",
            "problem",
            "reviewer",
            "review_date",
            "result",
            "findings",
            "created_at",
            "problem_status",
        ]
        read_only_fields = fields


class FollowUpWriteSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=FollowUpResult.choices)
    findings = serializers.CharField(
        required=False, allow_blank=True, default="", validators=[validate_text]
    )
    review_date = serializers.DateField(validators=[validate_date])
    new_due_date = serializers.DateField(
        validators=[validate_date],
        required=False,
        allow_null=True,
        default=None,
        help_text="整改不到位（not_effective）或反弹（relapsed）时必填：重新整改的时限",
    )
    confirm_earlier = serializers.BooleanField(
        required=False,
        default=False,
        help_text="重新整改时限早于原整改时限时须为 true",
    )


@extend_schema_view(
    get=extend_schema(summary="问题的回头看记录"),
    post=extend_schema(
        request=FollowUpWriteSerializer,
        responses={201: FollowUpSerializer},
        summary="登记回头看（整改不到位、反弹时问题重新整改）",
    ),
)
class FollowUpListView(generics.ListCreateAPIView):
    serializer_class = FollowUpSerializer

    def get_problem(self):
        return get_object_or_404(visible_problems(self.request.user), pk=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FollowUpReview.objects.none()
        return problem_follow_ups(self.get_problem()).select_related("problem")

    def create(self, request, *args, **kwargs):
        problem = self.get_problem()
        serializer = FollowUpWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = follow_up_record(
            actor=request.user, problem_id=problem.pk, **serializer.validated_data
        )
        review = FollowUpReview.objects.select_related("problem").get(pk=review.pk)
        return Response(FollowUpSerializer(review).data, status=status.HTTP_201_CREATED)


class LinkedProblemsField(serializers.ListField):
    """Problem ids; reads list only the linked problems the reader can see."""

    child = serializers.IntegerField(min_value=1, max_value=ID_MAX)

    def get_attribute(self, instance):
        return [p.pk for p in getattr(instance, "visible_linked", [])]


class RegulationSerializer(serializers.ModelSerializer):
    unit = scoped_unit()
    kind = serializers.ChoiceField(choices=RegulationKind.choices, default=RegulationKind.NEW)
    problems = LinkedProblemsField(
        required=False, help_text="关联问题的 id（须在您的范围内）；读取时只列出您能看到的问题"
    )

    class Meta:
        model = Regulation
        fields = [
            "id",
            "name",
            "doc_no",
            "kind",
            "issued_on",
            "unit",
            "problems",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]


class RegulationViewMixin:
    serializer_class = RegulationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Regulation.objects.none()
        user = self.request.user
        linked = Prefetch(
            "problems",
            queryset=visible_problems(user).only("id").order_by("id"),
            to_attr="visible_linked",
        )
        qs = visible_regulations(user).select_related("unit").prefetch_related(linked)
        unit = query_id(self.request.query_params, "unit")
        if unit is not None:
            qs = qs.filter(unit_id=unit)
        problem = query_id(self.request.query_params, "problem")
        if problem is not None:
            qs = qs.filter(problems=problem)
        return qs

    def regulation_response(self, pk, status_code=status.HTTP_200_OK):
        regulation = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(regulation).data, status=status_code)


@extend_schema_view(
    get=extend_schema(
        summary="建章立制（范围内单位制定的制度）",
        parameters=[
            OpenApiParameter("unit", ID_SCHEMA, description="制定单位 id"),
            OpenApiParameter("problem", ID_SCHEMA, description="关联问题 id"),
        ],
    ),
    post=extend_schema(summary="登记建章立制（整改办管理员，或本单位联络员）"),
)
class RegulationListView(RegulationViewMixin, generics.ListCreateAPIView):
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        regulation = regulation_create(actor=request.user, **serializer.validated_data)
        return self.regulation_response(regulation.pk, status.HTTP_201_CREATED)


@extend_schema_view(patch=extend_schema(summary="修改建章立制"))
class RegulationDetailView(RegulationViewMixin, generics.RetrieveUpdateAPIView):
    http_method_names = ["get", "patch", "head", "options"]

    def update(self, request, *args, **kwargs):
        regulation = self.get_object()
        serializer = self.get_serializer(regulation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        regulation_update(
            actor=request.user, regulation_id=regulation.pk, **serializer.validated_data
        )
        return self.regulation_response(regulation.pk)
