"""Announcements from the workflow, sent after commit.

issues/ never imports notifications/; notifications/ listens here instead.
"""

from django.dispatch import Signal

# problem_ids, action, actor_id (None: the system), request_id (None unless a request was
# touched): one action on one problem, or the same system action on many (the scan's bulk
# escalation, workflow.supervise_listed_many).
problem_changed = Signal()

# problems: sent inside the transaction whenever those problems' deadlines or state may have
# changed, so that pending reminders which no longer apply are cancelled atomically with it.
# Always right after problem(s)_reschedule, which leaves `schedule` and `ladder` on each.
schedule_changed = Signal()

# period_id, unit_ids, actor_id: an office chased (催报) these units' reports for the period.
report_chased = Signal()
