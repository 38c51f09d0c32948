"""整改措施 cells of an imported list: numbered items, each optionally saying who does it.

The one convention (the import page's help and the template's 说明 sheet say the same): an
item may end with a bracket of 责任单位 / 责任人 / 完成时限, in any order and any subset,
separated by "；" —

    1. 建立食堂巡查制度（责任单位：卫健局；责任人：张三；完成时限：2024-06-30）

An item without the bracket belongs to the lead unit and the problem's due date, as before.
The rules are problem_create's (SPEC §2, §3): the unit is the lead unit or one of the
problem's cooperating units (a unit named only here is refused, not added: which units
cooperate is the office's decision and counts in every unit's figures — 统计口径 — so it is
written in 配合单位, where it is seen); the owner is a member of that unit (or of a unit under
it); the measure is not due after its problem.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from books.services.import_sheet import LONG_TERM, CellError, parse_due, split_measures

# key in the bracket → what it sets
KEYS = {"责任单位": "unit", "责任人": "owner", "完成时限": "due"}  # no bare 单位: （单位：万元）
_KEY = "|".join(sorted(KEYS, key=len, reverse=True))
# A trailing bracket whose first word is a key; a bracket of other words is measure text.
_TRAILER = re.compile(rf"[（(]\s*((?:{_KEY})\s*[:：][^（）()]*)[)）]\s*[。；;]?\s*$")
_PAIR = re.compile(rf"^\s*({_KEY})\s*[:：]\s*(.*?)\s*$")

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from issues.models import Unit


@dataclass
class ParsedMeasure:
    content: str
    unit: "Unit"
    owner: "User | None" = None
    due_date: dt.date | None = None


def split_assignment(item: str) -> tuple[str, dict[str, str]]:
    """("measure text", {"unit"|"owner"|"due": "text"}) of one numbered item."""
    found = _TRAILER.search(item)
    if not found:
        return item, {}
    given: dict[str, str] = {}
    for part in re.split(r"[；;，,]", found[1]):
        if not part.strip():
            continue
        pair = _PAIR.match(part)
        if not pair:
            raise CellError(f"无法识别“{part.strip()}”，括号内只可填责任单位、责任人、完成时限。")
        name = KEYS[pair[1]]
        if name in given:
            raise CellError(f"“{pair[1]}”填写了两次。")
        given[name] = pair[2]
    return item[: found.start()].rstrip(" ；;，,"), given


def parse_measures(text, *, lookup, lead_unit, cooperating, due_date) -> list[ParsedMeasure]:
    """The measures of one cell; CellError names the first bad item (第N条措施：…)."""
    allowed = {u.pk for u in [lead_unit, *cooperating] if u is not None}
    measures = []
    for seq, item in enumerate(split_measures(text), 1):
        try:
            measures.append(_measure(item, lookup, lead_unit, allowed, due_date))
        except CellError as exc:
            raise CellError(f"第{seq}条措施：{exc}") from None
    return measures


def _measure(item, lookup, lead_unit, allowed, problem_due) -> ParsedMeasure:
    content, given = split_assignment(item)
    if not content:
        raise CellError("措施内容不能为空。")
    unit = lead_unit
    if given.get("unit"):
        unit = lookup.unit(given["unit"])
        if lead_unit is not None and unit.pk not in allowed:
            raise CellError(
                f"责任单位“{given['unit']}”须为牵头单位或配合单位，"
                "如需由其配合整改，请同时填入“配合单位”列。"
            )
    owner = None
    if given.get("owner"):
        owner = lookup.user(given["owner"])
        if unit is not None and not lookup.is_member(owner, unit):
            raise CellError(f"责任人“{given['owner']}”不是“{unit.name}”的人员。")
    due = None
    if given.get("due"):
        due = parse_due(given["due"])
        if due == LONG_TERM:
            raise CellError("措施的完成时限须为日期。")
        if problem_due and due > problem_due:
            raise CellError(f"完成时限不能晚于问题的整改时限（{problem_due:%Y-%m-%d}）。")
    return ParsedMeasure(content, unit, owner, due or problem_due)
