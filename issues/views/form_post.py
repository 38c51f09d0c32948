"""The web form post, once: form valid → service → refused or done → message → redirect.

Every page that writes through a form calls `post_form`. It has three outcomes:
- the form is invalid: status 400, the form carries its errors;
- the service refused (DomainError): 404 outside scope, otherwise the refusal's status with its
  reason on the form's fields or on top of the page (the `refused` rule decides which);
- the service did it: a success message and `Posted.response`, the redirect to return.
A GET (or a post the page does not take) is `Posted()`: status 200, nothing to say.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from issues.exceptions import ActionForbidden, DomainError, NotFound
from issues.views.forms import add_domain_errors


@dataclass
class Posted:
    """What a post came to. `response` set: return it. Otherwise re-render the page with
    `status` and `page_error` (the form already holds its field errors)."""

    response: HttpResponse | None = None
    status: int = 200
    page_error: str = ""


def service_failed(form, exc: DomainError) -> tuple[int, str]:
    """The administration pages' rule: 404 outside scope, a 403 on top of the page, other
    errors on the form's fields. Returns (HTTP status, message for the top of the page)."""
    if isinstance(exc, NotFound):
        raise Http404(exc.detail)
    if isinstance(exc, ActionForbidden):
        return exc.status, exc.detail
    add_domain_errors(form, exc)
    return exc.status, ""


def refused_on_top(form, exc: DomainError) -> tuple[int, str]:
    """The problem pages' rule: 404 outside scope, 403 and 409 on top of the page (they are
    about the problem's state, not the input), other errors on the form's fields."""
    if isinstance(exc, NotFound):
        raise Http404(exc.detail)
    if exc.status in (403, 409):
        return exc.status, exc.detail
    add_domain_errors(form, exc)
    return exc.status, ""


def post_form(
    request,
    form,
    service: Callable[[], Any],
    *,
    success: str | Callable[[Any], str],
    then: str | Callable[[Any], str],
    refused: Callable[[Any, DomainError], tuple[int, str]] = service_failed,
    invalid: str = "",
) -> Posted:
    """Run a posted `form` (or a sequence of forms, all validated) through `service`.

    `service()` is called only when every form is valid; its result goes to `success` (the
    message, or a function making it) and `then` (the URL to redirect to, or a function making
    it). `refused(first form, exc)` places a refusal; `invalid` is an optional message for the
    top of the page when a form is invalid.
    """
    if request.method != "POST":
        return Posted()
    forms: Sequence = form if isinstance(form, (list, tuple)) else [form]
    if not all([f.is_valid() for f in forms]):  # a list: every form shows its errors
        return Posted(status=400, page_error=invalid)
    try:
        result = service()
    except DomainError as exc:
        status, page_error = refused(forms[0] if forms else None, exc)
        return Posted(status=status, page_error=page_error)
    messages.success(request, success(result) if callable(success) else success)
    return Posted(response=redirect(then(result) if callable(then) else then))
