"""One workflow action on many problems (批量交办, 批量催办, 批量通过, …).

Each problem goes through `perform_action` on its own — its own transaction, its own row lock,
its own checks — so one refusal never undoes or blocks the others. The caller gets one outcome
per problem, refusals with their error code and reason: partial success is always explicit.
"""

from dataclasses import dataclass, field

from issues.exceptions import DomainError, InvalidInput
from issues.services.workflow import ACTIONS, perform_action

MAX_BULK = 200  # problems per request: a page of the list is 50; four pages at most


@dataclass
class Outcome:
    problem_id: int
    action: str
    ok: bool
    code: str = ""  # the §9 error code when refused
    detail: str = ""
    errors: dict = field(default_factory=dict)


def bulk_validate(items: list[tuple[int, str]]):
    """Refuse the whole request before touching anything: too many, unknown or duplicate ids."""
    if not items:
        raise InvalidInput("请至少选择一个问题。", {"ids": ["请至少选择一个问题。"]})
    if len(items) > MAX_BULK:
        message = f"一次最多处理 {MAX_BULK} 个问题，当前选择了 {len(items)} 个。"
        raise InvalidInput(message, {"ids": [message]})
    unknown = sorted({action for _pk, action in items if action not in ACTIONS})
    if unknown:
        raise InvalidInput("未知操作。", {"action": [f"未知操作：{a}" for a in unknown]})


def perform_bulk(*, actor, items: list[tuple[int, str]], data: dict | None = None) -> list[Outcome]:
    """Take each (problem id, action) with the same input; one outcome per item, in order."""
    bulk_validate(items)
    outcomes = []
    seen = set()
    for problem_id, action in items:
        if problem_id in seen:
            continue
        seen.add(problem_id)
        try:
            perform_action(problem_id=problem_id, action=action, actor=actor, data=data or {})
        except DomainError as exc:
            outcomes.append(
                Outcome(problem_id, action, False, exc.code, exc.detail, dict(exc.errors))
            )
        else:
            outcomes.append(Outcome(problem_id, action, True))
    return outcomes
