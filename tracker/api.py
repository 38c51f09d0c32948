"""Project-wide API plumbing: the error shape of SPEC §9 and pagination."""

import functools
import sys

from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from issues.exceptions import DomainError
from issues.pagination import IdsFirstPaginator

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
BUSY_DETAIL = "系统正忙，请稍后重试。"
BUSY_RETRY_AFTER = "2"  # seconds


def is_database_busy(exc) -> bool:
    """SQLite's lock error that outlasted the busy timeout (the embedded default under load).

    The request changed nothing (its transaction rolled back), so the client may simply retry:
    503 with Retry-After, never a 500."""
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


class Pagination(PageNumberPagination):
    """?page=N&page_size=M (default 50, max 200). A view with `rows_for_ids(ids)` is paged
    with IdsFirstPaginator: the filtered, ordered queryset picks the ids, the view reads rows."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """A page size that is not a whole number ≥ 1 is a 400 (DRF silently used the
        default); one above the maximum is clamped to it, as the README says."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return min(_positive_int(raw, self.page_size_query_param), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings:
            _positive_int(raw, self.page_query_param)  # a page past the end stays a 404
        rows_for_ids = getattr(view, "rows_for_ids", None)
        if rows_for_ids is not None:
            # DRF only calls the class with (queryset, page_size): a partial serves.
            self.django_paginator_class = functools.partial(  # type: ignore[assignment]
                IdsFirstPaginator,
                rows_for_ids=rows_for_ids,
                count_with_ids=getattr(view, "count_with_ids", False),
                page_ids=getattr(view, "page_ids", None),
                # A view may know the list's length already (a cached count).
                count=view.known_count(queryset) if hasattr(view, "known_count") else None,
            )
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"每页条数（默认 {self.page_size}，超过 {self.max_page_size} 按 {self.max_page_size}）"
                )
        return parameters


def _positive_int(raw: str, name: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or len(raw) > 18:
        raise exceptions.ValidationError({name: ["须为正整数（至多 18 位）。"]})
    return int(raw)


def error_body(code: str, detail: str, errors: dict | None = None) -> dict:
    return {"code": code, "detail": detail, "errors": errors or {}}


def _messages(value) -> list[str]:
    """Messages of one field, nested serializers included ("[1] content：…", "effective：…")."""
    if isinstance(value, dict):
        # DRF keys the errors of a list item by its 0-based index; people count from 1.
        return [
            f"[{key + 1}] {m}" if isinstance(key, int) else f"{key}：{m}"
            for key, inner in value.items()
            for m in _messages(inner)
        ]
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [str(v) for v in value]
        return [
            f"[{index}] {m}" if isinstance(item, (dict, list)) else m
            for index, item in enumerate(value, 1)
            for m in _messages(item)
        ]
    return [str(value)]


def field_errors(errors: dict | None) -> dict[str, list[str]]:
    """{field: [message, …]}: SPEC §9 maps each field name to a flat list of strings."""
    return {str(key): _messages(value) for key, value in (errors or {}).items()}


def _flatten(detail):
    """DRF error detail → (message, {field: [messages]})."""
    if isinstance(detail, dict):
        errors = field_errors(detail)
        first = next((m for messages in errors.values() for m in messages), "输入有误。")
        return first, errors
    if isinstance(detail, list):
        messages = _messages(detail)
        return (messages[0] if messages else "输入有误。"), {"non_field_errors": messages}
    return str(detail), {}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(
            error_body(exc.code, exc.detail, field_errors(exc.errors)), status=exc.status
        )
    if isinstance(exc, RequestDataTooBig):
        # Non-file form fields beyond DATA_UPLOAD_MAX_MEMORY_SIZE: answer like a large file.
        return Response(error_body("file_too_large", "请求内容过大。"), status=413)
    if is_database_busy(exc):
        set_rollback()
        busy = Response(error_body("service_unavailable", BUSY_DETAIL), status=503)
        busy["Retry-After"] = BUSY_RETRY_AFTER
        return busy
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
    # Django calls this handler while the uncaught exception is being handled.
    if is_database_busy(sys.exc_info()[1]):
        return database_busy(request)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", "服务器内部错误。"), status=500)
    return defaults.server_error(request)


def database_busy(request):
    """503 for a lock error outside the API views (pages, middleware): a plain Chinese page
    that needs no database (no context processors), or the §9 shape under /api/."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("service_unavailable", BUSY_DETAIL), status=503)
    else:
        response = render(None, "503.html", status=503)
    response["Retry-After"] = BUSY_RETRY_AFTER
    return response
