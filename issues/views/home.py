"""待办 (my work): the sections come from issues.selectors.my_work; this view renders them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from issues.models import Problem
from issues.selectors.leader_desk import LIGHTS, RECENT_DAYS
from issues.selectors.my_work import my_work
from issues.views.common import light_display


@require_GET
@login_required
def home(request):
    work = my_work(request.user)
    for section in work.sections:
        for item in section.items:
            if isinstance(item, Problem):  # a problem shows its light as a dot and a label
                item.light_info = light_display(item.light)
    # Unread notifications are the chrome's (notifications.context_processors): the domain's
    # pages never import notifications/.
    return render(
        request,
        "issues/home.html",
        {
            "sections": work.sections,
            "desk": work.desk,
            "lights": {name: light_display(name) for name in LIGHTS},
            "recent_days": RECENT_DAYS,
            "today": work.today,
            "total": work.total,
        },
    )
