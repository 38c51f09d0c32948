"""notifications/ without an import circle (issue 12 item 7): services decide and record; only
tasks.py and the embedded loop command queue tasks or call deliveries."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "notifications"


def local_imports(path: Path) -> set[str]:
    """Modules of notifications/ that `path` imports, at any depth (function-level too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 1 and module:
                found.add(module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif module.startswith("notifications."):
                found.add(module.split(".")[1])
    return found


def graph():
    return {p.stem: local_imports(p) for p in APP.glob("*.py")}


def test_the_modules_of_notifications_import_each_other_without_a_circle():
    edges = {
        name: {m for m in deps if (APP / f"{m}.py").exists()} for name, deps in graph().items()
    }
    done, path = set(), []

    def visit(name):
        assert name not in path, " → ".join([*path, name])
        if name in done:
            return
        path.append(name)
        for dep in sorted(edges.get(name, ())):
            visit(dep)
        path.pop()
        done.add(name)

    for name in sorted(edges):
        visit(name)


def test_only_tasks_and_the_loop_command_queue_or_run_deliveries():
    sources = {p: p.read_text() for p in APP.rglob("*.py") if "migrations" not in p.parts}
    for path, text in sources.items():
        allowed = path.name == "tasks.py" or path.name == "run_reminders.py"
        for marker in (".delay(", ".apply_async(", "deliver_now(", "from .tasks", "import tasks"):
            assert allowed or marker not in text, f"{path.name} uses {marker}"


def test_the_reminder_kinds_are_one_enum_shared_by_schedule_models_email_and_preferences():
    from issues.models import ReminderKind
    from issues.services import schedule
    from notifications import email, kinds, models

    assert schedule.Kind is ReminderKind
    assert models.Reminder._meta.get_field("kind").choices == ReminderKind.choices
    assert set(ReminderKind.values) <= set(kinds.EMAIL_KINDS)
    assert email.kind_label("overdue") == str(ReminderKind.OVERDUE.label)
