"""Generated problems with their measures, cooperating units, review requests and ledger history.

Each problem is planned as the workflow would have left it: the actions that led to its state
(with the right actors, one ledger entry each, in time order), the measures and requests that
state implies, and `next_reminder_on` from the same ladder rules as issues.services.schedule.
"Due" problems are built to fire a reminder today; every other problem is nudged (its dates
moved by a day) until nothing of its ladder falls on today, so exactly `due` problems have
next_reminder_on <= today.
"""

import bisect
import datetime as dt
import itertools
import random
from datetime import UTC
from decimal import Decimal

from django.utils import timezone

from issues.models import MeasureStatus, Problem, RequestStatus, RequestType, Status, StepKind

from . import texts
from .columns import SELF_CHECK
from .ladder import problem_next

S = Status
DAY = dt.timedelta(days=1)

# Share of each state among problems that are not due (per mille). Mostly in progress or
# closed, as in a ledger that has run for a year or two.
STATE_SHARES = [
    (S.DRAFT, 25),
    (S.LIST_REVIEW, 15),
    (S.ASSIGNED, 50),
    (S.IN_PROGRESS, 420),
    (S.CLOSEOUT_REVIEW, 50),
    (S.LONG_TERM, 50),
    (S.CLOSED, 325),
    (S.ROUTINE, 25),
    (S.WITHDRAWN, 40),
]
SOURCE_MIX = ["batch"] * 17 + ["research", "self_examination", "other"]

# How a due problem fires today, one slot per due problem in turn (20 slots: 5 % each).
DUE_SLOTS = (
    ["soon_far"] * 3  # the first "due soon" rung (7 days before) is today
    + ["soon_mid"] * 3  # the middle rung (3 days before)
    + ["soon_near"] * 2  # the last rung (1 day before)
    + ["today"] * 3  # due today
    + ["overdue_first"] * 2  # first overdue reminder
    + ["overdue_repeat"] * 2  # second overdue reminder (repeat)
    + ["catch_up"] * 2  # yesterday's rung was missed (next_reminder_on is yesterday)
    + ["escalate"]  # the escalation day (the scan records a listed supervision)
    + ["review"] * 2  # a close-out step undecided for review_pending_days
)


class Dice(random.Random):
    """random.Random with cheaper integer draws (the stdlib's cost ~1.5 µs each, and a problem
    takes a few dozen). Same seed, same data; the distributions stay uniform."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, n: int) -> int:  # only the one-argument form is used here
        return int(self.random() * n)

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


def _picker(pairs):
    """A fast weighted choice: picker(rng) -> item."""
    items = [item for item, _ in pairs]
    cumulative = list(itertools.accumulate(weight for _, weight in pairs))
    total = cumulative[-1]

    def pick(rng: random.Random):
        return items[bisect.bisect_right(cumulative, rng.random() * total)]

    return pick


class ProblemMaker:
    def __init__(self, *, org, rng, today, writers, chain, ids, due_indices):
        self.org, self.rng, self.today = org, rng, today
        self.w = writers  # name -> TableWriter
        self.chain = chain
        self.ids = ids  # model -> next free id
        self.due_indices = due_indices
        self.due_seen = 0
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self._midnights: dict[dt.date, dt.datetime] = {}
        self._days: dict[int, dt.date] = {}
        self.pick_state = _picker(STATE_SHARES)
        self.pick_unit = _picker(list(zip(org.units, org.weights, strict=True)))
        self.pick_batch = _picker(list(zip(org.batches, org.batch_weights, strict=True)))
        self.seq = {b.pk: b.last_seq for b in org.batches}
        self.counts: dict[str, int] = {}
        self.review_batches = [b for b in org.batches if b.needs_list_review]
        states = [S(state) for state, _ in STATE_SHARES]
        if not self.review_batches:
            states.remove(S.LIST_REVIEW)
        self.unforced = states[::-1]

    # --- time ------------------------------------------------------------------------------

    def at(self, day: dt.date) -> dt.datetime:
        """A working-hours moment of a local day, as an aware UTC datetime."""
        midnight = self._midnights.get(day)
        if midnight is None:
            local = dt.datetime.combine(day, dt.time(), self.tz)
            midnight = self._midnights[day] = local.astimezone(UTC)
        # 08:30 to 18:00, to the microsecond.
        return midnight + dt.timedelta(microseconds=int(30_600e6 + self.rng.random() * 34_200e6))

    def days(self, n: int) -> dt.date:
        day = self._days.get(n)
        if day is None:
            day = self._days[n] = self.today + dt.timedelta(days=n)
        return day

    # --- one problem -----------------------------------------------------------------------

    def make(self, index: int) -> None:
        rng, org, today = self.rng, self.org, self.today
        slot = None
        if index in self.due_indices:
            slot = DUE_SLOTS[self.due_seen % len(DUE_SLOTS)]
            self.due_seen += 1
        batch = self.pick_batch(rng)
        if slot is None and self.unforced:
            # The first problems take every state once, so even a small run covers them all.
            state = self.unforced.pop()
            if state in (S.LIST_REVIEW, S.DRAFT) and self.review_batches:
                batch = self.review_batches[0]
        elif slot is None:
            state = self.pick_state(rng)
            if state == S.LIST_REVIEW and not batch.needs_list_review:
                state = S.DRAFT
        elif slot == "review":
            state = S.CLOSEOUT_REVIEW
        else:
            state = S.IN_PROGRESS if rng.random() < 0.8 else S.ASSIGNED
        chain = list(batch.closeout_chain)
        unit = self.pick_unit(rng)
        lead = unit.pk
        pid = self._next(Problem)
        self.seq[batch.pk] += 1
        code = f"{batch.code_prefix}-{self.seq[batch.pk]:03d}"
        admin, head, staff = org.admin[lead], org.head[lead], org.staff.get(lead)
        leader = rng.choice(org.leaders)
        office_admin = rng.choice(org.office_admins)
        reviewer = rng.choice(org.reviewers)

        due, review_since, nro = self._deadline(state, slot, batch)
        cooperating = self._cooperating(unit)
        n_measures = 1 + (rng.random() > 0.4) + (rng.random() > 0.6)
        measure_units = [lead] + [
            rng.choice(cooperating) if cooperating and rng.random() < 0.5 else lead
            for _ in range(n_measures - 1)
        ]
        offsets = [rng.choice((0, 0, 0, 10, 20, 30)) for _ in range(n_measures)]
        measure_status = self._measure_statuses(state, n_measures)

        def measure_dues(problem_due):
            return [problem_due - dt.timedelta(o) if problem_due else None for o in offsets]

        if slot is None and state in (S.ASSIGNED, S.IN_PROGRESS):
            # Nudge the deadlines until no rung of the ladder falls on today.
            for _ in range(12):
                dues = measure_dues(due)
                nro = problem_next(
                    status=state, due_date=due, batch=batch, today=today, review_since=None,
                    measures=list(zip(measure_status, dues, strict=True)),
                )  # fmt: skip
                if nro is None or nro > today:
                    break
                due += DAY
            else:
                raise RuntimeError(f"could not keep problem {code} off today's reminders")
        m_dues = measure_dues(due)

        # The actions that brought the problem to its state, oldest first.
        steps = self._history(state, batch, chain, due)
        n_steps = len(steps)
        last = self._last_day(state, slot, due, review_since)
        gaps = [rng.randint(1, 6) for _ in range(n_steps - 1)]
        day = last - dt.timedelta(sum(gaps))
        event_days = [day]
        for gap in gaps:
            day += dt.timedelta(gap)
            event_days.append(day)
        times = [self.at(d) for d in event_days]
        created = times[0]

        # Ledger entries.
        iso_due = due.isoformat() if due else None
        closed_at = closed_by = closed_on_time = None
        next_review = None
        rectify = "time_bound"
        request_rows = []
        for (action, from_state, to_state, actor_role, extra), when in zip(
            steps, times, strict=True
        ):
            actor = {
                "oa": office_admin, "admin": admin, "head": head, "rev": reviewer,
                "leader": leader,
            }[actor_role]  # fmt: skip
            changes, comment = {}, ""
            if action == "create":
                changes = {
                    "code": [None, code],
                    "lead_unit": [None, lead],
                    "due_date": [None, iso_due],
                    "cooperating_units": [[], cooperating],
                    "measures": [0, n_measures],
                }
            elif action in ("assign", "approve_list"):
                changes = {"original_due_date": [None, iso_due]}
            elif action in ("approve_closeout", "approve_extension"):
                changes = {"step": [extra, "approve"]}
                if to_state == S.CLOSED:
                    closed_at, closed_by = when, actor
                    closed_on_time = when.astimezone(self.tz).date() <= due
                    changes.update(
                        closed_at=[None, when.isoformat()],
                        closed_by=[None, actor],
                        closed_on_time=[None, closed_on_time],
                    )
                elif to_state == S.LONG_TERM:
                    rectify = "long_term"
                    next_review = self.days(rng.randint(30, 200))
                    changes.update(
                        rectify_type=["time_bound", "long_term"],
                        next_review_date=[None, next_review.isoformat()],
                    )
            elif action == "request_closeout":
                comment = "已按要求完成全部整改措施，申请销号。"
            elif action == "request_extension":
                comment = "该问题涉及长效机制建设，需长期坚持。"
            elif action in ("withdraw", "to_routine", "return_list"):
                comment = {
                    "withdraw": "问题重复，予以撤销。",
                    "to_routine": "已纳入日常管理。",
                }.get(action, "请补充问题具体表现。")
            if action in ("request_closeout", "request_extension"):
                request_rows.append([action, when, actor, from_state])
            self.chain.append(
                problem_id=pid, actor_id=actor, action=action, from_state=from_state,
                to_state=to_state, changes=changes, comment=comment, at=when,
            )  # fmt: skip

        self._requests(pid, state, slot, chain, batch, request_rows, steps, times, review_since,
                       head=head, reviewer=reviewer, leader=leader, due=due,
                       next_review=next_review)  # fmt: skip

        # Measures and cooperating units.
        moments = dict(zip((s[0] for s in steps), times, strict=True))
        for i in range(n_measures):
            m_status = measure_status[i]
            done_at = None
            if m_status == MeasureStatus.DONE:
                if "request_closeout" in moments:  # finished before close-out was requested
                    done_at = moments["request_closeout"] - dt.timedelta(hours=n_measures - i)
                else:
                    ack = moments.get("acknowledge", created)
                    done_at = min(ack + dt.timedelta(days=1 + i), self.now - dt.timedelta(hours=1))
            self.w["measure"].write((
                self._next("measure"), pid, i + 1, texts.MEASURES[(pid + i) % len(texts.MEASURES)],
                measure_units[i], org.staff.get(measure_units[i]), m_dues[i], m_status, done_at,
                "已完成" if done_at else "",
            ))  # fmt: skip
        for unit_id in cooperating:
            self.w["cooperating"].write((self._next("cooperating"), pid, unit_id))
        assigned = "assign" in moments or "approve_list" in moments

        # The problem row; open_due as issues.services.schedule.open_measures_due.
        open_due = min(
            (
                d
                for d, st in zip(m_dues, measure_status, strict=True)
                if st != MeasureStatus.DONE and d
            ),
            default=None,
        )
        issue = texts.ISSUES[rng.randrange(len(texts.ISSUES))]
        source = rng.choice(SOURCE_MIX)
        row = [
            pid, code, batch.pk, rng.choice(org.campaigns) if rng.random() < 0.08 else None,
            batch.source if source == "batch" else source, "legacy" if rng.random() < 0.2 else "new",
            rng.choice(org.categories), f"{unit.short_name or unit.name}{issue}",
            texts.DETAILS[pid % len(texts.DETAILS)].format(unit=unit.name, issue=issue),
            texts.TARGETS[pid % len(texts.TARGETS)], ("normal", "normal", "serious", "grave")[pid % 4],
            Decimal(rng.randint(5, 50000)) / 100 if batch.source == "audit" else None,
            rectify, due, due if assigned else None, leader, lead,
            staff, "none", state, closed_at, closed_by, 0, 0, "", "", next_review,
            texts.PROGRESS[pid % len(texts.PROGRESS)] if state == S.IN_PROGRESS else "", "",
            office_admin, created, times[-1], closed_on_time, open_due,
        ]  # fmt: skip
        self.w["problem"].write(tuple(row))
        if nro is not None:
            self.w["schedule"].write((pid, nro))
        self.counts[state] = self.counts.get(state, 0) + 1

    # --- parts -----------------------------------------------------------------------------

    def _next(self, key) -> int:
        value = self.ids[key]
        self.ids[key] = value + 1
        return value

    def _deadline(self, state, slot, b):
        """(due date, review waiting since, next_reminder_on) for a problem of batch `b`."""
        rng, today = self.rng, self.today
        batch_rungs = sorted(d for d in b.remind_days_before if d > 0)
        if slot is not None:
            far, near = (batch_rungs[-1], batch_rungs[0]) if batch_rungs else (0, 0)
            mid = batch_rungs[len(batch_rungs) // 2] if batch_rungs else 0
            due = {
                "soon_far": self.days(far),
                "soon_mid": self.days(mid),
                "soon_near": self.days(near),
                "today": today,
                "overdue_first": self.days(-1),
                "overdue_repeat": self.days(-1 - max(b.overdue_repeat_days, 1)),
                "catch_up": self.days(mid - 1),
                "escalate": self.days(-b.escalate_after_days),
                "review": self.days(rng.randint(-30, 60)),
            }[slot]
            if slot == "review":
                return due, self.days(-b.review_pending_days), today
            if slot == "catch_up":
                return due, None, self.days(-1)
            return due, None, today
        if state in (S.DRAFT, S.LIST_REVIEW):
            return self.days(rng.randint(10, 200)), None, None
        if state in (S.ASSIGNED, S.IN_PROGRESS):
            overdue = rng.random() < (0.15 if state == S.ASSIGNED else 0.25)
            span = (-365, -1) if overdue else (8, 365)
            return self.days(rng.randint(*span)), None, None
        if state == S.CLOSEOUT_REVIEW:
            # Waiting since before today, but not exactly review_pending_days (that fires today).
            waiting = self.days(-rng.randint(1, 40))
            if waiting == self.days(-b.review_pending_days):
                waiting -= DAY
            nro = waiting + dt.timedelta(b.review_pending_days)
            return self.days(rng.randint(-60, 200)), waiting, nro if nro > today else None
        if state in (S.LONG_TERM, S.ROUTINE):
            return self.days(rng.randint(-400, -30)), None, None
        if state == S.CLOSED:
            return self.days(rng.randint(-500, 60)), None, None
        return self.days(rng.randint(-300, 200)), None, None  # withdrawn

    def _cooperating(self, unit) -> list[int]:
        rng = self.rng
        if rng.random() > 0.25:
            return []
        villages = self.org.children.get(unit.pk)
        if villages:
            return rng.sample(villages, min(len(villages), rng.randint(1, 2)))
        others = self.org.units
        picks = {others[rng.randrange(len(others))].pk for _ in range(rng.randint(1, 2))}
        picks.discard(unit.pk)
        return sorted(picks)

    def _measure_statuses(self, state, n):
        if state in (S.CLOSEOUT_REVIEW, S.CLOSED):
            return [MeasureStatus.DONE] * n
        if state in (S.IN_PROGRESS, S.LONG_TERM, S.ROUTINE):
            r = self.rng.random
            return [
                MeasureStatus.DONE
                if (x := r()) < 0.3
                else MeasureStatus.IN_PROGRESS
                if x < 0.8
                else MeasureStatus.NOT_STARTED
                for _ in range(n)
            ]
        return [MeasureStatus.NOT_STARTED] * n

    def _history(self, state, batch, chain, due):
        """[(action, from, to, actor role, step kind)] that lead from nothing to `state`."""
        steps = [("create", "", S.DRAFT, "oa", None)]
        if state == S.DRAFT:
            return steps
        if state == S.WITHDRAWN:
            if self.rng.random() < 0.5:
                steps.append(("assign", S.DRAFT, S.ASSIGNED, "oa", None))
            steps.append(("withdraw", steps[-1][2], S.WITHDRAWN, "oa", None))
            return steps
        if batch.needs_list_review:
            steps.append(("submit", S.DRAFT, S.LIST_REVIEW, "oa", None))
            if state == S.LIST_REVIEW:
                return steps
            steps.append(("approve_list", S.LIST_REVIEW, S.ASSIGNED, "rev", None))
        else:
            steps.append(("assign", S.DRAFT, S.ASSIGNED, "oa", None))
        if state == S.ASSIGNED:
            return steps
        steps.append(("acknowledge", S.ASSIGNED, S.IN_PROGRESS, "admin", None))
        if state == S.IN_PROGRESS:
            return steps
        if state in (S.CLOSEOUT_REVIEW, S.CLOSED):
            steps.append(("request_closeout", S.IN_PROGRESS, S.CLOSEOUT_REVIEW, "admin", None))
            if state == S.CLOSED:
                for i, kind in enumerate(chain):
                    to = S.CLOSED if i == len(chain) - 1 else S.CLOSEOUT_REVIEW
                    steps.append(("approve_closeout", S.CLOSEOUT_REVIEW, to, _role(kind), kind))
            return steps
        ext_chain = list(batch.extension_chain)
        steps.append(("request_extension", S.IN_PROGRESS, S.IN_PROGRESS, "admin", None))
        for i, kind in enumerate(ext_chain):
            to = S.LONG_TERM if i == len(ext_chain) - 1 else S.IN_PROGRESS
            steps.append(("approve_extension", S.IN_PROGRESS, to, _role(kind), kind))
        if state == S.ROUTINE:
            steps.append(("to_routine", S.LONG_TERM, S.ROUTINE, "oa", None))
        return steps

    def _last_day(self, state, slot, due, review_since) -> dt.date:
        """The local day of the problem's latest action (always before today)."""
        rng = self.rng
        if review_since is not None:
            return review_since
        if state == S.CLOSED:
            latest = due + dt.timedelta(rng.randint(-60, 20))
            return latest if latest < self.today else self.days(-rng.randint(1, 30))
        if state in (S.ASSIGNED, S.IN_PROGRESS) and slot is None:
            return min(self.days(-1), due - DAY) - dt.timedelta(rng.randint(0, 120))
        if slot is not None:
            return min(self.days(-1), due - dt.timedelta(8)) - dt.timedelta(rng.randint(0, 60))
        if state in (S.LONG_TERM, S.ROUTINE):
            return min(self.days(-1), due - DAY) - dt.timedelta(rng.randint(0, 60))
        return self.days(-rng.randint(1, 120))

    def _requests(self, pid, state, slot, chain, batch, request_rows, steps, times,
                  review_since, *, head, reviewer, leader, due, next_review):  # fmt: skip
        """The close-out or extension request the history filed, with its review steps."""
        for action, created, applicant, from_state in request_rows:
            closeout = action == "request_closeout"
            kinds = chain if closeout else list(batch.extension_chain)
            decided = [t for s, t in zip(steps, times, strict=True)
                       if s[0] == ("approve_closeout" if closeout else "approve_extension")]  # fmt: skip
            pending = state == S.CLOSEOUT_REVIEW and closeout
            request_id = self._next("request")
            self.w["request"].write((
                request_id, pid, RequestType.CLOSEOUT if closeout else RequestType.EXTENSION,
                RequestStatus.PENDING if pending else RequestStatus.APPROVED, applicant,
                from_state, created, None if pending else decided[-1],
                "已按要求完成全部整改措施。" if closeout else "", SELF_CHECK if closeout else "{}",
                "", None, "" if closeout else "long_term", None if closeout else due, None,
                "" if closeout else "该问题涉及长效机制建设，需长期坚持。", "",
                "" if closeout else "阶段目标按季度推进。", None if closeout else next_review,
                kinds[len(decided)] if pending else "",
            ))  # fmt: skip
            for position, kind in enumerate(kinds, 1):
                when = decided[position - 1] if position <= len(decided) else None
                person = {StepKind.UNIT_HEAD: head, StepKind.OFFICE: reviewer}.get(kind, leader)
                self.w["step"].write((
                    self._next("step"), request_id, position, kind, "approve" if when else "",
                    person if when else None, "同意。" if when else "", when, created,
                ))  # fmt: skip


def _role(step_kind: str) -> str:
    return {StepKind.UNIT_HEAD: "head", StepKind.OFFICE: "rev"}.get(step_kind, "leader")
