"""The 退回 form asks to confirm a new due date earlier than the current one (issue 16 item 5)."""

import datetime as dt

from issues.models import Problem
from issues.services.workflow import perform_action
from ledger.models import LedgerEntry


def test_it_shows_the_confirmation_and_refuses_an_unconfirmed_earlier_date(cast, web, make_problem):
    problem = make_problem("closeout_review", due_date=dt.date(2026, 6, 30))
    perform_action(problem_id=problem.pk, action="approve_closeout", actor=cast.head_a)
    client = web(cast.rev)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'name="confirm_earlier"' in page

    url = f"/problems/{problem.pk}/actions/reject_closeout/"
    data = {"comment": "补充照片", "new_due_date": "2026-05-31"}
    response = client.post(url, data, follow=True)  # a failed action redirects to the page
    assert "早于当前整改时限" in response.content.decode()
    assert Problem.objects.get(pk=problem.pk).status == "closeout_review"

    response = client.post(url, {**data, "confirm_earlier": "on"})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.due_date) == ("in_progress", dt.date(2026, 5, 31))
    entry = LedgerEntry.objects.filter(problem_id=problem.pk).order_by("-seq").first()
    assert entry.changes["confirm_earlier"] == [False, True]
    timeline = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "确认提前整改时限" in timeline
