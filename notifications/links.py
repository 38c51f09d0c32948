"""The one link helper: absolute links to the site in e-mails and webhook payloads."""

from django.conf import settings
from django.urls import reverse


def site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def problem_link(problem_id: int) -> str:
    """The problem's page, reversed: never a path written out by hand."""
    return site_link(reverse("web:problem-detail", args=[problem_id]))


def home_link() -> str:
    return site_link(reverse("web:home"))
