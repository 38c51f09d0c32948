"""Project-wide API plumbing: the error shape of SPEC §9 and pagination."""

from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from issues.exceptions import DomainError

DRF_CODES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "invalid_transition",
    413: "file_too_large",
    415: "unsupported_file_type",
    429: "throttled",
}


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def error_body(code: str, detail: str, errors: dict | None = None) -> dict:
    return {"code": code, "detail": detail, "errors": errors or {}}


def _flatten(detail):
    """DRF error detail → (message, {field: [messages]})."""
    if isinstance(detail, dict):
        errors = {
            key: [str(m) for m in (value if isinstance(value, list) else [value])]
            if not isinstance(value, dict)
            else [str(value)]
            for key, value in detail.items()
        }
        first = next(iter(errors.values()), [""])
        return (first[0] if first else "输入有误。"), errors
    if isinstance(detail, list):
        messages = [str(m) for m in detail]
        return (messages[0] if messages else "输入有误。"), {"non_field_errors": messages}
    return str(detail), {}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.detail, exc.errors), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = DRF_CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        detail, errors = _flatten(exc.detail)
        detail = "输入有误。" if errors else detail
    else:
        detail, errors = _flatten(exc.detail)
    response.data = error_body(code, detail, errors)
    return response


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "未找到。"), status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", "服务器内部错误。"), status=500)
    return defaults.server_error(request)
