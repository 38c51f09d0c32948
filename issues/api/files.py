"""File answers (xlsx, csv, docx): served as what they are, as attachments, never sniffed."""

from django.utils.http import content_disposition_header
from rest_framework.negotiation import BaseContentNegotiation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class IgnoreAcceptHeader(BaseContentNegotiation):
    """File answers are what they are, whatever the client says it accepts."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def attachment(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
