"""举一反三 while registering: the problems in scope like the title and description typed so far.

The registration form's 查找类似问题 button posts the form here (formaction, a new tab), so no
script is needed and nothing of the form leaves the page in a URL; nothing is saved.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST

from issues.selectors.similar import similar_to_text, with_measures

MAX_TITLE, MAX_DESCRIPTION = 300, 5000  # the model's title length; a long description's head


@require_POST
@login_required
def similar_search(request):
    title = request.POST.get("title", "")[:MAX_TITLE]
    description = request.POST.get("description", "")[:MAX_DESCRIPTION]
    rows = similar_to_text(request.user, title=title, description=description)
    context = {"title": title, "similar": with_measures(rows)}
    return render(request, "issues/similar_search.html", context)
