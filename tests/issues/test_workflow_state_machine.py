"""Random walks through the workflow (SPEC §3, §6): random actions by random people of the
cast, with valid-ish random input, interleaved with measure edits, evidence uploads, plain
edits of the due date and the passing of time. After every step:

- a refused step changed nothing (problem, requests, steps, measures, supervision, ledger);
- a successful action moved the state only along the table of SPEC §3 and appended ledger
  entries, the first of which records exactly that action and move;
- the due date moved only through the actions SPEC §3 names (or a plain edit before
  assignment); counters moved only through their actions;
- terminal states stay terminal, a closed problem accepts only `reopen`;
- a pending close-out request exists exactly while the problem is in `closeout_review`;
- an action that `allowed_actions` offers is never refused with 403, 404 or 409;
- the ledger's hash chain verifies.

The cast is built once per test; each example runs inside a savepoint that is rolled back.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from issues.exceptions import DomainError
from issues.models import Problem, RequestStatus, ReviewRequest
from issues.services.problems import measure_create, measure_update, problem_create, problem_update
from issues.services.reports import evidence_upload
from issues.services.workflow import ACTIONS, allowed_actions, perform_action
from ledger.services import ledger_verify

from .workflow_cases import (
    ACTION_NAMES,
    SPEC_DUE_DATE_ACTIONS,
    SPEC_SOURCES,
    SPEC_TARGETS,
    TERMINAL,
    make_situation,
    new_entries,
    snapshot,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
USERS = (
    "root oa oa_a rev rev_b leader leader2 dual admin_a admin_a2 head_a head_a2 staff_a viewer_a "
    "admin_b head_b staff_b outsider admin_school"
).split()
# Everyone who may ever take an action on a problem of 教育局 (others are never offered one).
ACTORS = "root oa oa_a rev leader dual admin_a admin_a2 head_a head_a2".split()
# Who usually may: drawn half of the time, so that walks get past the first few states.
LIKELY = {
    "submit": ["admin_a", "oa"],
    "approve_list": ["rev", "oa"],
    "return_list": ["rev", "oa"],
    "assign": ["oa"],
    "acknowledge": ["admin_a", "admin_a2"],
    "request_closeout": ["admin_a", "admin_a2"],
    "approve_closeout": ["head_a", "head_a2", "dual", "rev", "oa", "leader"],
    "reject_closeout": ["head_a", "rev", "leader"],
    "withdraw_closeout": ["admin_a", "admin_a2"],
    "request_extension": ["admin_a", "oa"],
    "approve_extension": ["head_a", "head_a2", "dual", "rev", "oa"],
    "reject_extension": ["head_a", "rev"],
    "to_routine": ["oa"],
    "withdraw": ["oa"],
    "reopen": ["rev", "oa"],
    "supervise": ["rev", "oa"],
    "bogus": ["root"],
}

DEEP_STARTS = (
    "in_progress",
    "in_progress_ready",
    "long_term_ready",
    "closeout_review",
    "closeout_office_step",
    "closeout_leader_step",
    "extension_extend_head",
    "extension_longterm_office",
    "closed",
)

dates = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31))
comments = st.sampled_from(["同意", "请补充材料", ""])


def body(**optional):
    """Each key present or absent: absent keys are the missing inputs."""
    return st.fixed_dictionaries({}, optional=optional)


INPUTS = {
    "submit": body(comment=comments),
    "approve_list": body(due_date=dates.map(str), comment=comments),
    "return_list": body(comment=comments),
    "assign": body(due_date=dates.map(str)),
    "acknowledge": body(comment=comments),
    "request_closeout": st.fixed_dictionaries(
        {},
        optional={
            "summary": st.sampled_from(["已完成", ""]),
            "self_check": st.just({"effective": True}),
        },
    ),
    "approve_closeout": body(comment=comments),
    "reject_closeout": body(
        comment=comments, new_due_date=dates.map(str), confirm_earlier=st.booleans()
    ),
    "withdraw_closeout": st.just({}),
    "request_extension": body(
        kind=st.sampled_from(["extend", "long_term", "forever"]),
        requested_due_date=dates.map(str),
        reason=st.sampled_from(["工程量大", ""]),
        stage_goal=st.just("阶段目标"),
        next_review_date=dates.map(str),
    ),
    "approve_extension": body(comment=comments),
    "reject_extension": body(comment=comments),
    "to_routine": body(comment=comments),
    "withdraw": body(comment=comments),
    "reopen": body(comment=comments, new_due_date=dates.map(str), confirm_earlier=st.booleans()),
    "supervise": body(
        kind=st.sampled_from(["urge", "letter", "listed", "interview", "bulletin", "remind"]),
        content=st.sampled_from(["请加快进度", ""]),
        reply_due_date=dates.map(str),
    ),
    "bogus": st.just({}),
}


class WorkflowMachine(RuleBasedStateMachine):
    people = None  # set by the test: the cast, built once
    make_problem = None  # and its make_problem fixture
    clock = None  # the time_machine traveller of the test

    problems = Bundle("problems")

    def __init__(self):
        super().__init__()
        self.clock.move_to(START)
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.terminal = {}  # pk → the terminal state it reached
        self.count = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def user(self, name):
        return getattr(self.people, name)

    # --- making problems ----------------------------------------------------------------------

    @initialize(
        target=problems,
        start=st.sampled_from(["new"] * 3 + list(DEEP_STARTS)),
        reviewed=st.booleans(),
        cooperating=st.booleans(),
        long_term=st.booleans(),
        measures=st.integers(min_value=0, max_value=2),
    )
    def first_problem(self, start, reviewed, cooperating, long_term, measures):
        if start == "new":
            return self._create(reviewed, cooperating, long_term, measures)
        # A walk of twenty steps rarely gets from draft to close-out: some walks start deeper.
        self.count += 1
        coop = {"cooperating_units": [self.people.unit_b]} if cooperating else {}
        return make_situation(self.people, self.make_problem, start, **coop).pk

    @precondition(lambda self: self.count < 3)
    @rule(
        target=problems,
        reviewed=st.booleans(),
        cooperating=st.booleans(),
        long_term=st.booleans(),
        measures=st.integers(min_value=0, max_value=2),
    )
    def another_problem(self, reviewed, cooperating, long_term, measures):
        return self._create(reviewed, cooperating, long_term, measures)

    def _create(self, reviewed, cooperating, long_term, measures):
        c = self.people
        self.count += 1
        coop = [c.unit_b] if cooperating else []
        units = [c.unit_a, *coop]
        problem = problem_create(
            actor=c.oa,
            batch=c.reviewed_batch if reviewed else c.batch,
            lead_unit=c.unit_a,
            cooperating_units=coop,
            title=f"问题{self.count}",
            description="具体表现",
            source="audit",
            responsible_leader=c.leader,
            rectify_type="long_term" if long_term else "time_bound",
            due_date=None if long_term else dt.date(2026, 6, 30),
            measures=[
                {"content": f"措施{i}", "unit": units[i % len(units)]} for i in range(measures)
            ],
        )
        return problem.pk

    # --- workflow actions ---------------------------------------------------------------------

    def random_action(self, problem, data):
        action = data.draw(st.sampled_from([*ACTION_NAMES, "bogus"]), label="action")
        name = data.draw(st.sampled_from(LIKELY[action]) | st.sampled_from(USERS), label="user")
        inputs = data.draw(INPUTS[action], label="inputs")
        self._act(problem, action, name, inputs)

    def allowed_action(self, problem, data):
        """Take one of the actions allowed_actions offers someone, with a sensible body."""
        instance = Problem.objects.get(pk=problem)
        offered = [
            (action, name)
            for name in ACTORS
            for action in sorted(allowed_actions(instance, self.user(name)))
        ]
        if not offered:
            return
        # Action first, then who: superusers and office admins are offered the most, and
        # `withdraw` or `to_routine` would end most walks early.
        actions = sorted({action for action, _ in offered})
        onward = [a for a in actions if a not in ("withdraw", "to_routine")]
        action = data.draw(st.sampled_from(onward * 4 + actions), label="action")
        name = data.draw(st.sampled_from([n for a, n in offered if a == action]), label="user")
        outcome = self._act(problem, action, name, self._sensible_body(instance, action))
        assert outcome is None or outcome.status not in (403, 404, 409), (action, name, outcome)

    def _sensible_body(self, problem, action):
        today = self.clock_today()
        base = problem.due_date or today
        return {
            "return_list": {"comment": "回炉"},
            "request_closeout": {"summary": "已完成"},
            "reject_closeout": {"comment": "补充材料"},
            "request_extension": {
                "kind": "extend",
                "requested_due_date": str(base + dt.timedelta(days=30)),
                "reason": "工程量大",
            },
            "reject_extension": {"comment": "不同意"},
            "to_routine": {"comment": "纳入日常"},
            "withdraw": {"comment": "撤销"},
            "reopen": {"comment": "反弹", "new_due_date": str(today + dt.timedelta(days=60))},
            "supervise": {"kind": "listed", "content": "挂牌督办"},
        }.get(action, {})

    def _act(self, problem, action, name, inputs):
        before = snapshot(problem)
        try:
            perform_action(problem_id=problem, action=action, actor=self.user(name), data=inputs)
        except DomainError as exc:
            assert snapshot(problem) == before, (action, name, inputs, exc)
            return exc
        self._check_success(problem, action, before)
        return None

    def _check_success(self, problem, action, before):
        after = snapshot(problem)
        old, new = before["problem"], after["problem"]
        source, target = old["status"], new["status"]
        assert action in ACTIONS
        event(f"took {action}: {source} → {target}")  # see --hypothesis-show-statistics
        # Along the table of SPEC §3, and the code's table agrees.
        assert source in SPEC_SOURCES[action], (action, source)
        assert target == source or target in SPEC_TARGETS[action], (action, source, target)
        assert source in ACTIONS[action].sources
        assert target == source or target in ACTIONS[action].targets
        assert source not in TERMINAL
        assert source != "closed" or action == "reopen"
        # Recorded in the ledger.
        entries = new_entries(before)
        assert entries, action
        first = entries[0]
        assert (first.action, first.from_state, first.to_state, first.problem_id) == (
            action,
            source,
            target,
            problem,
        )
        # The due date and the counters move only through their actions.
        if new["due_date"] != old["due_date"]:
            assert action in SPEC_DUE_DATE_ACTIONS, (action, old["due_date"], new["due_date"])
        assert new["rework_count"] == old["rework_count"] + (action == "reject_closeout")
        assert new["reopen_count"] == old["reopen_count"] + (action == "reopen")
        if old["original_due_date"] is not None:
            assert new["original_due_date"] == old["original_due_date"]

    # --- the rest of the work on a problem ----------------------------------------------------

    def edit_measure(self, problem, data):
        name = data.draw(st.sampled_from(["admin_a", "staff_a", "staff_b", *USERS]), label="user")
        status = data.draw(st.sampled_from(["done", "done", "in_progress"]), label="status")
        measure = Problem.objects.get(pk=problem).measures.order_by("?").first()
        if measure is not None:
            self._work(
                problem,
                lambda: measure_update(
                    actor=self.user(name), measure_id=measure.pk, status=status, done_note="落实"
                ),
            )

    def add_measure(self, problem, data):
        name = data.draw(st.sampled_from(["admin_a", "staff_a", "staff_b", "oa", "viewer_a"]))
        self._work(
            problem,
            lambda: measure_create(actor=self.user(name), problem_id=problem, content="补充措施"),
        )

    def upload_evidence(self, problem, data):
        name = data.draw(st.sampled_from(["admin_a", "staff_a", "staff_b", "oa", "outsider"]))
        upload = SimpleUploadedFile("p.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
        self._work(
            problem,
            lambda: evidence_upload(
                actor=self.user(name), problem_id=problem, upload=upload, kind="photo"
            ),
        )

    def edit_due_date(self, problem, data):
        name = data.draw(st.sampled_from(["oa", "admin_a", "root"]), label="user")
        due = data.draw(dates, label="due_date")
        status = Problem.objects.values_list("status", flat=True).get(pk=problem)
        changed = self._work(
            problem,
            lambda: problem_update(actor=self.user(name), problem_id=problem, due_date=due),
        )
        if changed:
            assert status in ("draft", "list_review"), status

    def time_passes(self, problem, data):
        days = data.draw(st.integers(min_value=1, max_value=60), label="days")
        self.clock.shift(dt.timedelta(days=days))

    # Half of the steps take an action someone is offered, so that walks get deep into the
    # table; the rest try anything, or do the unit's work that close-out needs.
    STEPS = (
        ["allowed_action"] * 6
        + ["random_action"] * 3
        + ["edit_measure"] * 2
        + ["upload_evidence", "add_measure", "edit_due_date", "time_passes"]
    )

    @rule(problem=problems, data=st.data())
    def step(self, problem, data):
        kind = data.draw(st.sampled_from(self.STEPS), label="step")
        getattr(self, kind)(problem, data)

    def _work(self, problem, operation):
        """A non-workflow operation: never changes the state; refused → nothing changed."""
        before = snapshot(problem)
        try:
            operation()
        except DomainError:
            assert snapshot(problem) == before
            return False
        after = snapshot(problem)
        assert after["problem"]["status"] == before["problem"]["status"]
        if after["problem"]["due_date"] != before["problem"]["due_date"]:
            return True
        return False

    def clock_today(self):
        return timezone.localdate()

    # --- always -------------------------------------------------------------------------------

    @invariant()
    def the_chain_verifies(self):
        result = ledger_verify()
        assert result.ok, result

    @invariant()
    def terminal_states_stay_terminal_and_requests_match_the_state(self):
        pending = {}
        for problem_id, request_type in ReviewRequest.objects.filter(
            status=RequestStatus.PENDING
        ).values_list("problem_id", "request_type"):
            pending.setdefault(problem_id, []).append(request_type)
        for pk, status, closed_at in Problem.objects.values_list("pk", "status", "closed_at"):
            if pk in self.terminal:
                assert status == self.terminal[pk]
            elif status in TERMINAL:
                self.terminal[pk] = status
            types = pending.get(pk, [])
            assert len(types) == len(set(types)), types  # one pending request per type
            assert ("closeout" in types) == (status == "closeout_review"), (status, types)
            if "extension" in types:
                assert status in ("assigned", "in_progress"), status
            assert (closed_at is not None) == (status == "closed"), (status, closed_at)


def test_it_keeps_every_rule_along_random_walks(people, make_problem, _today):
    machine = type(
        "Walk",
        (WorkflowMachine,),
        {"people": people, "make_problem": staticmethod(make_problem), "clock": _today},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
