"""One problem's walk from registration to the state its spec asks for, acting each step as
the person who would really take it (联络员 files, 经办人 reports, 主要负责人 and 整改办 review)."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from issues.models import Problem, Regulation
from issues.services.problems import (
    measure_create,
    measure_update,
    problem_create,
    problem_update,
)
from issues.services.reports import evidence_upload, progress_report_create
from issues.services.workflow import perform_action

from .files import tiny_pdf, tiny_png
from .problems import DemoProblem

SELF_CHECK = {"measures_done": True, "effective": True, "generalized": True, "mechanism": True}
SUPERVISION_TEXT = {
    "urge": ("请加快整改进度，于{reply}前报送整改情况。", 3),
    "letter": (
        "督办函：该问题整改进度明显滞后，请单位主要负责人亲自研究，于{reply}前书面回复。",
        10,
    ),
    "listed": (
        "该问题整改严重滞后，经县委整改办研究，予以挂牌督办，请于{reply}前书面报告整改进展。",
        7,
    ),
    "interview": ("约谈单位主要负责人，要求对整改不到位问题限期整改，于{reply}前报告结果。", 14),
}
RETURN_COMMENT = "问题描述笼统，缺少具体表现和数据，请补充完善后重新提交。"
WITHDRAW_COMMENT = {
    "ztjy": "该问题与县委第三轮巡察反馈问题重复，并入巡察整改统一办理。",
    "xc": "经核实，该问题已在上轮巡察整改中完成销号，不再重复整改。",
}


class Walk:
    """One problem; `county` (devdata.demo.build.County) holds the units, people and batches."""

    def __init__(self, county, spec: DemoProblem, number: int):
        self.c = county
        self.spec = spec
        self.number = number
        self.lly, self.fzr, self.jbr = county.trio(spec.unit)
        self.office_admin = county.user("zgb_admin")
        self.reviewer = county.user("zgb_shenhe")
        self.leader = county.user("xianzhang")
        self.batch = county.batches[spec.batch]
        self.problem: Problem | None = None

    # --- helpers -----------------------------------------------------------------------------

    def act(self, action, actor, **data):
        self.problem = perform_action(
            problem_id=self.problem.pk, action=action, actor=actor, data=data
        )

    def measures(self):
        return list(self.problem.measures.order_by("seq"))

    def period(self, months_back=0) -> str:
        first = self.c.today.replace(day=1)
        for _ in range(months_back):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        return f"{first:%Y-%m}"

    def upload(self, name, content, kind, description, stage="", measure=None, actor=None):
        content_type = "image/png" if name.endswith(".png") else "application/pdf"
        evidence_upload(
            actor=actor or self.jbr,
            problem_id=self.problem.pk,
            upload=SimpleUploadedFile(name, content, content_type=content_type),
            kind=kind,
            description=description,
            stage=stage,
            measure=measure,
        )

    def report(self, content, percent, difficulties="", next_steps="", months_back=0):
        progress_report_create(
            actor=self.jbr,
            problem_id=self.problem.pk,
            period=self.period(months_back),
            content=content,
            difficulties=difficulties,
            next_steps=next_steps,
            percent=percent,
        )

    def reviewer_for(self, step_kind):
        return {"unit_head": self.fzr, "office": self.reviewer, "leader": self.leader}[step_kind]

    # --- the walk ----------------------------------------------------------------------------

    def run(self):
        s = self.spec
        self.create()
        if s.state == "draft":
            if "returned" in s.extras:
                self.act("submit", self.lly)
                self.act("return_list", self.reviewer, comment=RETURN_COMMENT)
                problem_update(
                    actor=self.lly,
                    problem_id=self.problem.pk,
                    description=s.description + "近三个月窗口日均排队超过40分钟，群众投诉7件。",
                )
            return
        if s.batch == "ztjy":
            self.act("submit", self.lly)
            if s.state == "list_review":
                return
            if s.state == "withdrawn":
                return self.act("withdraw", self.office_admin, comment=WITHDRAW_COMMENT["ztjy"])
            self.act(
                "approve_list", self.reviewer, comment="问题查摆具体，整改措施可行，同意交办。"
            )
        else:
            self.act(
                "assign",
                self.office_admin,
                comment="请按照巡察反馈意见认真组织整改，按时报送整改进展。",
            )
            if s.state == "withdrawn":
                return self.act("withdraw", self.office_admin, comment=WITHDRAW_COMMENT["xc"])
        if s.state == "assigned":
            return self.supervise()
        self.act("acknowledge", self.lly, comment="已签收，将按时限推进整改。")
        getattr(self, f"to_{s.state}")()

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

    def start_work(self):
        """The first measure done, the rest under way, two monthly progress reports."""
        measures = self.measures()
        open_ = [m for m in measures if m.due_date is None or m.due_date >= self.c.today]
        first = open_[0] if open_ else None
        for m in measures:
            status = "done" if m == first else "in_progress"
            note = "已按要求完成。" if status == "done" else ""
            measure_update(
                actor=self.c.staff_of(m.unit_id), measure_id=m.pk, status=status, done_note=note
            )
        self.report(
            f"已召开专题会议研究部署，制定整改方案，明确{len(measures)}项措施的责任人和完成时限。",
            30,
            next_steps="按整改方案逐项推进。",
            months_back=1,
        )
        overdue = self.problem.due_date is not None and self.problem.due_date < self.c.today
        latest = self.spec.progress or (
            f"“{first.content}”已完成，其余措施正在推进。" if first else "各项措施正在推进。"
        )
        self.report(
            latest,
            45 if overdue else 60,
            difficulties="涉及多部门协调，进度滞后于计划。" if overdue else "",
            next_steps="加强统筹调度，确保按期完成。",
        )
        if self.number % 4 == 0:
            self.upload(
                f"{self.problem.code}-整改前.png",
                tiny_png((196, 64, 52)),
                "photo",
                "整改前现场照片",
                stage="before",
            )

    def finish_work(self, label=""):
        for m in self.measures():
            if m.status != "done":
                measure_update(
                    actor=self.c.staff_of(m.unit_id),
                    measure_id=m.pk,
                    status="done",
                    done_note="已按要求完成，佐证材料已上传。",
                )
        code = self.problem.code
        first = self.measures()[0]
        self.upload(
            f"{code}-{label}整改情况报告.pdf",
            tiny_pdf(f"{code} rectification report"),
            "other",
            f"{label}整改情况报告",
            measure=first,
        )
        variant = self.number % 3
        if variant == 0:
            self.upload(
                f"{code}-制度文件.pdf", tiny_pdf(f"{code} rules"), "regulation", "新建制度文件"
            )
        elif variant == 1:
            self.upload(
                f"{code}-专题会议纪要.pdf", tiny_pdf(f"{code} minutes"), "minutes", "专题会议纪要"
            )
        else:
            self.upload(
                f"{code}-整改后.png",
                tiny_png((64, 160, 90)),
                "photo",
                "整改后现场照片",
                stage="after",
            )

    def request_closeout(self):
        self.report(
            "各项整改措施已全部落实，整改目标已实现。", 100, next_steps="巩固整改成效，防止反弹。"
        )
        count = self.problem.measures.count()
        self.act(
            "request_closeout",
            self.lly,
            summary=f"对照整改目标，{count}项整改措施已全部落实，相关佐证材料已上传，申请销号。",
            self_check=SELF_CHECK,
        )

    def approve(self, steps):
        chain = self.batch.closeout_chain
        for position, kind in enumerate(chain[:steps], 1):
            last = position == len(chain)
            comment = {
                "unit_head": "经核实，整改措施已落实，同意报整改办审核。",
                "office": "经审核，佐证材料齐全，同意销号。"
                if last
                else "经审核，佐证材料齐全，报责任领导审批。",
                "leader": "同意销号。",
            }[kind]
            self.act("approve_closeout", self.reviewer_for(kind), comment=comment)

    def reject_once(self, new_due_offset):
        """Close-out filed, passed by the unit head, sent back by the office for rework."""
        self.finish_work()
        self.request_closeout()
        self.approve(1)
        self.act(
            "reject_closeout",
            self.reviewer,
            comment="整改成效佐证不足，部分问题仍未整改到位，请补充整改后重新申请销号。",
            new_due_date=self.c.day(new_due_offset),
            confirm_earlier=True,  # the reviewer shortens the deadline on purpose
        )
        measure_create(
            actor=self.lly,
            problem_id=self.problem.pk,
            content="按照销号审核意见开展补充整改，逐项补齐佐证材料",
            owner=self.jbr,
            due_date=self.c.day(new_due_offset),
        )

    def extension(self, kind):
        if kind == "long_term":
            first = self.measures()[0]
            data = dict(
                kind="long_term",
                reason="该问题需长期坚持、久久为功，难以在整改时限内一次性整改到位。",
                progress_so_far="已完成阶段性整改任务，建立了工作机制。",
                stage_goal=f"本年度完成“{first.content}”，并建立常态化推进机制。",
                next_review_date=self.c.day(90),
            )
        else:
            data = dict(
                kind="extend",
                reason="部分措施涉及跨部门协调和上级审批，需延期30天完成。",
                progress_so_far="已完成主要整改措施，剩余措施正在推进。",
                requested_due_date=self.problem.due_date + dt.timedelta(days=30),
            )
        self.act("request_extension", self.lly, **data)
        self.act("approve_extension", self.fzr, comment="情况属实，同意报整改办审核。")

    def supervise(self):
        for kind in ("urge", "letter", "listed", "interview"):
            if kind in self.spec.extras:
                text, reply_days = SUPERVISION_TEXT[kind]
                reply = self.c.day(reply_days)
                self.act(
                    "supervise",
                    self.reviewer,
                    kind=kind,
                    content=text.format(reply=f"{reply.month}月{reply.day}日"),
                    reply_due_date=reply,
                )

    # --- end states --------------------------------------------------------------------------

    def to_in_progress(self):
        extras = self.spec.extras
        if "reopen" in extras:
            self.finish_work()
            self.request_closeout()
            self.approve(len(self.batch.closeout_chain))
            self.act(
                "reopen",
                self.reviewer,
                comment="回头看发现问题反弹：仍有多发补贴未追回，请重新整改。",
                new_due_date=self.c.day(30),
                confirm_earlier=True,
            )
            measure_create(
                actor=self.lly,
                problem_id=self.problem.pk,
                content="针对反弹问题开展再排查，逐户追回剩余资金",
                owner=self.jbr,
                due_date=self.c.day(30),
            )
        elif "rework" in extras:
            self.reject_once(25)
            self.report("已按销号审核意见开展补充整改，正在补齐隐患复查记录。", 80)
        elif "fresh" not in extras:
            self.start_work()
        if "ext_pending" in extras:
            self.extension("extend")
        if "ext_approved" in extras:
            self.extension("extend")
            self.act("approve_extension", self.reviewer, comment="同意延期，请按新时限完成整改。")
        if "ext_rejected" in extras:
            self.extension("extend")
            self.act(
                "reject_extension",
                self.reviewer,
                comment="整改时限内可以完成，不同意延期，请加快推进。",
            )
        self.supervise()

    def to_closeout_review(self):
        self.start_work()
        self.finish_work()
        self.request_closeout()
        self.approve(int(next(x for x in self.spec.extras if x.startswith("cr"))[2:]))

    def to_closed(self):
        self.start_work()
        if "rework" in self.spec.extras:
            self.reject_once(20)
            self.finish_work(label="补充")
        else:
            self.finish_work()
        self.record_regulation()
        self.request_closeout()
        self.approve(len(self.batch.closeout_chain))

    def record_regulation(self):
        """建章立制: the rule the unit issued while rectifying. No ledger fact, and no service
        writes the register yet, so the row is made directly."""
        if not self.spec.regulation:
            return
        name, prefix, kind = self.spec.regulation
        issued_on = self.c.day(-(2 + self.number % 10))
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
        self.start_work()
        self.extension("long_term")
        self.act("approve_extension", self.reviewer, comment="同意转为长期坚持，按期复核。")

    def to_routine(self):
        if "routine_from_long_term" in self.spec.extras:
            self.to_long_term()
        else:
            self.start_work()
        self.act("to_routine", self.office_admin, comment="该问题已形成长效机制，转入日常管理。")
