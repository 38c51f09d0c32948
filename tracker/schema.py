"""The OpenAPI schema tells the truth about errors (issue 11): every operation declares the
error answers it can give, in the §9 shape {"code", "detail", "errors"}.

Done once here, for every view, so endpoints added later inherit it: settings name this
AutoSchema as DRF's DEFAULT_SCHEMA_CLASS. A view that declares an error status itself (e.g.
the import's 400 with its row errors) keeps its own declaration.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

DESCRIPTIONS = {
    "400": "validation_error：输入有误，errors 按字段列出原因",
    "401": "not_authenticated：未登录或令牌无效",
    "403": "permission_denied：无权执行此操作",
    "404": "not_found：对象不存在或不在您的范围内（列表：页码超出范围）",
    "409": "invalid_transition / conflict：当前状态不允许此操作，或已被他人处理",
    "413": "file_too_large：请求或文件过大",
    "415": "unsupported_file_type：不支持的文件或请求类型",
    "429": "throttled：尝试过于频繁",
}


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """SPEC §9: every error answer has this shape."""

    code = serializers.CharField(help_text="validation_error、not_found 等")
    detail = serializers.CharField(help_text="可读的说明")
    # Shadows Serializer.errors on purpose: §9 names the field so, and this serializer only
    # describes the schema; it never validates anything.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="字段名 → 消息列表（可为空）",
    )


class AutoSchema(SpectacularAutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        """A serializer's `Meta.optional_fields` are left out of `required`: fields that only
        some objects carry (the close-out or the extension fields of a review request)."""
        schema = super()._map_basic_serializer(serializer, direction)
        optional = set(getattr(getattr(serializer, "Meta", None), "optional_fields", ()))
        if optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in self.error_statuses(operation):
            if status not in responses:
                response = self._get_response_for_code(
                    ErrorSerializer, status, media_types=("application/json",)
                )
                response["description"] = DESCRIPTIONS[status]
                responses[status] = response
        return operation

    def error_statuses(self, operation) -> list[str]:
        """Which errors this operation can answer, from what it takes and who may call it."""
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        open_door = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        throttled = bool(getattr(self.view, "throttle_classes", None))
        statuses = ["403"]
        if parameters or has_body:
            statuses.append("400")
        if not open_door:
            statuses.append("401")
        # 404 everywhere: an id in the path, query or body outside the caller's scope, a page
        # past the end, an unknown action.
        statuses.append("404")
        if self.method in UNSAFE_METHODS:
            statuses.append("409")
        if has_body:
            statuses += ["413", "415"]
        if throttled or open_door:
            statuses.append("429")
        return sorted(statuses)
