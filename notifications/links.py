"""The one link helper: absolute links to the site in e-mails and webhook payloads."""

from django.conf import settings


def site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
