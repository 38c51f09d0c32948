"""The category dictionary (SPEC §12): `GET, POST /api/v1/categories/`,
`GET, PATCH, DELETE /api/v1/categories/{id}/`.

Every signed-in user reads it; superusers and office admins at a root unit write it (others
403). DELETE removes only an unused category; one that problems use answers 409 and stays —
deactivate it with `PATCH {"is_active": false}` instead.
"""

from rest_framework import generics, serializers

from issues.models import Category
from issues.services import categories


class CategorySerializer(serializers.ModelSerializer):
    sort = serializers.IntegerField(min_value=0, max_value=categories.SORT_MAX, required=False)

    class Meta:
        model = Category
        fields = ["id", "name", "sort", "is_active"]
        # Uniqueness, trimming and control characters are the service's rules (one message).
        extra_kwargs = {"name": {"validators": [], "trim_whitespace": False}}


class CategoryListView(generics.ListCreateAPIView):
    """The dictionary in display order; `?is_active=true` for what new problems may use."""

    serializer_class = CategorySerializer
    queryset = Category.objects.order_by("sort", "id")
    filterset_fields = ["is_active"]

    def perform_create(self, serializer):
        serializer.instance = categories.category_create(
            actor=self.request.user, **serializer.validated_data
        )


class CategoryDetailView(generics.RetrieveUpdateDestroyAPIView):
    """PATCH renames, reorders, deactivates or reactivates; DELETE only an unused category."""

    serializer_class = CategorySerializer
    queryset = Category.objects.all()
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def perform_update(self, serializer):
        serializer.instance = categories.category_update(
            actor=self.request.user,
            category_id=serializer.instance.pk,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        categories.category_delete(actor=self.request.user, category_id=instance.pk)
