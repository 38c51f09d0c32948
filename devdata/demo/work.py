"""The steps of a problem's rectification, each at its own moment: the generators yield when
the next step happens (devdata.demo.clock.History plays them in time order)."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from issues.services.problems import measure_create, measure_update
from issues.services.reports import evidence_upload, progress_report_create
from issues.services.workflow import perform_action

from .files import tiny_pdf, tiny_png

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
MONTHLY_TEXT = (
    "已召开专题会议研究部署，制定整改方案，明确{n}项措施的责任人和完成时限。",
    "按整改方案逐项推进，已完成摸底排查，正在落实具体措施。",
    "整改措施有序推进，阶段性目标基本实现，正在巩固成效。",
    "持续推进整改，对照目标逐项销账，同步建立长效机制。",
)


class Work:
    """Mixed into devdata.demo.walk.Walk: `self.c` the county, `self.problem`, the people."""

    def act(self, action, actor, **data):
        self.problem = perform_action(
            problem_id=self.problem.pk, action=action, actor=actor, data=data
        )

    def at(self, offset: int, extra: int = 0) -> dt.datetime:
        """A working moment `offset` days from today, at this problem's own time of day."""
        return self.c.moment(offset, self.number * 3 + offset + extra)

    def measures(self):
        return list(self.problem.measures.order_by("seq"))

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

    def report(self, content, percent, difficulties="", next_steps=""):
        """A progress report of the current month (the clock's)."""
        progress_report_create(
            actor=self.jbr,
            problem_id=self.problem.pk,
            period=f"{self.c.now_date():%Y-%m}",
            content=content,
            difficulties=difficulties,
            next_steps=next_steps,
            percent=percent,
        )

    def reviewer_for(self, step_kind):
        return {"unit_head": self.fzr, "office": self.reviewer, "leader": self.leader}[step_kind]

    # --- doing the work ----------------------------------------------------------------------

    def work(self, until: int):
        """From acknowledgement to `until` (a day offset): measures under way, the first one done
        halfway, a progress report every month (batches with a reporting rhythm report through
        their units' period reports instead, devdata.demo.reporting)."""
        start = self.dates.acknowledged
        yield self.at(start + 4)
        measures = self.measures()
        open_ = [m for m in measures if m.due_date is None or m.due_date >= self.c.today]
        first = open_[0] if open_ else None
        for m in measures:
            measure_update(actor=self.c.staff_of(m.unit_id), measure_id=m.pk, status="in_progress")
        if self.number % 4 == 0:
            self.upload(
                f"{self.problem.code}-整改前.png",
                tiny_png((196, 64, 52)),
                "photo",
                "整改前现场照片",
                stage="before",
            )
        halfway = start + max((until - start) // 2, 5)
        reports = [] if self.batch.report_cycle != "none" else self.report_days(start + 8, until)
        done_first = False
        for number, day in enumerate(reports):
            if first and not done_first and day >= halfway:
                yield from self.finish_first(first, halfway)
                done_first = True
            yield self.at(day)
            fraction = (day - start) / max(until - start, 1)
            text = MONTHLY_TEXT[min(number, len(MONTHLY_TEXT) - 1)].format(n=len(measures))
            self.report(text, min(20 + int(60 * fraction), 90), next_steps="按整改方案逐项推进。")
        if first and not done_first and halfway < until:
            yield from self.finish_first(first, halfway)
        if self.spec.progress:
            yield self.at(min(until, -3))
            overdue = self.problem.due_date is not None and self.problem.due_date < self.c.today
            self.report(
                self.spec.progress,
                45 if overdue else 60,
                difficulties="涉及多部门协调，进度滞后于计划。" if overdue else "",
                next_steps="加强统筹调度，确保按期完成。",
            )

    def finish_first(self, measure, day):
        yield self.at(day)
        measure_update(
            actor=self.c.staff_of(measure.unit_id),
            measure_id=measure.pk,
            status="done",
            done_note="已按要求完成。",
        )

    def report_days(self, start: int, until: int) -> list[int]:
        """Around the 20th–27th of each month between the two offsets."""
        first = (self.c.today + dt.timedelta(days=start)).replace(day=1)
        last = self.c.today + dt.timedelta(days=until)
        days = []
        while first <= last:
            offset = (first.replace(day=20 + self.number % 8) - self.c.today).days
            if start <= offset <= until:
                days.append(offset)
            first = (first + dt.timedelta(days=32)).replace(day=1)
        return days

    def finish_work(self, day: int, label=""):
        yield self.at(day)
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
        yield self.at(day + 1)
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

    def request_closeout(self, day: int):
        yield self.at(day)
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

    def approve(self, steps: int, last_day: int):
        """`steps` approvals of the close-out chain, three days apart, the last on `last_day`."""
        chain = self.batch.closeout_chain
        for position, kind in enumerate(chain[:steps], 1):
            yield self.at(last_day - 3 * (steps - position))
            last = position == len(chain)
            comment = {
                "unit_head": "经核实，整改措施已落实，同意报整改办审核。",
                "office": "经审核，佐证材料齐全，同意销号。"
                if last
                else "经审核，佐证材料齐全，报责任领导审批。",
                "leader": "同意销号。",
            }[kind]
            self.act("approve_closeout", self.reviewer_for(kind), comment=comment)

    def reject_once(self, day: int, new_due_offset: int):
        """Close-out filed, passed by the unit head, sent back by the office for rework; the
        reviewer's decision falls on `day`."""
        yield from self.finish_work(day - 12)
        yield from self.request_closeout(day - 8)
        yield from self.approve(1, day - 5)
        yield self.at(day)
        self.act(
            "reject_closeout",
            self.reviewer,
            comment="整改成效佐证不足，部分问题仍未整改到位，请补充整改后重新申请销号。",
            new_due_date=self.c.day(new_due_offset),
            confirm_earlier=True,  # the reviewer shortens the deadline on purpose
        )
        yield self.at(day + 2)
        measure_create(
            actor=self.lly,
            problem_id=self.problem.pk,
            content="按照销号审核意见开展补充整改，逐项补齐佐证材料",
            owner=self.jbr,
            due_date=self.c.day(new_due_offset),
        )

    def extension(self, kind: str, day: int):
        """Filed by the liaison on `day`, passed by the unit head two days later."""
        yield self.at(day)
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
        yield self.at(day + 2)
        self.act("approve_extension", self.fzr, comment="情况属实，同意报整改办审核。")

    def supervise(self):
        """The office's supervision, a few days after the deadline passed (or lately, when
        it has not yet), each level a week after the one before."""
        due = self.spec.due
        day = due + 3 if due is not None and due < -3 else -14
        for kind in ("urge", "letter", "listed", "interview"):
            if kind not in self.spec.extras:
                continue
            yield self.at(min(day, -1))
            text, reply_days = SUPERVISION_TEXT[kind]
            reply = self.c.now_date() + dt.timedelta(days=reply_days)
            self.act(
                "supervise",
                self.reviewer,
                kind=kind,
                content=text.format(reply=f"{reply.month}月{reply.day}日"),
                reply_due_date=reply,
            )
            day += 7
