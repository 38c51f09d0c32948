"""One problem's walk from registration to the state its spec asks for, acting each step as
the person who would really take it (联络员 files, 经办人 reports, 主要负责人 and 整改办 review),
each step on its own day of the past half year (devdata.demo.clock)."""

from dataclasses import dataclass
from decimal import Decimal

from issues.models import Problem, Regulation
from issues.services.problems import measure_create, problem_create, problem_update

from .county import BATCHES
from .problems import DemoProblem
from .work import Work

RETURN_COMMENT = "问题描述笼统，缺少具体表现和数据，请补充完善后重新提交。"
WITHDRAW_COMMENT = {
    "ztjy": "该问题与县委第三轮巡察反馈问题重复，并入巡察整改统一办理。",
    "xc": "经核实，该问题已在上轮巡察整改中完成销号，不再重复整改。",
    "sj": "经核实，该问题已在上轮审计整改中完成销号，不再重复整改。",
}
# Problems still on the way in: registered in the last few weeks, not with their batch.
RECENT_STATES = ("draft", "list_review", "assigned")
# Where between "a few weeks of work" and the deadline an on-time close-out falls, in percent.
SPREAD = (0, 60, 25, 85, 40, 10, 70, 30, 50)


@dataclass(frozen=True)
class Dates:
    """Day offsets from today of a problem's milestones."""

    registered: int
    acknowledged: int
    closed: int | None  # closed problems only: the last approval


def dates_of(spec: DemoProblem, number: int) -> Dates:
    if spec.state in RECENT_STATES:
        registered = -48 + number % 34
    else:
        registered = BATCHES[spec.batch]["received"] + 2 + number % 5
    # The list review (主题教育) takes a few days before the problem is handed over.
    review = 3 + number % 3 if spec.batch == "ztjy" else 0
    acknowledged = registered + review + 2 + number % 4
    closed = None
    if spec.state == "closed":
        due = spec.due if spec.due is not None else 0
        if due < 0:  # closed late: a few weeks after the deadline
            closed = min(due + 6 + number % 15, -2)
        else:  # on time: somewhere between a few weeks of work and the deadline
            low, high = acknowledged + 25, min(due, -4)
            closed = low + SPREAD[number % len(SPREAD)] * max(high - low, 0) // 100
    return Dates(registered, acknowledged, closed)


class Walk(Work):
    """One problem; `county` (devdata.demo.build.County) holds the units, people and batches."""

    def __init__(self, county, spec: DemoProblem, number: int):
        self.c = county
        self.spec = spec
        self.number = number
        self.dates = dates_of(spec, number)
        self.problem: Problem | None = None

    # The people and the batch exist once the history has begun, not when the walk is made.
    @property
    def batch(self):
        return self.c.batches[self.spec.batch]

    @property
    def lly(self):
        return self.c.trio(self.spec.unit)[0]

    @property
    def fzr(self):
        return self.c.trio(self.spec.unit)[1]

    @property
    def jbr(self):
        return self.c.trio(self.spec.unit)[2]

    @property
    def office_admin(self):
        return self.c.user("zgb_admin")

    @property
    def reviewer(self):
        return self.c.user("zgb_shenhe")

    @property
    def leader(self):
        return self.c.user("xianzhang")

    # --- the walk ----------------------------------------------------------------------------

    def run(self):
        """A story for devdata.demo.clock.History: yields the moment of each next step."""
        s, d = self.spec, self.dates
        yield self.at(d.registered)
        self.create()
        if s.state == "draft":
            if "returned" in s.extras:
                yield self.at(d.registered + 1)
                self.act("submit", self.lly)
                yield self.at(d.registered + 3)
                self.act("return_list", self.reviewer, comment=RETURN_COMMENT)
                yield self.at(d.registered + 6)
                problem_update(
                    actor=self.lly,
                    problem_id=self.problem.pk,
                    description=s.description + "近三个月窗口日均排队超过40分钟，群众投诉7件。",
                )
            return
        if s.batch == "ztjy":
            yield self.at(d.registered + 1)
            self.act("submit", self.lly)
            if s.state == "list_review":
                return
            yield self.at(d.acknowledged - 2 - self.number % 4)
            if s.state == "withdrawn":
                return self.act("withdraw", self.office_admin, comment=WITHDRAW_COMMENT["ztjy"])
            self.act(
                "approve_list", self.reviewer, comment="问题查摆具体，整改措施可行，同意交办。"
            )
        else:
            self.act(
                "assign",
                self.office_admin,
                comment="请按照反馈意见认真组织整改，按时报送整改进展。",
            )
            if s.state == "withdrawn":
                yield self.at(d.registered + 25)
                return self.act("withdraw", self.office_admin, comment=WITHDRAW_COMMENT[s.batch])
        if s.state == "assigned":
            return
        yield self.at(d.acknowledged)
        self.act("acknowledge", self.lly, comment="已签收，将按时限推进整改。")
        yield from getattr(self, f"to_{s.state}")()

    def create(self):
        s, c = self.spec, self.c
        lead = c.units[s.unit]
        measures = []
        for item in s.measures:
            content, unit_key, due = (
                (item, None, None) if isinstance(item, str) else (*item, None)[:3]
            )
            unit = c.units[unit_key] if unit_key else lead
            measures.append(
                {
                    "content": content,
                    "unit": unit,
                    "owner": c.staff_of(unit.pk),
                    "due_date": c.day(due),
                }
            )
        creator = self.lly if s.batch == "ztjy" else self.office_admin
        self.problem = problem_create(
            actor=creator,
            batch=self.batch,
            lead_unit=lead,
            cooperating_units=[c.units[k] for k in s.coop],
            measures=measures,
            title=s.title,
            description=s.description,
            target=s.target,
            source=s.source or self.batch.source,
            origin=s.origin,
            category=c.categories[s.category],
            severity=s.severity,
            rectify_type=s.rectify_type,
            due_date=c.day(s.due),
            amount=Decimal(s.amount) if s.amount else None,
            campaign=c.campaigns[s.campaign] if s.campaign else None,
            # The county leader in charge: only a leader whose scope holds the lead unit may be
            # named (issues/selectors/leaders.py), never the unit's own head.
            responsible_leader=self.leader,
            owner=self.jbr,
        )

    # --- end states --------------------------------------------------------------------------

    def to_in_progress(self):
        extras, start = self.spec.extras, self.dates.acknowledged
        if "reopen" in extras:
            yield from self.work(start + 40)
            yield from self.finish_work(start + 48)
            yield from self.request_closeout(start + 52)
            yield from self.approve(len(self.batch.closeout_chain), start + 60)
            yield self.at(-24)
            self.act(
                "reopen",
                self.reviewer,
                comment="回头看发现问题反弹：仍有多发补贴未追回，请重新整改。",
                new_due_date=self.c.day(30),
                confirm_earlier=True,
            )
            yield self.at(-22)
            measure_create(
                actor=self.lly,
                problem_id=self.problem.pk,
                content="针对反弹问题开展再排查，逐户追回剩余资金",
                owner=self.jbr,
                due_date=self.c.day(30),
            )
        elif "rework" in extras:
            yield from self.work(-40)
            yield from self.reject_once(-28, 25)
            yield self.at(-6)
            self.report("已按销号审核意见开展补充整改，正在补齐隐患复查记录。", 80)
        elif "fresh" not in extras:
            yield from self.work(-1)

    def episodes(self):
        """A second story of the same problem, running alongside its work: the extension
        requests and the office's supervision of the last weeks."""
        extras = self.spec.extras
        if "ext_pending" in extras:
            yield from self.extension("extend", -4)
        if "ext_approved" in extras:
            yield from self.extension("extend", -20)
            yield self.at(-15)
            self.act("approve_extension", self.reviewer, comment="同意延期，请按新时限完成整改。")
        if "ext_rejected" in extras:
            yield from self.extension("extend", -30)
            yield self.at(-25)
            self.act(
                "reject_extension",
                self.reviewer,
                comment="整改时限内可以完成，不同意延期，请加快推进。",
            )
        yield from self.supervise()

    def to_closeout_review(self):
        steps = int(next(x for x in self.spec.extras if x.startswith("cr"))[2:])
        filed = -10 - self.number % 8
        yield from self.work(filed - 6)
        yield from self.finish_work(filed - 4)
        yield from self.request_closeout(filed)
        if steps:
            yield from self.approve(steps, filed + 3 * steps)

    def to_closed(self):
        closed, start = self.dates.closed, self.dates.acknowledged
        if "rework" in self.spec.extras:
            rejected = start + (closed - start) // 2
            yield from self.work(rejected - 14)
            yield from self.reject_once(rejected, 20)
            yield from self.finish_work(closed - 16, label="补充")
        else:
            yield from self.work(closed - 18)
            yield from self.finish_work(closed - 16)
        yield from self.record_regulation(closed - 14)
        yield from self.request_closeout(closed - 3 * len(self.batch.closeout_chain) - 2)
        yield from self.approve(len(self.batch.closeout_chain), closed)

    def record_regulation(self, day: int):
        """建章立制: the rule the unit issued while rectifying. No ledger fact, and no service
        writes the register yet, so the row is made directly."""
        if not self.spec.regulation:
            return
        yield self.at(day)
        name, prefix, kind = self.spec.regulation
        issued_on = self.c.now_date()
        regulation = Regulation.objects.create(
            name=name,
            doc_no=f"{prefix}〔{issued_on.year}〕{self.number + 3}号",
            kind=kind,
            issued_on=issued_on,
            unit=self.problem.lead_unit,
            created_by=self.lly,
        )
        regulation.problems.add(self.problem)

    def to_long_term(self):
        turned = self.dates.acknowledged + 50 + self.number % 20
        yield from self.work(turned - 3)
        yield from self.extension("long_term", turned)
        yield self.at(turned + 5)
        self.act("approve_extension", self.reviewer, comment="同意转为长期坚持，按期复核。")

    def to_routine(self):
        if "routine_from_long_term" in self.spec.extras:
            yield from self.to_long_term()
        else:
            yield from self.work(-12)
        yield self.at(-8 - self.number % 5)
        self.act("to_routine", self.office_admin, comment="该问题已形成长效机制，转入日常管理。")
