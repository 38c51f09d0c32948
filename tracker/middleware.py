"""Project-wide middleware.

IgnoreAcceptLanguageMiddleware — Chinese unless the user chose otherwise (SPEC §8).

LocaleMiddleware would follow the browser's Accept-Language, so an office PC set up in
English would get English pages. This middleware runs just before it and hides that header:
the language is then the one picked with the switch (set_language's cookie) or LANGUAGE_CODE.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tracker.api import error_body


class IgnoreAcceptLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


def request_body_limit() -> int:
    """The largest body any form or API call needs: one upload plus room for the other
    fields and the multipart framing (the upload's own size is checked exactly later)."""
    return settings.UPLOAD_MAX_BYTES + 1024 * 1024


class RequestBodyLimitMiddleware:
    """Refuse an over-limit body from its Content-Length, before anything reads it.

    Otherwise Django would stream the whole body to a temporary file (CSRF checking reads
    the POST before any view runs) and only then could the view answer 413. The API answers
    in the error shape of SPEC §9; a page gets a short Chinese explanation."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then either
        limit = request_body_limit()
        if length > limit:
            return self.refuse(request, limit)
        return self.get_response(request)

    @staticmethod
    def refuse(request, limit: int):
        mib = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
        detail = _("文件超过大小限制（%(mib)s MiB），未上传。") % {"mib": mib}
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse(
                error_body("file_too_large", detail, {"file": [_("文件过大。")]}), status=413
            )
        else:
            response = render(None, "413.html", {"detail": detail}, status=413)
        # No Connection header: it is the server's (PEP 3333 hop-by-hop; wsgiref refuses it).
        return response
