"""What the problem page posts for the books: a 回头看 of a closed problem.

It calls issues.services.books.follow_up_record (the API's service); a result of 整改不到位
or 反弹 reopens the problem through the workflow. Errors re-render the problem page in place.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from issues.exceptions import ActionForbidden, DomainError, NotFound
from issues.models import FollowUpResult
from issues.services.books import follow_up_record
from issues.views.forms import add_domain_errors
from issues.views.problem_books import FollowUpForm
from issues.views.problem_page import load_problem, render_problem


@require_POST
@login_required
def follow_up_add(request, pk):
    load_problem(request.user, pk)  # 404 outside scope
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            review = follow_up_record(actor=request.user, problem_id=pk, **form.cleaned_data)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        except ActionForbidden as exc:
            return render_problem(request, pk, status=exc.status, page_error=exc.detail)
        except DomainError as exc:
            add_domain_errors(form, exc)
            return render_problem(request, pk, status=exc.status, forms={"follow_up": form})
        if review.result in (FollowUpResult.NOT_EFFECTIVE, FollowUpResult.RELAPSED):
            messages.warning(
                request,
                _("已记录回头看：%(result)s，问题已重新进入整改。")
                % {"result": review.get_result_display()},
            )
        else:
            messages.success(request, _("已记录回头看：整改成果巩固。"))
        return redirect(reverse("web:problem-detail", args=[pk]) + "#follow-ups")
    return render_problem(request, pk, status=400, forms={"follow_up": form})
