"""Column order of the rows the generator writes (TableWriter fills any other column with its
default, so a field added later with a default or NULL needs no change here)."""

PROBLEM_COLUMNS = [
    "id", "code", "batch_id", "campaign_id", "source", "origin", "category_id", "title",
    "description", "target", "severity", "amount", "rectify_type", "due_date",
    "original_due_date", "responsible_leader_id", "lead_unit_id", "owner_id",
    "supervision_level", "status", "closed_at", "closed_by_id", "reopen_count", "rework_count",
    "generalization_note", "mechanism_note", "next_review_date", "latest_progress", "remark",
    "created_by_id", "created_at", "updated_at", "closed_on_time", "open_measures_due",
]  # fmt: skip
SCHEDULE_COLUMNS = ["problem_id", "next_reminder_on"]
MEASURE_COLUMNS = [
    "id", "problem_id", "seq", "content", "unit_id", "owner_id", "due_date", "status",
    "done_at", "done_note",
]  # fmt: skip
COOPERATING_COLUMNS = ["id", "problem_id", "unit_id"]
REQUEST_COLUMNS = [
    "id", "problem_id", "request_type", "status", "applicant_id", "from_state", "created_at",
    "decided_at", "summary", "self_check", "rework_requirement", "new_due_date", "kind",
    "original_due_date", "requested_due_date", "reason", "progress_so_far", "stage_goal",
    "next_review_date", "current_step_kind",
]  # fmt: skip
STEP_COLUMNS = [
    "id", "request_id", "position", "step_kind", "decision", "reviewer_id", "opinion",
    "decided_at", "created_at",
]  # fmt: skip
SELF_CHECK = '{"effective": true, "generalized": true, "measures_done": true, "mechanism": true}'
