"""`manage.py seed_demo`: the demo county 清河县, made through the real services.

Idempotent: when the county's root unit exists the command changes nothing and prints the
same logins again, so `scripts/run` can call it on every start.
"""

import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from devdata import demo
from issues.models import Status
from issues.selectors.deadlines import Light, annotate_deadlines


def width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(pad(cell, w) for cell, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return ["  " + line for line in lines]


class Command(BaseCommand):
    help = "Seed the demo county 清河县 (units, users, ~60 problems) through the real workflow."

    def handle(self, *args, **options):
        started = time.monotonic()
        if demo.is_seeded():
            self.stdout.write("演示数据已存在（already seeded），未做任何修改。")
        else:
            try:
                demo.seed()
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(f"演示数据已生成，用时 {time.monotonic() - started:.1f} 秒。")
            )
        self.write_summary()
        self.write_logins()

    def write_summary(self):
        problems = demo.demo_problems()
        by_state = dict(problems.values_list("status").annotate(n=Count("id")).order_by())
        by_light = dict(
            annotate_deadlines(problems).values_list("light").annotate(n=Count("id")).order_by()
        )
        states = "，".join(f"{s.label} {by_state[s]}" for s in Status if by_state.get(s))
        lights = "，".join(
            f"{Light.LABELS[name]} {by_light[name]}" for name in Light.RANK if by_light.get(name)
        )
        self.stdout.write(f"问题 {sum(by_state.values())} 个：{states}")
        self.stdout.write(f"预警灯：{lights}")

    def write_logins(self):
        base = settings.SITE_URL.rstrip("/")
        out = [
            "",
            f"  网址      {base}/",
            f"  管理后台  {base}/admin/",
            f"  接口文档  {base}/api/docs/",
            f"  统一密码  {demo.DEMO_PASSWORD}",
            "",
            "  县级账号（任职在县委，范围为全县）：",
        ]
        out += table(
            ["用户名", "姓名", "角色"],
            [[username, name, label] for username, name, _, label in demo.COUNTY_PEOPLE],
        )
        out += ["", "  单位账号（联络员 unit_admin / 主要负责人 unit_head / 经办人 unit_staff）："]
        rows = []
        for unit in demo.UNITS:
            lly, fzr, jbr = (
                f"{unit.key}_{suffix}（{name}）"
                for suffix, name in zip(("lly", "fzr", "jbr"), unit.people, strict=True)
            )
            rows.append([unit.name, lly, fzr, jbr])
        out += table(["单位", "联络员", "主要负责人", "经办人"], rows)
        out.append("")
        self.stdout.write("\n".join(out))
