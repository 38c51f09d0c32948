"""POST/redirect/GET for a workflow action that failed.

A refused action redirects back to the page it came from (so a refresh never re-posts); the
reason travels as a message, and for input errors the entered values and field errors wait in
the session until that page is shown once more, with the form open where it was.
"""

from django.contrib import messages
from django.http import QueryDict
from django.utils.translation import gettext as _

from issues.exceptions import DomainError, InvalidInput
from issues.services.workflow import ACTIONS

SESSION_KEY = "failed_action"
SKIP = {"csrfmiddlewaretoken"}


def _plain(errors):
    """Serializer errors (ErrorDetail, nested dicts) as JSON the session can keep."""
    if isinstance(errors, dict):
        return {str(k): _plain(v) for k, v in errors.items()}
    if isinstance(errors, list | tuple):
        return [_plain(v) for v in errors]
    return str(errors)


def remember(request, *, problem_id: int, action: str, exc: DomainError):
    label = _(ACTIONS[action].label)
    messages.error(
        request, _("未能%(action)s：%(detail)s") % {"action": label, "detail": exc.detail}
    )
    if exc.status != 400:  # 403/409: the message says it all; the form stays closed
        request.session.pop(SESSION_KEY, None)
        return
    request.session[SESSION_KEY] = {
        "problem": problem_id,
        "action": action,
        "values": {k: request.POST.getlist(k) for k in request.POST if k not in SKIP},
        "errors": _plain(exc.errors),
        "detail": exc.detail,
    }


def recall(request, problem_ids) -> tuple[int, str, QueryDict, DomainError] | None:
    """The failed action waiting for one of `problem_ids` (None: any), taken out of the
    session so that it is shown once."""
    stored = request.session.get(SESSION_KEY)
    if not stored or (problem_ids is not None and stored.get("problem") not in problem_ids):
        return None
    del request.session[SESSION_KEY]
    values = QueryDict(mutable=True)
    for key, items in stored["values"].items():
        values.setlist(key, items)
    return (
        stored["problem"],
        stored["action"],
        values,
        InvalidInput(stored["detail"], stored["errors"]),
    )
