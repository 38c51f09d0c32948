"""Announcements from the workflow, sent after commit.

issues/ never imports notifications/; notifications/ listens here instead.
"""

from django.dispatch import Signal

# problem_id, action, actor_id (None: the system), request_id (None unless a request was touched)
problem_changed = Signal()

# Sent inside the transaction whenever a problem's deadlines or state may have changed, so that
# pending reminders which no longer apply are cancelled atomically with the change.
schedule_changed = Signal()

# period_id, unit_ids, actor_id: an office chased (催报) these units' reports for the period.
report_chased = Signal()
