"""A small office in a migrated database, made through the real services, for the tests that
drive a real server (tests/test_embedded_server.py). Run as a program against the database
that DATABASE_URL names; prints what the test needs (ids, user names) as JSON.

    DATABASE_URL=sqlite:////tmp/x/db.sqlite3 python -m tests.embedded_office
"""

import datetime as dt
import json
import os

PASSWORD = "Zg-embedded-2026!x"  # passes the four password validators
REVIEWERS = ("rev1", "rev2", "oa")  # race for the office step of each close-out
RACED_STEPS = 3
PROGRESS_PROBLEMS = 2


def build() -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from issues.models import Batch, Role
    from issues.services.org import membership_grant, unit_create, user_create
    from issues.services.problems import measure_update, problem_create
    from issues.services.reports import evidence_upload
    from issues.services.workflow import perform_action

    User = get_user_model()
    root = User.objects.create_superuser("root", password=PASSWORD)
    county = unit_create(actor=root, name="县委", code="XW", kind="party_dept")
    unit_a = unit_create(actor=root, name="教育局", code="JYJ", kind="gov_dept", parent=county)
    people = {}
    for username, unit, role in [
        ("oa", county, Role.OFFICE_ADMIN),
        ("rev1", county, Role.OFFICE_REVIEWER),
        ("rev2", county, Role.OFFICE_REVIEWER),
        ("admin_a", unit_a, Role.UNIT_ADMIN),
        ("head_a", unit_a, Role.UNIT_HEAD),
    ]:
        people[username] = user_create(actor=root, username=username, password=PASSWORD)
        membership_grant(actor=root, user=people[username], unit=unit, role=role)
    oa, admin_a = people["oa"], people["admin_a"]
    batch = Batch.objects.create(
        name="县委巡察反馈问题", source="circuit_inspection", code_prefix="XC"
    )

    def in_progress(title):
        problem = problem_create(
            actor=oa,
            batch=batch,
            title=title,
            description="具体表现",
            source="circuit_inspection",
            lead_unit=unit_a,
            due_date=dt.date(2099, 6, 30),
            measures=[{"content": "措施一", "unit": unit_a}],
        )
        perform_action(problem_id=problem.pk, action="assign", actor=oa)
        return perform_action(problem_id=problem.pk, action="acknowledge", actor=admin_a)

    def at_office_step(title):
        problem = in_progress(title)
        for measure in problem.measures.all():
            measure_update(actor=admin_a, measure_id=measure.pk, status="done", done_note="完成")
        evidence_upload(
            actor=admin_a,
            problem_id=problem.pk,
            kind="minutes",
            upload=SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 minutes"),
        )
        data = {"summary": "已整改完成"}
        perform_action(problem_id=problem.pk, action="request_closeout", actor=admin_a, data=data)
        return perform_action(
            problem_id=problem.pk, action="approve_closeout", actor=people["head_a"]
        )

    return {
        "password": PASSWORD,
        "reporter": "admin_a",
        "reviewers": list(REVIEWERS),
        "office_admin": "oa",
        "batch": batch.pk,
        "progress_problems": [in_progress(f"进展问题{n}").pk for n in range(PROGRESS_PROBLEMS)],
        "closeout_problems": [at_office_step(f"销号问题{n}").pk for n in range(RACED_STEPS)],
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    print(json.dumps(build()))
